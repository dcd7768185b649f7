"""Accounts and API tokens: hashed passwords (werkzeug's scrypt), hashed tokens."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from jobqueue.models import ROLES, ApiToken, User


class UserError(ValueError):
    pass


def create_user(session: Session, username: str, password: str, role: str = "member", tier: str = "member") -> User:
    if role not in ROLES:
        raise UserError(f"unknown role {role!r} (one of {', '.join(ROLES)})")
    if not username or len(username) > 64:
        raise UserError("username must be 1 to 64 characters")
    if session.scalar(select(User).where(User.username == username)):
        raise UserError(f"user {username!r} exists already")
    user = User(username=username, password_hash=generate_password_hash(password), role=role, tier=tier)
    session.add(user)
    session.flush()
    return user


def set_password(user: User, password: str) -> None:
    user.password_hash = generate_password_hash(password)


def authenticate(session: Session, username: str, password: str) -> User | None:
    user = session.scalar(select(User).where(User.username == username))
    if user and check_password_hash(user.password_hash, password) and user.is_active:
        return user
    return None


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(session: Session, user: User) -> str:
    """A new bearer token; only its digest is stored, so it is shown once."""
    token = "fl_" + secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user.id, token_sha256=_digest(token)))
    session.flush()
    return token


def user_for_token(session: Session, token: str) -> User | None:
    row = session.scalar(select(ApiToken).where(ApiToken.token_sha256 == _digest(token)))
    return row.user if row and row.user.is_active else None  # a deactivated user's tokens stop working


def get_user(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == username))
