"""What every page module shares: the permission checks, `can()` and the template filters
(`init_app`). A leaf module: the page modules (web/pages.py, pages_jobs, pages_queue,
pages_machines, pages_machday), each with its own blueprint, import it; it imports none of
them; web/app.py registers the blueprints (no import cycle).
"""

from __future__ import annotations

from flask import Flask, abort
from flask_login import current_user

from jobqueue import permissions
from jobqueue.models import Job
from jobqueue.permissions import Action
from web.pages_format import FILTERS
from web.security import safe_next

__all__ = ["init_app", "require_can", "require_fabmanager", "safe_next"]


def _helpers() -> dict:
    """`can(action, job)` for the templates (the rules live in jobqueue.permissions)."""
    def can(action: str, job: Job | None = None) -> bool:
        return permissions.can(current_user, action, job)

    return {"can": can}


def init_app(app: Flask) -> None:
    """`can()` and the filters, for every page module's templates."""
    app.context_processor(_helpers)
    app.jinja_env.filters.update(FILTERS)


def require_can(action: Action | str, job: Job | None = None) -> None:
    """403 unless jobqueue.permissions lets the current user do `action` (on `job`)."""
    if not permissions.can(current_user, action, job):
        abort(403)


def require_fabmanager() -> None:
    """The fabmanager's areas (queue, machines control): staff only."""
    require_can(Action.REVIEW_QUEUE)
