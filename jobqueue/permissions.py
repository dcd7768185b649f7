"""What each role may do, written once: services, pages and the API all ask this module.

Roles: member and trainee (their own jobs), trainer (the jobs of the workshop sessions they
run, and trainings), fabmanager (every job and the machines, accounts) and admin (all the
fabmanager may, plus naming fabmanagers and admins). `allowed_actions(user, job)` says what
`user` may do with `job` in its current state; `global_actions(user)` what they may do
without a job; `visible_jobs_query(user)` which jobs they may see. A refusal is a
`PermissionDenied` carrying a code and the action, rendered by the web.
"""

from __future__ import annotations

from enum import StrEnum
from types import SimpleNamespace

from sqlalchemy import Select, or_, select

from jobqueue.errors import PermissionDenied
from jobqueue.models import Job, User
from jobqueue.models_people import WorkshopSession
from jobqueue.states import IllegalTransition, JobState

__all__ = ["ROLES", "STAFF", "Action", "PermissionDenied", "allowed_actions", "assignable_roles", "can",
           "can_view", "global_actions", "require", "reviews", "visible_jobs_query"]


class Role(StrEnum):
    MEMBER = "member"
    TRAINEE = "trainee"
    TRAINER = "trainer"
    FABMANAGER = "fabmanager"
    ADMIN = "admin"


ROLES: tuple[str, ...] = tuple(r.value for r in Role)
STAFF = frozenset({Role.FABMANAGER, Role.ADMIN})


class Action(StrEnum):
    # on one job
    VIEW = "view"
    CANCEL = "cancel"
    APPROVE = "approve"
    REJECT = "reject"
    SEND_BACK = "send_back"
    REVISE = "revise"  # upload a corrected file as a new revision
    CHOOSE_UNIT = "choose_unit"  # the unit of a file that does not say its own: analysed again (jobqueue.units)
    PAUSE = "pause"
    RESUME = "resume"
    RETRY = "retry"  # a failed or cancelled job back to its machine, from its checkpoint
    OVERRIDE_TRAINING = "override_training"
    RECORD_TRAINING = "record_training"  # for the job's owner, when the supervised job completed
    # without a job
    UPLOAD = "upload"
    REVIEW_QUEUE = "review_queue"
    VIEW_ALL_JOBS = "view_all_jobs"
    RUN_SESSIONS = "run_sessions"
    JOIN_SESSIONS = "join_sessions"
    RECORD_TRAININGS = "record_trainings"
    MANAGE_USERS = "manage_users"
    SEE_QUOTAS = "see_quotas"
    VIEW_MACHINES = "view_machines"
    CONTROL_MACHINES = "control_machines"


A = Action
S = JobState
_REVIEWABLE = frozenset({S.PENDING_REVIEW})
_OWNER_CANCELS = frozenset({S.SUBMITTED, S.PENDING_REVIEW, S.SENT_BACK})
_BEFORE_MACHINE = frozenset({S.SUBMITTED, S.ANALYSING, S.PENDING_REVIEW, S.SENT_BACK, S.PREPARING, S.READY})
_FINISHED = frozenset({S.INVALID, S.REJECTED, S.COMPLETED, S.FAILED, S.INTERRUPTED, S.CANCELLED})
_UNIT_CHOSEN = frozenset({S.PENDING_REVIEW, S.INVALID, S.SENT_BACK})  # analysed, not yet approved

GLOBAL: dict[Role, frozenset[Action]] = {
    Role.MEMBER: frozenset({A.UPLOAD, A.VIEW_MACHINES, A.JOIN_SESSIONS}),
    Role.TRAINEE: frozenset({A.UPLOAD, A.VIEW_MACHINES, A.JOIN_SESSIONS}),
    Role.TRAINER: frozenset({A.UPLOAD, A.VIEW_MACHINES, A.JOIN_SESSIONS, A.RUN_SESSIONS, A.RECORD_TRAININGS}),
    Role.FABMANAGER: frozenset({A.UPLOAD, A.VIEW_MACHINES, A.JOIN_SESSIONS, A.RUN_SESSIONS, A.RECORD_TRAININGS,
                                A.REVIEW_QUEUE, A.VIEW_ALL_JOBS, A.MANAGE_USERS, A.SEE_QUOTAS,
                                A.CONTROL_MACHINES}),
}
GLOBAL[Role.ADMIN] = GLOBAL[Role.FABMANAGER]


def role_of(user: User | None) -> Role | None:
    """The user's role, or None for nobody (anonymous, deactivated, unknown role)."""
    if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", True):
        return None
    try:
        return Role(user.role)
    except ValueError:
        return None


def is_staff(user: User | None) -> bool:
    return role_of(user) in STAFF


def reviews(user: User | None, job: Job) -> bool:
    """Staff review every job; a trainer the jobs of the sessions they run."""
    role = role_of(user)
    if role in STAFF:
        return True
    return role == Role.TRAINER and job.workshop is not None and job.workshop.trainer_id == user.id


