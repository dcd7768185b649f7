"""The people area's JSON API under /api/v1 (blueprint `api_people`): workshop sessions, send
back and revisions, accounts, trainings, notifications. Authentication and error answers are
web.api's; the rules are jobqueue's."""

from __future__ import annotations

from flask import Blueprint, g, request
from sqlalchemy import select

from jobqueue import accounts, notifications, permissions, revisions, trainings, workshop_approval, workshops
from jobqueue.contracts.api import ErrorBody, JobOut
from jobqueue.contracts.people import (
    JoinIn,
    NotificationList,
    NotificationOut,
    NotificationsRead,
    RevisionForm,
    RevisionList,
    RevisionOut,
    SendBackIn,
    SessionApproveIn,
    SessionApproveOut,
    SessionBrief,
    SessionCreated,
    SessionIn,
    SessionOut,
    SessionSummaryOut,
    SharedProblem,
    Skipped,
    TrainingIn,
    TrainingOut,
    UserCreated,
    UserIn,
    UserList,
    UserOut,
    UserPatch,
)
from jobqueue.filestore import FileTooLarge
from jobqueue.models import Job, User
from jobqueue.models_people import WorkshopSession
from jobqueue.permissions import Action
from jobqueue.services import max_upload_bytes
from web.api import _error, _job_or_404, authenticated, job_out
from web.app import context
from web.validation import api_route

api_people = Blueprint("api_people", __name__, url_prefix="/api/v1")


# ---- workshop sessions ------------------------------------------------------------------


@api_people.post("/sessions")
@authenticated
@api_route(json=SessionIn, resp={201: SessionCreated}, tags=["sessions"])
def create_session(json: SessionIn):  # noqa: ANN201, A002
    """Open a workshop session (trainer): returns its id and join code"""
    ws = workshops.create_session(g.db, context().spec(), g.user, json.title, list(json.processes),
                                  json.quota_jobs_per_trainee, json.starts_at, json.ends_at, json.material,
                                  json.supervised)
    return SessionCreated(id=ws.id, code=ws.code, title=ws.title, starts_at=ws.starts_at, ends_at=ws.ends_at), 201


@api_people.post("/sessions/join")
@authenticated
@api_route(json=JoinIn, resp={200: SessionBrief}, tags=["sessions"])
def join_session(json: JoinIn):  # noqa: ANN201, A002
    """Join a workshop session with its code; uploads may then name it (`session` = its id)"""
    ws = workshops.join_session(g.db, g.user, json.code)
    return _brief(ws)


def _brief(ws: WorkshopSession) -> SessionBrief:
    return SessionBrief(id=ws.id, title=ws.title, starts_at=ws.starts_at, ends_at=ws.ends_at,
                        processes=ws.processes, open=workshops.is_open(ws))


def _session_or_404(session_id: int) -> WorkshopSession | None:
    return g.db.scalar(permissions.visible_sessions_query(g.user).where(WorkshopSession.id == session_id))


@api_people.get("/sessions/<int:session_id>")
@authenticated
@api_route(resp={200: SessionOut}, tags=["sessions"])
def get_session(session_id: int):  # noqa: ANN201
    """A workshop session (its trainer, or staff): its jobs and summary"""
    permissions.require(g.user, Action.RUN_SESSIONS)
    ws = _session_or_404(session_id)
    if ws is None:
        return _error(f"no session {session_id}", 404, "not_found")
    jobs = workshops.session_jobs(g.db, ws)
    summary = workshops.summarise(g.db, ws, jobs)
    return SessionOut(
        **_brief(ws).model_dump(), code=ws.code, trainer=ws.trainer.username,
        quota_jobs_per_trainee=ws.quota_jobs_per_trainee, material=ws.material, supervised=ws.supervised,
        trainee_names=[m.user.username for m in ws.members],
        summary=SessionSummaryOut(
            trainees=summary.trainees, jobs=summary.jobs, by_state=summary.by_state, by_process=summary.by_process,
            pending_by_process=summary.pending_by_process,
            shared_problems=[SharedProblem(code=c, severity=sev, trainees=n) for c, sev, n, _ in summary.shared_problems]),
        jobs=[job_out(j) for j in jobs])


@api_people.post("/sessions/<int:session_id>/approve")
@authenticated
@api_route(json=SessionApproveIn, resp={200: SessionApproveOut}, tags=["sessions"])
def approve_session(session_id: int, json: SessionApproveIn):  # noqa: ANN201, A002
    """Approve the session's jobs of one process onto a machine or a group: approved ids, skipped with reasons"""
    permissions.require(g.user, Action.RUN_SESSIONS)
    ws = _session_or_404(session_id)
    if ws is None:
        return _error(f"no session {session_id}", 404, "not_found")
    ctx = context()
    result = workshop_approval.approve_session(g.db, ctx.redis(), ctx.spec(), g.user, ws, json.process,
                                               json.machine, json.group, json.material, json.override_training)
    return SessionApproveOut(approved=result.approved, skipped=[Skipped(**x) for x in result.skipped])


# ---- send back and revisions ------------------------------------------------------------


@api_people.post("/jobs/<int:job_id>/send-back")
@authenticated
@api_route(json=SendBackIn, resp={200: JobOut, 409: ErrorBody}, tags=["review"])
def send_back(job_id: int, json: SendBackIn):  # noqa: ANN201, A002
    """Send a job waiting for review back to its owner with a comment (fabmanager, the session's trainer)"""
    job = _job_or_404(job_id)
    if not isinstance(job, Job):
        return job
    revisions.send_back(g.db, g.user, job, json.comment)
    return job_out(job)


