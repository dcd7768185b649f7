"""Accounts managed by the admin and the fabmanager: create, edit (role, tier, language, e-mail),
deactivate, reset a password, import a class roster (CSV: name, e-mail, role).

Who may give which role is jobqueue.permissions.assignable_roles. A deactivated user cannot log
in and their tokens stop working (jobqueue.users checks `is_active`).
"""

from __future__ import annotations

import csv
import io
import re
import secrets
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from jobqueue import permissions
from jobqueue.errors import RequestError
from jobqueue.models import User
from jobqueue.permissions import Action
from jobqueue.users import UserError, create_user, set_password
from slicing.machine_spec import FablabSpec

LANGUAGES = ("fr", "en")
USERNAME = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_ROSTER_ROWS = 500


def new_password() -> str:
    return secrets.token_urlsafe(9)


def _check(actor: User, spec: FablabSpec, role: str | None, tier: str | None, language: str | None,
           email: str | None) -> None:
    permissions.require(actor, Action.MANAGE_USERS)
    if role is not None and role not in permissions.assignable_roles(actor):
        raise RequestError(f"you may not give the role '{role}'", code="role_not_assignable", role=role)
    if tier is not None and spec.tier(tier) is None:
        raise RequestError(f"no pricing tier '{tier}'", code="unknown_tier", tier=tier)
    if language is not None and language not in LANGUAGES:
        raise RequestError(f"language must be one of {', '.join(LANGUAGES)}", code="unknown_language")
    if email and not EMAIL.match(email):
        raise RequestError(f"'{email}' is not an e-mail address", code="bad_email", email=email)


def _may_touch(actor: User, user: User) -> None:
    """A fabmanager does not edit an admin or another fabmanager (an admin edits anyone)."""
    if user.role not in permissions.assignable_roles(actor) and user.id != actor.id:
        raise permissions.PermissionDenied("manage_users")


def create(s: Session, spec: FablabSpec, actor: User, username: str, password: str | None = None,
           role: str = "member", tier: str = "member", language: str = "fr", email: str | None = None,
           display_name: str | None = None) -> tuple[User, str]:
    """The new user and their first password (generated when not given: shown once)."""
    email = (email or "").strip() or None
    _check(actor, spec, role, tier, language, email)
    username = (username or "").strip()
    if not USERNAME.match(username):
        raise RequestError("a username is 1 to 64 letters, digits, '.', '_' or '-'", code="bad_username",
                           username=username)
    password = password or new_password()
    try:
        user = create_user(s, username, password, role=role, tier=tier)
    except UserError as exc:
        raise RequestError(str(exc), code="user_exists", username=username) from None
    user.language, user.email, user.display_name = language, email, (display_name or "").strip()[:128] or None
    return user, password


def update(s: Session, spec: FablabSpec, actor: User, user: User, *, role: str | None = None,
           tier: str | None = None, language: str | None = None, email: str | None = None,
           active: bool | None = None) -> User:
    email = None if email is None else (email.strip() or "")
    _check(actor, spec, role, tier, language, email or None)
    _may_touch(actor, user)
    if active is False and user.id == actor.id:
        raise RequestError("you cannot deactivate your own account", code="self_deactivate")
    if role is not None:
        user.role = role
    if tier is not None:
        user.tier = tier
    if language is not None:
        user.language = language
    if email is not None:
        user.email = email or None
    if active is not None and active != user.is_active:
        user.is_active = active
        if not active:
            _revoke_access(s, user)
    return user


def reset_password(s: Session, actor: User, user: User) -> str:
    permissions.require(actor, Action.MANAGE_USERS)
    _may_touch(actor, user)
    password = new_password()
    set_password(user, password)
    _revoke_access(s, user)
    return password


def _revoke_access(s: Session, user: User) -> None:
    """End the user's sessions and tokens when the security module offers it."""
    try:
        from jobqueue.users import revoke_access  # type: ignore[attr-defined]
    except ImportError:
        return
    revoke_access(s, user)


@dataclass
class RosterResult:
    created: list[tuple[str, str]] = field(default_factory=list)  # (username, first password)
    errors: list[tuple[int, str, str]] = field(default_factory=list)  # (line, code, English text)


def username_for(name: str, email: str) -> str:
    """A username from the e-mail's local part, else from the name."""
    base = (email.split("@", 1)[0] if email else name).strip().lower()
    base = re.sub(r"[^a-z0-9._-]+", ".", base).strip(".")
    return base[:64] or "user"


def import_roster(s: Session, spec: FablabSpec, actor: User, text: str, tier: str = "member",
                  language: str = "fr") -> RosterResult:
    """CSV with columns name, e-mail, role (a header line is recognised); one account per line,
    each refused line said with its number, the others created."""
    permissions.require(actor, Action.MANAGE_USERS)
    out = RosterResult()
    sample = text[:2048]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    rows = list(csv.reader(io.StringIO(text), dialect))
    if rows and [c.strip().lower() for c in rows[0][:3]] in (["name", "email", "role"], ["name", "e-mail", "role"],
                                                              ["nom", "e-mail", "rôle"], ["nom", "email", "role"]):
        rows = [[], *rows[1:]]
    if len(rows) > MAX_ROSTER_ROWS:
        raise RequestError(f"at most {MAX_ROSTER_ROWS} lines", code="roster_too_long")
    for line, row in enumerate(rows, start=1):
        if not row or not any(c.strip() for c in row):
            continue
        name, email, role = ([c.strip() for c in row] + ["", "", ""])[:3]
        role = role.lower() or "trainee"
        username = username_for(name, email)
        if s.scalar(select(User.id).where(User.username == username)) is not None:
            out.errors.append((line, "user_exists", f"user '{username}' exists already"))
            continue
        try:
            with s.begin_nested():
                _user, password = create(s, spec, actor, username, None, role, tier, language, email, name)
        except RequestError as exc:
            out.errors.append((line, exc.code, str(exc)))
            continue
        out.created.append((username, password))
    return out