def can_view(user: User | None, job: Job) -> bool:
    return role_of(user) is not None and (job.owner_id == user.id or reviews(user, job))


def allowed_actions(user: User | None, job: Job) -> frozenset[Action]:
    """Everything `user` may do with `job` as it is now (the state graph still has the last word)."""
    if not can_view(user, job):
        return frozenset()
    state = JobState(job.state)
    out = {A.VIEW}
    if job.owner_id == user.id:
        if state in _OWNER_CANCELS:
            out.add(A.CANCEL)
        if state in (S.SENT_BACK, S.INVALID):
            out.add(A.REVISE)
        if state in _UNIT_CHOSEN:
            out.add(A.CHOOSE_UNIT)
    if reviews(user, job):
        if state in _UNIT_CHOSEN:
            out.add(A.CHOOSE_UNIT)
        if state in _REVIEWABLE:
            out |= {A.APPROVE, A.REJECT, A.SEND_BACK, A.OVERRIDE_TRAINING}
        if state in _BEFORE_MACHINE:
            out.add(A.CANCEL)
        if state == S.COMPLETED and job.session_id is not None and A.RECORD_TRAININGS in global_actions(user):
            out.add(A.RECORD_TRAINING)
    if is_staff(user):
        if state not in _FINISHED:
            out.add(A.CANCEL)
        if state == S.RUNNING:
            out.add(A.PAUSE)
        if state == S.PAUSED:
            out.add(A.RESUME)
        # Only a job that had a program for a machine can go back to that machine's queue.
        if state in (S.FAILED, S.INTERRUPTED, S.CANCELLED) and job.program_sha256 and job.machine_id:
            out.add(A.RETRY)
    return frozenset(out)


def global_actions(user: User | None) -> frozenset[Action]:
    role = role_of(user)
    return GLOBAL.get(role, frozenset()) if role else frozenset()


def can(user: User | None, action: Action | str, job: Job | None = None) -> bool:
    action = Action(action)
    if job is not None:
        return action in allowed_actions(user, job)
    return action in global_actions(user)


# The state an action takes a job to, to explain a refusal that is the state's, not the role's.
TARGET: dict[Action, JobState] = {
    A.APPROVE: S.PREPARING, A.REJECT: S.REJECTED, A.SEND_BACK: S.SENT_BACK, A.CANCEL: S.CANCELLED,
    A.REVISE: S.SUBMITTED, A.CHOOSE_UNIT: S.SUBMITTED, A.PAUSE: S.PAUSED, A.RESUME: S.RUNNING, A.RETRY: S.READY,
    A.OVERRIDE_TRAINING: S.PREPARING, A.RECORD_TRAINING: S.COMPLETED,
}


def allowed_in_some_state(user: User | None, action: Action, job: Job) -> bool:
    """Would the role and ownership allow `action` on this job were it in another state?"""
    for state in JobState:
        probe = SimpleNamespace(id=job.id, owner_id=job.owner_id, workshop=job.workshop, session_id=job.session_id,
                                state=state.value, program_sha256="x", machine_id="x")
        if action in allowed_actions(user, probe):  # type: ignore[arg-type] - the fields it reads
            return True
    return False


def require(user: User | None, action: Action | str, job: Job | None = None, *, state: bool = True) -> None:
    """Return when `user` may; else raise IllegalTransition when only the job's state stands in
    the way, PermissionDenied (code 'forbidden', with the action) when the role does.
    `state=False` checks the role only (the caller's transition checks the state later)."""
    action = Action(action)
    if can(user, action, job):
        return
    if job is not None and action in TARGET and allowed_in_some_state(user, action, job):
        if not state:
            return
        raise IllegalTransition(job.id, job.state, TARGET[action].value)
    raise PermissionDenied(action.value, job.id if job is not None else None)


def assignable_roles(user: User | None) -> tuple[str, ...]:
    """The roles `user` may give: an admin any; a fabmanager up to trainer; others none."""
    role = role_of(user)
    if role == Role.ADMIN:
        return ROLES
    if role == Role.FABMANAGER:
        return (Role.MEMBER.value, Role.TRAINEE.value, Role.TRAINER.value)
    return ()


def visible_jobs_query(user: User | None) -> Select:
    """`select(Job)` limited to the jobs `user` may see (add order, filters and limits to it)."""
    role = role_of(user)
    q = select(Job)
    if role is None:
        return q.where(Job.id.is_(None))
    if role in STAFF:
        return q
    if role == Role.TRAINER:
        run = select(WorkshopSession.id).where(WorkshopSession.trainer_id == user.id)
        return q.where(or_(Job.owner_id == user.id, Job.session_id.in_(run)))
    return q.where(Job.owner_id == user.id)


def visible_sessions_query(user: User | None) -> Select:
    """The workshop sessions `user` runs (all of them for staff)."""
    q = select(WorkshopSession)
    role = role_of(user)
    if role in STAFF:
        return q
    if role == Role.TRAINER:
        return q.where(WorkshopSession.trainer_id == user.id)
    return q.where(WorkshopSession.id.is_(None))