@api_people.post("/jobs/<int:job_id>/revisions")
@authenticated
@api_route(form=RevisionForm, resp={201: JobOut, 409: ErrorBody, 413: ErrorBody}, tags=["jobs"])
def revise(job_id: int, form: RevisionForm):  # noqa: ANN201
    """Send a corrected file as a new revision of a job sent back (or invalid): analysed again"""
    job = _job_or_404(job_id)
    if not isinstance(job, Job):
        return job
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _error("multipart field 'file' is required", 400, "invalid_request")
    ctx = context()
    try:
        revisions.revise(g.db, ctx.redis(), ctx.store, g.user, job, upload.stream, upload.filename, max_upload_bytes())
    except FileTooLarge as exc:
        return _error(str(exc), 413, "too_large")
    return job_out(job), 201


@api_people.get("/jobs/<int:job_id>/revisions")
@authenticated
@api_route(resp={200: RevisionList}, tags=["jobs"])
def list_revisions(job_id: int):  # noqa: ANN201
    """The earlier files of a job, oldest first"""
    job = _job_or_404(job_id)
    if not isinstance(job, Job):
        return job
    return RevisionList(job=job.id, current=job.revision, revisions=[
        RevisionOut(number=r.number, filename=r.filename, state=r.state, comment=r.comment, created_at=r.created_at)
        for r in revisions.history(g.db, job.id)])


# ---- accounts and trainings -------------------------------------------------------------


def user_out(user: User) -> UserOut:
    return UserOut(username=user.username, role=user.role, tier=user.tier, language=user.language, email=user.email,
                   active=user.is_active, email_notifications=user.email_notifications,
                   trainings=[TrainingOut(kind=r.kind, trainer=r.trainer.username if r.trainer else None,
                                          trained_at=r.trained_at, valid_until=r.valid_until)
                              for r in trainings.records_of(g.db, user.id)])


@api_people.get("/users")
@authenticated
@api_route(resp={200: UserList}, tags=["accounts"])
def list_users():  # noqa: ANN201
    """Every account (admin, fabmanager)"""
    permissions.require(g.user, Action.MANAGE_USERS)
    return UserList(users=[user_out(u) for u in g.db.scalars(select(User).order_by(User.username).limit(1000))])


@api_people.post("/users")
@authenticated
@api_route(json=UserIn, resp={201: UserCreated}, tags=["accounts"])
def create_user(json: UserIn):  # noqa: ANN201, A002
    """Create an account (admin any role; fabmanager member, trainee, trainer); the first password once"""
    user, password = accounts.create(g.db, context().spec(), g.user, json.username, json.password, json.role,
                                     json.tier, json.language, json.email)
    return UserCreated(**user_out(user).model_dump(), password=None if json.password else password), 201


def _user_or_404(name: str) -> User | None:
    return g.db.scalar(select(User).where(User.username == name[:64]))


@api_people.patch("/users/<string(maxlength=64):name>")
@authenticated
@api_route(json=UserPatch, resp={200: UserOut}, tags=["accounts"])
def update_user(name: str, json: UserPatch):  # noqa: ANN201, A002
    """Change an account's role, tier, language, e-mail, or deactivate it"""
    permissions.require(g.user, Action.MANAGE_USERS)
    user = _user_or_404(name)
    if user is None:
        return _error(f"no user {name!r}", 404, "not_found")
    accounts.update(g.db, context().spec(), g.user, user, role=json.role, tier=json.tier, language=json.language,
                    email=json.email, active=json.active)
    return user_out(user)


@api_people.post("/users/<string(maxlength=64):name>/trainings")
@authenticated
@api_route(json=TrainingIn, resp={201: TrainingOut}, tags=["accounts"])
def record_training(name: str, json: TrainingIn):  # noqa: ANN201, A002
    """Record that a user is trained (trainer, fabmanager)"""
    permissions.require(g.user, Action.RECORD_TRAININGS)
    user = _user_or_404(name)
    if user is None:
        return _error(f"no user {name!r}", 404, "not_found")
    rec = trainings.record(g.db, context().spec(), g.user, user, json.kind, json.valid_days)
    return TrainingOut(kind=rec.kind, trainer=g.user.username, trained_at=rec.trained_at,
                       valid_until=rec.valid_until), 201


# ---- notifications ----------------------------------------------------------------------


@api_people.get("/notifications")
@authenticated
@api_route(resp={200: NotificationList}, tags=["notifications"])
def list_notifications():  # noqa: ANN201
    """The caller's notifications, newest first (codes and parameters), and the unread count"""
    return _notification_list()


def _notification_list() -> NotificationList:
    rows = notifications.latest(g.db, g.user.id)
    return NotificationList(unread=notifications.unread_count(g.db, g.user.id), notifications=[
        NotificationOut(id=n.id, kind=n.kind, job=n.job_id, params=n.params or {}, created_at=n.created_at,
                        read=n.read_at is not None, email=n.email_state) for n in rows])


@api_people.post("/notifications/read")
@authenticated
@api_route(json=NotificationsRead, resp={200: NotificationList}, tags=["notifications"])
def read_notifications(json: NotificationsRead):  # noqa: ANN201, A002
    """Mark notifications as read (all by default)"""
    notifications.mark_read(g.db, g.user.id, json.ids)
    g.db.flush()
    return _notification_list()
