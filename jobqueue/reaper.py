"""Ending runs that nothing runs any more: a killed work horse, a dead worker, a lost host.

`end_run()` moves a running or paused job whose run is gone to `interrupted`, with a reason code
(`run.interrupted`, its cause and the last acknowledged line), and marks its machine as
needing attention. The rq callbacks, the machine worker (at start and every few seconds) and
the control commands call it; the heartbeat (`jobqueue.heartbeat`) says whether a run is gone.
A transition is a compare-and-set, so two reapers racing on one job end it once.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable

import redis
from sqlalchemy import select
from sqlalchemy.orm import Session

from jobqueue import heartbeat, live, machine_status, reasons, runs
from jobqueue.context import Context
from jobqueue.models import Job, JobEvent, utcnow
from jobqueue.states import IllegalTransition, JobState, transition

log = logging.getLogger(__name__)
ON_MACHINE = (JobState.RUNNING.value, JobState.PAUSED.value)


def _redis_progress(conn: redis.Redis | None, job_id: int) -> int:
    """The count the run wrote at its last acknowledgement: newer than the database checkpoint."""
    if conn is None:
        return 0
    try:
        return live.last_acked(conn, job_id) or 0
    except (redis.exceptions.RedisError, ValueError, TypeError):
        return 0


def mark_needs_attention(conn: redis.Redis | None, machine_id: str | None, reason: str | None) -> None:
    """The live status (Redis) the machines page shows at once; the durable flag is
    `machine_status.mark_needs_attention`, written with the job's end."""
    if conn is None or machine_id is None:
        return
    try:
        live.set_machine_status(conn, machine_id, "needs_attention", None, last_error=reason)
    except redis.exceptions.RedisError:
        log.warning("machine %s needs attention (%s); Redis away, status not written", machine_id, reason)


def end_in_session(s: Session, job: Job, cause: str, conn: redis.Redis | None, *,
                   to: JobState = JobState.INTERRUPTED, actor: str = "system:reaper", step_back: int = 0,
                   done: int | None = None, **params: object) -> str | None:
    """Move `job` (running or paused, its run gone) to `to` in the caller's transaction; the reason,
    or None if another process ended it first. The caller commits, then calls `after_end`.

    The checkpoint is the count written at the last acknowledgement the dead run saw, less the
    moves a safe stop dropped from the planner (`step_back`): a resume never skips a move; it may
    repeat the few lines the firmware took after the run died (at most its receive buffer).
    `done`: the count the machine itself gave on a fresh link (drivers.settle), exact: used as is."""
    total = job.program_lines or 0
    acked = min(total, max(job.lines_acked or 0, _redis_progress(conn, job.id))) if total else job.lines_acked
    start = run_start(s, job)
    acked = max(start, acked - step_back)
    if done is not None and start <= done <= max(total, start):
        acked = done
    reason = reasons.make(reasons.RUN_INTERRUPTED, cause=cause, line=acked, **params)
    try:
        transition(s, job, to, actor=actor, reason=reason)
    except IllegalTransition:  # someone else ended it first
        return None
    job.lines_acked, job.reason, job.finished_at = acked, reason, utcnow()
    if job.machine_id:
        runs.ended(s, None, job, job.machine_id, to, reason, acked)  # run closed, usage, machine released
        machine_status.mark_needs_attention(s, job.machine_id, "abnormal_end",
                                            {"job_id": job.id, "cause": cause, "line": acked}, actor=actor)
    return reason


def after_end(conn: redis.Redis | None, job_id: int, machine_id: str | None, state: str, reason: str,
              acked: int, total: int) -> None:
    """Tell the browsers, drop the heartbeat, and flag the machine for the fabmanager."""
    log.warning("job %s ended as %s: %s", job_id, state, reason)
    if conn is not None:
        try:
            live.publish_progress(conn, job_id, {"state": state, "lines_acked": acked, "lines_total": total,
                                                 "reason": reason, "eta_seconds": None,
                                                 "percent": round(100.0 * acked / total, 2) if total else 100.0})
            heartbeat.forget(conn, job_id)
        except redis.exceptions.RedisError:
            pass
    mark_needs_attention(conn, machine_id, reason)


