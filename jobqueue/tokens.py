"""API tokens for scripts: named, expiring, listed, revocable; only their sha256 is stored.

A token is shown once, when made. It stops working when it expires, when it is revoked, when
its owner's password changes or the account is deactivated (`revoke_access`), and when the
account is not active.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import select, update
from sqlalchemy.orm import Session, joinedload

from jobqueue.models import ApiToken, User, utcnow

DEFAULT_DAYS = 90
MAX_DAYS = 730
PREFIX = "fl_"


class TokenError(ValueError):
    """A token request that cannot be done; `code` is stable, the args carry the parameters."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code, params)
        self.code, self.params = code, params


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    """SQLite hands back naive datetimes for timezone-aware columns: they were stored in UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value


def issue_token(session: Session, user: User, name: str = "", days: int | None = DEFAULT_DAYS) -> tuple[str, ApiToken]:
    """A new bearer token for `user`: (the token, shown once; its row). `days=None`: no expiry."""
    name = (name or "").strip()
    if len(name) > 64:
        raise TokenError("token_name_too_long", max=64)
    if days is not None and not 1 <= days <= MAX_DAYS:
        raise TokenError("token_days_out_of_range", min=1, max=MAX_DAYS)
    token = PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(user_id=user.id, token_sha256=_digest(token), name=name,
                   expires_at=utcnow() + dt.timedelta(days=days) if days is not None else None)
    session.add(row)
    session.flush()
    return token, row


def create_token(session: Session, user: User, name: str = "", days: int | None = DEFAULT_DAYS) -> str:
    return issue_token(session, user, name, days)[0]


def is_usable(row: ApiToken, now: dt.datetime | None = None) -> bool:
    now = now or utcnow()
    expires = _aware(row.expires_at)
    return row.revoked_at is None and (expires is None or expires > now)


def user_for_token(session: Session, token: str) -> User | None:
    """The active owner of a usable token, or None (unknown, expired, revoked, account inactive)."""
    if not token.startswith(PREFIX) or len(token) > 128:
        return None
    # its owner in the same query: every API request asks (one round trip and one ORM load less)
    row = session.scalar(select(ApiToken).options(joinedload(ApiToken.user))
                         .where(ApiToken.token_sha256 == _digest(token)))
    if row is None or not is_usable(row) or not getattr(row.user, "is_active", True):
        return None
    now = utcnow()
    last = _aware(row.last_used_at)
    if last is None or now - last > dt.timedelta(minutes=5):  # not a write per request
        row.last_used_at = now
    return row.user


def list_tokens(session: Session, user: User) -> list[ApiToken]:
    """The user's tokens, newest first, revoked and expired ones included (with their dates)."""
    return list(session.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())))


def revoke_token(session: Session, user: User, token_id: int) -> ApiToken:
    """Revoke one of `user`'s tokens (a fabmanager may revoke anyone's: pass the owner)."""
    row = session.get(ApiToken, token_id)
    if row is None or row.user_id != user.id:
        raise TokenError("token_not_found", id=token_id)
    if row.revoked_at is None:
        row.revoked_at = utcnow()
    session.flush()
    return row


def revoke_all(session: Session, user: User) -> int:
    """Revoke every live token of `user`; how many were live."""
    result = session.execute(update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
                             .values(revoked_at=utcnow()))
    return result.rowcount or 0


def token_status(row: ApiToken, now: dt.datetime | None = None) -> str:
    """active | expired | revoked, for lists."""
    if row.revoked_at is not None:
        return "revoked"
    return "active" if is_usable(row, now) else "expired"
