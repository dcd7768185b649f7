"""The demo's three accounts, with passwords generated once and kept in the data folder."""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

from sqlalchemy.orm import Session

from jobqueue.users import create_user, get_user, set_password

DEMO_ACCOUNTS = (("fabmanager", "fabmanager", "member"), ("member", "member", "member"), ("trainee", "trainee", "training"))


def _passwords(data_dir: Path) -> dict[str, str]:
    path = data_dir / "demo-logins.json"
    if path.exists():
        return json.loads(path.read_text())
    words = {name: secrets.token_urlsafe(9) for name, _, _ in DEMO_ACCOUNTS}
    data_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(words, f)
    return words


def ensure_demo_users(session: Session, data_dir: Path) -> dict[str, str]:
    """Create (or reset the password of) fabmanager, member and trainee; returns the logins."""
    passwords = _passwords(data_dir)
    for name, role, tier in DEMO_ACCOUNTS:
        user = get_user(session, name)
        if user is None:
            create_user(session, name, passwords[name], role=role, tier=tier)
        else:
            set_password(user, passwords[name])
    return passwords
