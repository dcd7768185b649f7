"""The demo's accounts (fabmanager, member, trainee, trainer), with passwords generated once and
kept in the data folder, and an open workshop session the trainee has joined."""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from jobqueue.models import utcnow
from jobqueue.users import create_user, get_user, set_password
from slicing.machine_spec import FablabSpec

DEMO_ACCOUNTS = (("fabmanager", "fabmanager", "member"), ("member", "member", "member"), ("trainee", "trainee", "training"),
                 ("trainer", "trainer", "member"))
DEMO_SESSION = "De la modélisation à la création"


def _passwords(data_dir: Path) -> dict[str, str]:
    path = data_dir / "demo-logins.json"
    words = json.loads(path.read_text()) if path.exists() else {}
    if all(name in words for name, _, _ in DEMO_ACCOUNTS):
        return words
    words |= {name: secrets.token_urlsafe(9) for name, _, _ in DEMO_ACCOUNTS if name not in words}
    data_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(words, f)
    return words


def ensure_demo_users(session: Session, data_dir: Path) -> dict[str, str]:
    """Create (or reset the password of) the demo accounts; returns the logins."""
    passwords = _passwords(data_dir)
    for name, role, tier in DEMO_ACCOUNTS:
        user = get_user(session, name)
        if user is None:
            create_user(session, name, passwords[name], role=role, tier=tier)
        else:
            set_password(user, passwords[name])
    return passwords


def ensure_demo_session(session: Session, spec: FablabSpec) -> tuple[str, str]:
    """An open workshop session run by `trainer` (opened again when the last one ended), joined by
    `trainee`; returns its title and join code."""
    from jobqueue import workshops
    from jobqueue.models_people import WorkshopSession

    trainer, trainee = get_user(session, "trainer"), get_user(session, "trainee")
    rows = session.scalars(select(WorkshopSession).where(WorkshopSession.trainer_id == trainer.id)
                           .order_by(WorkshopSession.id.desc()))
    ws = next((w for w in rows if workshops.is_open(w)), None)
    if ws is None:
        kinds = [k for k in ("fdm", "laser") if spec.machines_of_kind(k)] or [spec.machines[0].kind]
        ws = workshops.create_session(session, spec, trainer, DEMO_SESSION, kinds, quota_jobs_per_trainee=3,
                                      ends_at=utcnow() + dt.timedelta(hours=8))
    workshops.join_session(session, trainee, ws.code)
    return ws.title, ws.code
