"""Accounts: hashed passwords (werkzeug's scrypt), sessions that end on the server, and the
hook that cuts every access of an account (password change, deactivation).

Login timing does not tell whether an account exists: an unknown name is checked against a
dummy hash of the same cost. Session cookies carry the user's `session_nonce` (through
`User.get_id`); `end_sessions` changes it, so logging out ends the session everywhere.
"""

from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session, object_session
from werkzeug.security import check_password_hash, generate_password_hash

from jobqueue.models import ROLES, User
from jobqueue.tokens import create_token, revoke_all, user_for_token  # noqa: F401 - the historic home

_DUMMY_HASH: str | None = None


class UserError(ValueError):
    pass


def create_user(session: Session, username: str, password: str, role: str = "member", tier: str = "member") -> User:
    if role not in ROLES:
        raise UserError(f"unknown role {role!r} (one of {', '.join(ROLES)})")
    if not username or len(username) > 64:
        raise UserError("username must be 1 to 64 characters")
    if session.scalar(select(User).where(User.username == username)):
        raise UserError(f"user {username!r} exists already")
    user = User(username=username, password_hash=generate_password_hash(password), role=role, tier=tier,
                session_nonce=secrets.token_hex(8))
    session.add(user)
    session.flush()
    return user


def end_sessions(user: User) -> None:
    """Every session cookie of this user stops working (logout, password change)."""
    user.session_nonce = secrets.token_hex(8)


def revoke_access(session: Session, user: User) -> int:
    """Cut every way in: sessions and API tokens. Call on password change and deactivation.
    Returns how many live tokens were revoked."""
    end_sessions(user)
    return revoke_all(session, user)


def set_password(user: User, password: str) -> None:
    """A new password; the old sessions and tokens stop working (when the user is in a session).
    Setting the same password again (the demo does at each start) changes nothing."""
    if user.password_hash and check_password_hash(user.password_hash, password):
        return
    user.password_hash = generate_password_hash(password)
    session = object_session(user)
    if session is not None and user.id is not None:
        revoke_access(session, user)
    else:
        end_sessions(user)


def _dummy_hash() -> str:
    global _DUMMY_HASH
    if _DUMMY_HASH is None:
        _DUMMY_HASH = generate_password_hash(secrets.token_hex(16))
    return _DUMMY_HASH


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The user when the password is right; the same work is done whether the name exists or not."""
    user = session.scalar(select(User).where(User.username == username)) if len(username) <= 64 else None
    if user is None:
        check_password_hash(_dummy_hash(), password)
        return None
    if not check_password_hash(user.password_hash, password) or not getattr(user, "is_active", True):
        return None
    if not user.session_nonce:  # an account from before session nonces
        end_sessions(user)
    return user


def user_for_session(session: Session, session_id: str) -> User | None:
    """The user a session cookie names (`id:nonce`), if the nonce is still the user's."""
    user_id, _, nonce = session_id.partition(":")
    if not user_id.isdigit() or len(user_id) > 12:
        return None
    user = session.get(User, int(user_id))
    if user is None or not nonce or not secrets.compare_digest(nonce, user.session_nonce or ""):
        return None
    return user if getattr(user, "is_active", True) else None


def get_user(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == username))