def run_start(s: Session, job: Job) -> int:
    """The line the current run started from (its `from line N` audit row): never step back before it."""
    event = s.scalars(select(JobEvent).where(JobEvent.job_id == job.id, JobEvent.to_state == "running",
                                             JobEvent.from_state == "ready").order_by(JobEvent.id.desc())).first()
    reason = (event.reason or "") if event else ""
    return int(reason.removeprefix("from line ")) if reason.startswith("from line ") else 0


def end_run(ctx: Context, job_id: int, cause: str, *, conn: redis.Redis | None = None, force: bool = False,
            step_back: int = 0, done: int | None = None, **params: object) -> str | None:
    """End a stranded run as interrupted; the machine id when this call ended it, None when it was not ours to end
    (already finished, or still beating and not `force`)."""
    with ctx.session() as s:
        job = s.get(Job, job_id)
        if job is None or job.state not in ON_MACHINE:
            return None
        if not force and heartbeat.alive(conn, job):
            return None
        reason = end_in_session(s, job, cause, conn, step_back=step_back, done=done, **params)
        if reason is None:
            return None
        machine_id, acked, total = job.machine_id, job.lines_acked, job.program_lines or 0
    after_end(conn, job_id, machine_id, JobState.INTERRUPTED.value, reason, acked, total)
    return machine_id


def stranded(ctx: Context, conn: redis.Redis | None, machine_ids: Iterable[str] | None = None,
             grace_s: float | None = None) -> list[int]:
    """Running or paused jobs (of these machines) whose heartbeat was missed."""
    with ctx.session() as s:
        query = select(Job).where(Job.state.in_(ON_MACHINE))
        if machine_ids is not None:
            query = query.where(Job.machine_id.in_(list(machine_ids)))
        return [j.id for j in s.scalars(query) if not heartbeat.alive(conn, j, grace_s=grace_s)]


def reap(ctx: Context, conn: redis.Redis | None, machine_ids: Iterable[str] | None = None, *,
         cause: str = "heartbeat_lost", safe_stop: bool = False, grace_s: float | None = None) -> list[int]:
    """End every stranded run (of these machines); with `safe_stop` (on the machine's host), first
    send the machine what cancel sends. The ids of the jobs ended."""
    ended = []
    for job_id in stranded(ctx, conn, machine_ids, grace_s):
        if safe_stop:
            if stop_and_end(ctx, conn, job_id, cause):
                ended.append(job_id)
        elif end_run(ctx, job_id, cause, conn=conn, force=True) is not None:
            ended.append(job_id)
    return ended


_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


def machine_lock(machine_id: str) -> threading.Lock:
    """One safe stop at a time per machine in this process (two links on one port steal answers)."""
    with _locks_guard:
        return _locks.setdefault(machine_id, threading.Lock())


def stop_and_end(ctx: Context, conn: redis.Redis | None, job_id: int, cause: str, **params: object) -> bool:
    """On the machine's host, for a run known to be dead: stop the machine as cancel does, then end
    the record, stepping back over the moves the stop dropped. False if it was already ended."""
    machine_id = _machine_of(ctx, job_id)
    with machine_lock(machine_id or ""):
        with ctx.session() as s:
            if s.get(Job, job_id).state not in ON_MACHINE:
                return False
        stop = stop_machine(ctx, machine_id, job_id)
        if stop.uncertain_to is not None:  # the machine could not say: the fabmanager chooses where to resume
            params["uncertain_to"] = stop.uncertain_to
        return end_run(ctx, job_id, cause, conn=conn, force=True, step_back=stop.dropped or 0, done=stop.done,
                       **params) is not None


def _machine_of(ctx: Context, job_id: int) -> str | None:
    with ctx.session() as s:
        return s.get(Job, job_id).machine_id


def stop_machine(ctx: Context, machine_id: str | None, job_id: int):  # noqa: ANN201 - machine_link.StopResult
    """The safe stop on this host (see `machine_link.safe_stop_machine`), after learning how far
    the machine got with the dead run's lines."""
    from jobqueue.machine_link import StopResult, safe_stop_machine

    try:
        machine = ctx.spec().machine(machine_id or "")
    except KeyError:
        return StopResult()
    return safe_stop_machine(ctx, machine, settle_job=job_id)
