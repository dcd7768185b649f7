"""The job states and their allowed transitions: the only place a job's state changes.

Every change goes through `transition()`, which refuses what the graph does not allow
(raising before anything is written) and writes the audit row in the same transaction.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from jobqueue.models import Job, JobEvent, utcnow


class JobState(StrEnum):
    SUBMITTED = "submitted"
    ANALYSING = "analysing"
    INVALID = "invalid"
    PENDING_REVIEW = "pending_review"
    SENT_BACK = "sent_back"  # the fabmanager or trainer asks its owner for a corrected file
    REJECTED = "rejected"
    PREPARING = "preparing"
    READY = "ready"
    RUNNING = "running"
    PAUSED = "paused"
    COMPLETED = "completed"
    FAILED = "failed"
    # A run ended by a fault around the job, not by the job or the machine: its process was
    # killed, its link or its queue server lost. The reason and last acknowledged line are kept;
    # it resumes from there like a failed job.
    INTERRUPTED = "interrupted"
    CANCELLED = "cancelled"


S = JobState
ALLOWED: dict[JobState, frozenset[JobState]] = {
    S.SUBMITTED: frozenset({S.ANALYSING, S.CANCELLED}),
    S.ANALYSING: frozenset({S.INVALID, S.PENDING_REVIEW, S.CANCELLED}),
    # A new revision of the file (jobqueue.revisions) starts the job over: back to submitted.
    S.INVALID: frozenset({S.SUBMITTED}),
    # PENDING_REVIEW -> SUBMITTED: the file's unit was chosen (jobqueue.units): analysed again.
    S.PENDING_REVIEW: frozenset({S.PREPARING, S.REJECTED, S.SENT_BACK, S.CANCELLED, S.SUBMITTED}),
    S.SENT_BACK: frozenset({S.SUBMITTED, S.CANCELLED}),
    S.REJECTED: frozenset(),
    # A program that fails its checks goes back to review with the issues shown.
    S.PREPARING: frozenset({S.READY, S.PENDING_REVIEW, S.FAILED, S.CANCELLED}),
    # READY -> PREPARING: a group job's next copy goes to another machine of the group.
    S.READY: frozenset({S.RUNNING, S.PENDING_REVIEW, S.PREPARING, S.CANCELLED}),
    # RUNNING -> READY: a copy is done and more copies remain (each copy is a row in `runs`).
    S.RUNNING: frozenset({S.PAUSED, S.COMPLETED, S.FAILED, S.INTERRUPTED, S.CANCELLED, S.READY}),
    S.PAUSED: frozenset({S.RUNNING, S.FAILED, S.INTERRUPTED, S.CANCELLED}),
    S.COMPLETED: frozenset(),
    # A failed, interrupted or cancelled job may be resumed from its checkpoint: back to ready.
    S.FAILED: frozenset({S.READY}),
    S.INTERRUPTED: frozenset({S.READY}),
    S.CANCELLED: frozenset({S.READY}),
}
FINISHED = frozenset({S.INVALID, S.REJECTED, S.COMPLETED, S.FAILED, S.INTERRUPTED, S.CANCELLED})
# Ended on the machine before the program's end: resumable from the checkpoint.
RESUMABLE = frozenset({S.FAILED, S.INTERRUPTED, S.CANCELLED})
ACTIVE_ON_MACHINE = frozenset({S.READY, S.RUNNING, S.PAUSED})


class IllegalTransition(Exception):
    """The state graph does not allow this change; nothing was written."""

    def __init__(self, job_id: int, current: str, wanted: str):
        self.job_id, self.current, self.wanted = job_id, current, wanted
        allowed = ", ".join(sorted(ALLOWED[JobState(current)])) or "none (final state)"
        super().__init__(
            f"job {job_id}: cannot go from '{current}' to '{wanted}' (allowed from '{current}': {allowed})"
        )


class MachineBusy(IllegalTransition):
    """Another job is running or paused on this job's machine (the records allow one at a time)."""

    def __init__(self, job_id: int, current: str, wanted: str, machine_id: str | None):
        self.machine_id = machine_id
        Exception.__init__(self, f"job {job_id}: machine '{machine_id}' already has a job running or paused")
        self.job_id, self.current, self.wanted = job_id, current, wanted


def can_transition(current: str, wanted: str) -> bool:
    return JobState(wanted) in ALLOWED[JobState(current)]


REASON_STORED_MAX = 4000


def transition(session: Session, job: Job, to: JobState | str, *, actor: str, reason: str | None = None) -> None:
    """Move `job` to `to`, guarded against a concurrent change by compare-and-set on the row."""
    to = JobState(to)
    current = JobState(job.state)
    if to not in ALLOWED[current]:
        raise IllegalTransition(job.id, current, to)
    machine_id = job.machine_id
    try:
        result = session.execute(
            update(Job).where(Job.id == job.id, Job.state == current.value).values(state=to.value, updated_at=utcnow())
        )
    except IntegrityError:  # the one-run-per-machine index refused it; the caller's transaction is void
        session.rollback()
        raise MachineBusy(job.id, current, to, machine_id) from None
    if result.rowcount != 1:
        session.refresh(job)
        raise IllegalTransition(job.id, job.state, to)
    job.state = to.value
    if reason is not None and len(reason) > REASON_STORED_MAX:  # the audit row is read on every job page
        reason = reason[:REASON_STORED_MAX - 1] + "…"
    session.add(JobEvent(job_id=job.id, actor=actor, from_state=current.value, to_state=to.value, reason=reason))
    session.flush()
