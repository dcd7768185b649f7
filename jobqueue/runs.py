"""The life of one run (one copy of a job on one machine), around the runner.

Why runs beside the job's own states: the job's state graph (jobqueue.states) is the order a
member follows (reviewed, prepared, running, done); a job of N copies is still one order. Each
copy is a `Run` row (machine, times, how it ended) that billing counts on its own. The job
describes the copy in progress: after a copy that completed, with copies left, it goes
`running -> ready` and waits for dispatch again; it is `completed` after its last copy. A
failed or cancelled copy ends the job as today (the fabmanager may resume it: the same run is
reopened, so one copy is billed once).

The runner calls `started` before streaming and `ended` when the stream is over; a job
that was prepared but never ran (prepare failed, cancelled while waiting) calls `abandon`.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jobqueue import machine_status
from jobqueue.dispatch import next_copy_index, open_run
from jobqueue.models import Job, JobEvent, utcnow
from jobqueue.models_machines import QueueEntry, Run
from jobqueue.states import JobState
from slicing.machine_spec import FablabSpec


def copies_of(session: Session, job_id: int) -> int:
    entry = session.get(QueueEntry, job_id)
    return entry.copies if entry is not None else 1


def started(session: Session, job: Job, machine_id: str) -> bool:
    """The job may run on the machine: it holds the claim (or takes it back now, for a job
    resumed on the machine it left); its run row is opened. False: the machine is someone
    else's, leave the job ready for dispatch."""
    if machine_status.held_by(session, job.id) != machine_id:
        if not machine_status.claim(session, machine_id, job.id, resume_of=job.id):
            return False
    run = open_run(session, job.id)
    if run is None:
        last = session.scalar(select(Run).where(Run.job_id == job.id).order_by(Run.id.desc()).limit(1))
        if last is not None and last.state in (JobState.FAILED.value, JobState.INTERRUPTED.value,
                                               JobState.CANCELLED.value):
            run = last  # a resume continues the same copy
            run.finished_at = None
        else:
            run = Run(job_id=job.id, copy_index=next_copy_index(session, job.id), machine_id=machine_id)
            session.add(run)
    run.machine_id, run.state = machine_id, "running"
    run.started_at = utcnow()
    session.flush()
    return True


def machine_blocker(session: Session, job: Job, machine_id: str) -> str | None:
    """Why the machine may not start this job now, whatever path queued the run (dispatch, a
    resume, a script): `needs_attention`, `out_of_service` or `to_be_cleared` (by another job's
    part). None: it may start."""
    row = machine_status.get(session, machine_id)
    state = machine_status.state_of(row)
    if state in (machine_status.NEEDS_ATTENTION, machine_status.OUT_OF_SERVICE):
        return state
    if row.awaiting_clearance and row.clearance_job_id != job.id:
        return machine_status.TO_BE_CLEARED
    return None


def wait_for_machine(session: Session, job: Job, machine_id: str, blocker: str) -> None:
    """The job stays ready with the reason coded; the machine is let go, so that dispatch gives
    it back once someone has looked (acknowledged, back in service, cleared)."""
    from jobqueue import reasons

    if machine_status.held_by(session, job.id) == machine_id:
        machine_status.release(session, machine_id, job.id, await_clearance=False)
    job.reason = reasons.make(reasons.RUN_WAITING_MACHINE, machine=machine_id, status=blocker)
    session.flush()


def running_seconds(session: Session, job_id: int, since: dt.datetime, until: dt.datetime) -> float:
    """Time between `since` and `until` with the job's pauses taken out (from its audit log)."""
    events = session.scalars(select(JobEvent).where(JobEvent.job_id == job_id).order_by(JobEvent.id)).all()
    since, until = _aware(since), _aware(until)
    paused_at: dt.datetime | None = None
    paused = 0.0
    for e in events:
        at = _aware(e.at)
        if at < since:
            continue
        if e.to_state == JobState.PAUSED.value:
            paused_at = at
        elif e.from_state == JobState.PAUSED.value and paused_at is not None:
            paused += (at - paused_at).total_seconds()
            paused_at = None
    if paused_at is not None:
        paused += (until - paused_at).total_seconds()
    return max(0.0, (until - since).total_seconds() - paused)


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def ended(session: Session, spec: FablabSpec | None, job: Job, machine_id: str, outcome: JobState,
          reason: str | None, lines_acked: int | None) -> JobState:
    """Close the run, record its usage, free the machine (to be cleared when its setting says
    so) and say which state the job takes: `ready` when a completed copy leaves copies to make.
    `spec` None: this process's machines.yaml (the reaper ends runs without a context)."""
    from jobqueue.usage import record_usage

    if spec is None:
        from jobqueue.machines import registry
        from jobqueue.settings import load_settings

        spec = registry(load_settings().machines_file)

    now = utcnow()
    run = open_run(session, job.id)
    if run is not None:
        spent = running_seconds(session, job.id, run.started_at or run.dispatched_at, now)
        run.running_seconds = (run.running_seconds or 0.0) + spent
        run.state, run.finished_at, run.reason = outcome.value, now, reason
        run.lines_acked = lines_acked
        session.flush()
        record_usage(session, spec, job, run)
    try:
        clearance = spec.machine(machine_id).clearance_required
    except KeyError:
        clearance = True
    machine_status.release(session, machine_id, job.id, await_clearance=clearance)
    if clearance:
        from jobqueue.notifications import notify_clearance

        notify_clearance(session, job, machine_id)
    if outcome in (JobState.FAILED, JobState.INTERRUPTED):
        machine_status.record_error(session, machine_id, "run_failed", {"job_id": job.id, "detail": reason or ""})
    done = session.scalar(select(func.count()).select_from(Run)
                          .where(Run.job_id == job.id, Run.state == JobState.COMPLETED.value))
    if outcome == JobState.COMPLETED and (done or 0) < copies_of(session, job.id):
        job.lines_acked, job.finished_at = 0, None  # the next copy starts from its first line
        return JobState.READY
    return outcome


def abandon(session: Session, job: Job) -> None:
    """The job will not run on the machine it holds (prepare failed, cancelled while waiting):
    free the machine at once (nothing was made, nothing to clear) and close the dispatched run."""
    machine_id = machine_status.held_by(session, job.id)
    if machine_id is not None:
        machine_status.release(session, machine_id, job.id, await_clearance=False)
    run = open_run(session, job.id)
    if run is not None and run.state == "dispatched":
        session.delete(run)
    session.flush()


def resuming(session: Session, job: Job, actor: str) -> None:
    """A job resumed on its machine: the attention and the clearance its own end caused are
    taken as seen by whoever resumes it (its part is still on the bed, to be finished)."""
    if not job.machine_id:
        return
    row = machine_status.get(session, job.machine_id)
    if row.attention_code and (row.attention_params or {}).get("job_id") == job.id:
        machine_status.acknowledge(session, job.machine_id, actor)
