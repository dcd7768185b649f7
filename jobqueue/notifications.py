"""Notifications: one row per thing a user should know about their job (a code and parameters,
worded by the web in the user's language), shown in the app and sent by e-mail when SMTP is
configured and the user wants it.

Rows are written in the same transaction as the state change that causes them (a listener on
the audit rows `jobqueue.states.transition` writes), so every path (web, API, workers, CLI)
notifies alike. E-mail is sent by a queue task (`web.mail.deliver_pending`, enqueued by name
after the commit: the wording lives in the web), never inside the request.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

from sqlalchemy import event, func, select, update
from sqlalchemy.orm import Session

from jobqueue.models import Job, JobEvent, User, utcnow
from jobqueue.models_people import Notification

log = logging.getLogger(__name__)

# The audit row's (from, to) -> the notification kind; None for "from any state".
KINDS: dict[tuple[str | None, str], str] = {
    ("pending_review", "preparing"): "approved",
    (None, "rejected"): "rejected",
    (None, "sent_back"): "sent_back",
    ("ready", "running"): "started",
    (None, "completed"): "completed",
    (None, "failed"): "failed",
    (None, "interrupted"): "failed",  # its reason says what interrupted it
    (None, "invalid"): "invalid",
}
ALL_KINDS = (*dict.fromkeys(KINDS.values()), "awaiting_clearance")
DELIVER_TASK = "web.mail.deliver_pending"


@dataclass(frozen=True)
class MailSettings:
    host: str
    port: int
    sender: str
    user: str | None
    password: str | None
    starttls: bool
    base_url: str


def mail_settings() -> MailSettings | None:
    """SMTP from the environment (FABLAB_SMTP_HOST...); None: e-mail is off."""
    host = os.environ.get("FABLAB_SMTP_HOST", "").strip()
    if not host:
        return None
    return MailSettings(
        host=host, port=int(os.environ.get("FABLAB_SMTP_PORT", "25")),
        sender=os.environ.get("FABLAB_SMTP_FROM", "fablab@localhost"),
        user=os.environ.get("FABLAB_SMTP_USER") or None, password=os.environ.get("FABLAB_SMTP_PASSWORD") or None,
        starttls=os.environ.get("FABLAB_SMTP_STARTTLS", "") in ("1", "true", "yes"),
        base_url=os.environ.get("FABLAB_BASE_URL", "http://127.0.0.1:5000").rstrip("/"),
    )


def kind_for(from_state: str | None, to_state: str) -> str | None:
    return KINDS.get((from_state, to_state)) or KINDS.get((None, to_state))


def notify(s: Session, user: User, kind: str, about: Job | None = None, **params: object) -> Notification:
    """Add one notification for `user` (e-mail pending when SMTP is on and they want it)."""
    job = about
    wants_mail = bool(mail_settings() and user.email and user.email_notifications and user.is_active)
    note = Notification(user_id=user.id, kind=kind, job_id=job.id if job is not None else None,
                        params={k: v for k, v in params.items() if v is not None},
                        email_state="pending" if wants_mail else None)
    s.add(note)
    if wants_mail:
        s.info["fablab_mail_pending"] = True
    return note


def notify_staff(s: Session, kind: str, about: Job | None = None, **params: object) -> None:
    """The same notification for every active fabmanager and admin (a machine waits for them)."""
    for user in s.scalars(select(User).where(User.role.in_(("fabmanager", "admin")), User.is_active.is_(True))):
        notify(s, user, kind, about, **params)


def notify_clearance(s: Session, job: Job, machine_id: str) -> None:
    """A run left `machine_id` to be cleared: the staff, the job's owner and, for a workshop
    session's job, its trainer (who may confirm it from the job or session page) are told."""
    from jobqueue.workshops import trainer_of

    params = {"job": job.id, "filename": job.filename, "machine": machine_id}
    notify_staff(s, "awaiting_clearance", job, **params)
    for uid in dict.fromkeys((job.owner_id, trainer_of(s, job))):
        user = s.get(User, uid) if uid is not None else None
        if user is not None and user.is_active and user.role not in ("fabmanager", "admin"):
            notify(s, user, "awaiting_clearance", job, **params)


@event.listens_for(Session, "before_flush")
def _on_audit_rows(s: Session, _ctx, _instances) -> None:  # noqa: ANN001 - SQLAlchemy's signature
    for obj in list(s.new):
        if not isinstance(obj, JobEvent) or obj.from_state is None:
            continue
        kind = kind_for(obj.from_state, obj.to_state)
        if kind is None:
            continue
        with s.no_autoflush:
            job = s.get(Job, obj.job_id)
            owner = s.get(User, job.owner_id) if job is not None else None
        if owner is None:
            continue
        notify(s, owner, kind, job, job=job.id, filename=job.filename, machine=job.machine_id,
               reason=obj.reason if kind in ("rejected", "sent_back", "failed") else None)
        if kind == "completed":
            _renew_trainings(s, job)


def _renew_trainings(s: Session, job: Job) -> None:
    try:
        from jobqueue import machines, trainings
        from jobqueue.settings import load_settings

        spec = machines.registry(load_settings().machines_file)
        with s.no_autoflush:
            trainings.renew_on_completion(s, spec, job)
    except Exception:  # a renewal must never stop a job from completing
        log.exception("training renewal after job %s failed", job.id)


_conns: dict[tuple[int, str], object] = {}


@event.listens_for(Session, "after_commit")
def _enqueue_mail(s: Session) -> None:
    if not s.info.pop("fablab_mail_pending", False):
        return
    from jobqueue.settings import load_settings

    url = load_settings().redis_url
    if not url:
        log.warning("e-mail notifications pending but no REDIS_URL: sent by the next task that runs")
        return
    try:
        from rq import Queue

        from jobqueue.queues import ANALYSIS
        from jobqueue.redis_server import connect

        key = (os.getpid(), url)
        conn = _conns.get(key) or _conns.setdefault(key, connect(url))
        Queue(ANALYSIS, connection=conn).enqueue(DELIVER_TASK, job_timeout=300, result_ttl=600)
    except Exception:  # the rows stay pending; the next enqueue sends them
        log.exception("could not enqueue the e-mail task")


def unread_count(s: Session, user_id: int) -> int:
    return s.scalar(select(func.count(Notification.id)).where(
        Notification.user_id == user_id, Notification.read_at.is_(None))) or 0


def latest(s: Session, user_id: int, limit: int = 100) -> list[Notification]:
    return list(s.scalars(select(Notification).where(Notification.user_id == user_id)
                          .order_by(Notification.id.desc()).limit(limit)))


def mark_read(s: Session, user_id: int, ids: list[int] | None = None) -> int:
    q = update(Notification).where(Notification.user_id == user_id, Notification.read_at.is_(None))
    if ids is not None:
        q = q.where(Notification.id.in_(ids))
    return s.execute(q.values(read_at=utcnow())).rowcount or 0


def claim_pending(s: Session, limit: int = 50) -> list[Notification]:
    """Take pending e-mails for sending: compare-and-set pending -> sending, so two workers never
    send the same message."""
    ids = list(s.scalars(select(Notification.id).where(Notification.email_state == "pending")
                         .order_by(Notification.id).limit(limit)))
    claimed = []
    for nid in ids:
        done = s.execute(update(Notification).where(Notification.id == nid, Notification.email_state == "pending")
                         .values(email_state="sending"))
        if done.rowcount == 1:
            claimed.append(nid)
    s.commit()
    return [s.get(Notification, nid) for nid in claimed]
