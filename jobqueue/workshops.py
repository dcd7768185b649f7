"""Workshop sessions: a trainer opens one and gets a short join code; trainees join with it and
send their jobs into it; the trainer sees them together and approves them per process.

Refusals are RequestErrors with a code and parameters (the web words them).
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jobqueue import permissions
from jobqueue.errors import RequestError
from jobqueue.models import Job, User, utcnow
from jobqueue.models_people import SessionMember, WorkshopSession
from jobqueue.permissions import Action
from jobqueue.states import JobState
from slicing.machine_spec import FablabSpec

# No 0/O, 1/I/L: a code read aloud in a training room or copied from a board.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 6
DEFAULT_HOURS = 3
MAX_DAYS = 31


def _aware(when: dt.datetime | None) -> dt.datetime | None:
    """SQLite gives naive datetimes back: they are UTC."""
    if when is not None and when.tzinfo is None:
        return when.replace(tzinfo=dt.UTC)
    return when


def normalise_code(code: str) -> str:
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())


def new_code(s: Session) -> str:
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if s.scalar(select(WorkshopSession.id).where(WorkshopSession.code == code)) is None:
            return code


def is_open(ws: WorkshopSession, now: dt.datetime | None = None) -> bool:
    """A session takes uploads until its end."""
    return (now or utcnow()) < _aware(ws.ends_at)


def create_session(
    s: Session, spec: FablabSpec, user: User, title: str, processes: list[str],
    quota_jobs_per_trainee: int | None = None, starts_at: dt.datetime | None = None,
    ends_at: dt.datetime | None = None, material: str | None = None, supervised: bool = True,
) -> WorkshopSession:
    permissions.require(user, Action.RUN_SESSIONS)
    title = (title or "").strip()
    if not title or len(title) > 128:
        raise RequestError("a session needs a title of 1 to 128 characters", code="session_title")
    kinds = sorted({m.kind for m in spec.machines})
    processes = list(dict.fromkeys(p for p in (processes or []) if p))
    unknown = [p for p in processes if p not in kinds]
    if not processes or unknown:
        raise RequestError(f"processes must be some of: {', '.join(kinds)}", code="session_processes",
                           kinds=kinds, unknown=unknown)
    if material and not any(m.name == material for p in processes for mc in spec.machines_of_kind(p)
                            for m in mc.materials):
        raise RequestError(f"no machine of these processes offers material '{material}'",
                           code="session_material", material=material)
    if quota_jobs_per_trainee is not None and not 1 <= quota_jobs_per_trainee <= 100:
        raise RequestError("the quota of jobs per trainee must be 1 to 100", code="session_quota")
    starts_at = _aware(starts_at) or utcnow()
    ends_at = _aware(ends_at) or starts_at + dt.timedelta(hours=DEFAULT_HOURS)
    if not starts_at < ends_at <= starts_at + dt.timedelta(days=MAX_DAYS):
        raise RequestError(f"a session ends after it starts, within {MAX_DAYS} days", code="session_window")
    ws = WorkshopSession(code=new_code(s), title=title, trainer_id=user.id, starts_at=starts_at, ends_at=ends_at,
                         processes=processes, material=material or None,
                         quota_jobs_per_trainee=quota_jobs_per_trainee, supervised=supervised)
    s.add(ws)
    s.flush()
    return ws


def join_session(s: Session, user: User, code: str) -> WorkshopSession:
    permissions.require(user, Action.JOIN_SESSIONS)
    ws = s.scalar(select(WorkshopSession).where(WorkshopSession.code == normalise_code(code)))
    if ws is None:
        raise RequestError("no workshop session has this code", code="session_unknown_code")
    if not is_open(ws):
        raise RequestError(f"session '{ws.title}' has ended", code="session_ended", title=ws.title)
    if not is_member(s, user, ws):
        s.add(SessionMember(session_id=ws.id, user_id=user.id))
        s.flush()
    return ws


def is_member(s: Session, user: User, ws: WorkshopSession) -> bool:
    return s.scalar(select(SessionMember.id).where(SessionMember.session_id == ws.id,
                                                   SessionMember.user_id == user.id)) is not None


def joined_sessions(s: Session, user: User, open_only: bool = True) -> list[WorkshopSession]:
    """The sessions `user` joined (the open ones by default): what the upload page offers."""
    q = (select(WorkshopSession).join(SessionMember, SessionMember.session_id == WorkshopSession.id)
         .where(SessionMember.user_id == user.id).order_by(WorkshopSession.starts_at.desc()))
    rows = list(s.scalars(q))
    return [ws for ws in rows if is_open(ws)] if open_only else rows


def check_upload(s: Session, user: User, session_id: int, process: str) -> WorkshopSession:
    """The session a job is sent into: joined, open, allowing the process, under its quota."""
    ws = s.get(WorkshopSession, session_id)
    if ws is None or not is_member(s, user, ws):
        raise RequestError(f"you have not joined session {session_id}", code="session_not_joined", session=session_id)
    if not is_open(ws):
        raise RequestError(f"session '{ws.title}' has ended: it takes no more uploads", code="session_ended",
                           title=ws.title)
    if process not in ws.processes:
        raise RequestError(f"session '{ws.title}' takes {', '.join(ws.processes)} jobs, not {process}",
                           code="session_process", title=ws.title, processes=ws.processes, process=process)
    return ws


def jobs_in_session(s: Session, user: User, ws: WorkshopSession) -> int:
    """The jobs `user` sent into `ws` and did not cancel (what the per-trainee quota counts)."""
    return s.scalar(select(func.count(Job.id)).where(
        Job.session_id == ws.id, Job.owner_id == user.id, Job.state != JobState.CANCELLED.value)) or 0


def trainer_of(s: Session, job: Job) -> int | None:
    """The id of the trainer of the session `job` was sent into (None outside a session)."""
    if job.session_id is None:
        return None
    return s.scalar(select(WorkshopSession.trainer_id).where(WorkshopSession.id == job.session_id))


def session_jobs(s: Session, ws: WorkshopSession) -> list[Job]:
    return list(s.scalars(select(Job).where(Job.session_id == ws.id).order_by(Job.owner_id, Job.id)))


@dataclass
class Summary:
    """What the trainer's page and the API show above the jobs."""

    trainees: int
    jobs: int
    by_state: dict[str, int]
    by_process: dict[str, int]
    pending_by_process: dict[str, int]
    # Problems most trainees share: (code, severity, trainees having it, one example issue).
    shared_problems: list[tuple[str, str, int, dict[str, Any]]] = field(default_factory=list)


def summarise(s: Session, ws: WorkshopSession, jobs: list[Job] | None = None) -> Summary:
    jobs = session_jobs(s, ws) if jobs is None else jobs
    states = Counter(j.state for j in jobs)
    pending = Counter(j.process for j in jobs if j.state == JobState.PENDING_REVIEW.value)
    owners: dict[str, set[int]] = {}
    examples: dict[str, dict[str, Any]] = {}
    for j in jobs:
        for issue in (j.analysis or {}).get("issues") or []:
            if isinstance(issue, dict) and issue.get("severity") in ("error", "warning"):
                code = str(issue.get("code"))
                owners.setdefault(code, set()).add(j.owner_id)
                examples.setdefault(code, issue)
    shared = sorted(((c, str(examples[c].get("severity")), len(o), examples[c]) for c, o in owners.items()),
                    key=lambda row: (-row[2], row[1] != "error", row[0]))
    return Summary(trainees=len(ws.members), jobs=len(jobs), by_state=dict(states),
                   by_process=dict(Counter(j.process for j in jobs)), pending_by_process=dict(pending),
                   shared_problems=shared)
