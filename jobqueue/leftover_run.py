"""A sender died and its run was ended far from the machine: settle it on the machine's host.

A reaper that does not hold the machine's serial port (the analysis worker's, or any on
another host) ends a stranded run from its heartbeat with the last count the run published:
a lower bound, the acknowledgements of the last lines in flight died with the sender. The
machine was not stopped either. The "sent up to" mark the sender left (drivers.sent_mark)
says so: on the machine's host, its worker (at start and every reaper round) finds the mark
of a run that is `interrupted`, asks the machine how far it got (drivers.settle), stops it
as cancel does, and corrects the job's checkpoint to the machine's count.
"""

from __future__ import annotations

import logging

import redis

from jobqueue import live, reasons
from jobqueue.context import Context
from jobqueue.models import Job
from jobqueue.states import JobState

log = logging.getLogger(__name__)


def settle_leftover(ctx: Context, conn: redis.Redis | None, machine_id: str) -> int | None:
    """Settle the machine's dead run if one was ended elsewhere; the machine's count, if learnt."""
    from drivers.sent_mark import clear_mark, read_mark
    from jobqueue.machine_link import mark_path
    from jobqueue.reaper import ON_MACHINE, machine_lock, stop_machine

    path = mark_path(ctx, machine_id)
    mark = read_mark(path)
    if mark is None:
        return None
    with ctx.session() as s:
        job = s.get(Job, mark.run)
        state = job.state if job is not None and job.machine_id == machine_id else None
    if state in ON_MACHINE:
        return None  # a live run's mark, or a stranded one the reaper ends (and settles) itself
    if state != JobState.INTERRUPTED.value:
        clear_mark(path)  # a run that ended in this process (mark left by a kill after its end) or resumed
        return None
    with machine_lock(machine_id):
        if read_mark(path) is None:
            return None  # settled meanwhile
        stop = stop_machine(ctx, machine_id, mark.run)
    if stop.done is not None:
        _correct(ctx, conn, mark.run, stop.done)
    elif stop.uncertain_to is not None:
        _say_uncertain(ctx, mark.run, stop.uncertain_to)
    return stop.done


def _say_uncertain(ctx: Context, job_id: int, upto: int) -> None:
    """The machine could not say how far it got: the reason tells the fabmanager up to where."""
    with ctx.session() as s:
        job = s.get(Job, job_id)
        code, params = reasons.parse(job.reason)
        if job.state == JobState.INTERRUPTED.value and code == reasons.RUN_INTERRUPTED:
            job.reason = reasons.make(code, **{**params, "uncertain_to": upto})


def _correct(ctx: Context, conn: redis.Redis | None, job_id: int, done: int) -> None:
    """The machine's own count replaces the lower bound, while the job still waits to be resumed."""
    from sqlalchemy import select

    from jobqueue.models_machines import Run
    from jobqueue.reaper import run_start

    with ctx.session() as s:
        job = s.get(Job, job_id)
        if job.state != JobState.INTERRUPTED.value or done < max(run_start(s, job), job.lines_acked or 0) \
                or done == job.lines_acked:  # never below the count the run itself published
            return
        code, params = reasons.parse(job.reason)
        log.warning("job %s: checkpoint %s corrected to %s, the machine's own count", job_id, job.lines_acked, done)
        job.lines_acked = done
        if code == reasons.RUN_INTERRUPTED:
            job.reason = reasons.make(code, **{**params, "line": done})
        run = s.scalar(select(Run).where(Run.job_id == job_id).order_by(Run.id.desc()).limit(1))
        if run is not None:
            run.lines_acked = done
    if conn is not None:
        try:
            live.set_acked(conn, job_id, done)
        except redis.exceptions.RedisError:
            pass
