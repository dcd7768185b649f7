"""The rq worker around a machine's queue (and the analysis queue): ending what dies, and
coming back after Redis does.

- At start, a machine worker ends what its machine left running (a run whose heartbeat is
  gone: the previous worker or host died) and sends the machine what cancel sends.
- A reaper thread does the same every few seconds, for the worker's machine; an analysis
  worker reaps every machine (without touching serial ports it is not wired to), so a run is
  ended within 30 s even when its machine's worker is gone for good.
- When the work horse is killed (the OOM killer, `kill -9`), rq calls
  `work_horse_killed`: the job is ended at once and the machine stopped.
- When Redis goes away the worker waits for it and starts again, instead of exiting.
- Between jobs, a machine worker's monitor (jobqueue.machine_monitor) publishes the idle
  machine's state, position and temperatures; it gives the port up while a job's horse runs.
"""

from __future__ import annotations

import logging
import os
import threading
import time

import redis
from rq import SimpleWorker, Worker

from jobqueue import live, machine_monitor, queues
from jobqueue.context import Context
from jobqueue.leftover_run import settle_leftover
from jobqueue.reaper import end_run, reap, stop_and_end

log = logging.getLogger(__name__)
REAP_EVERY_S = 5.0
# An analysis worker ends a run whose database heartbeat is this old (FABLAB_REAPER_GRACE_S).
REMOTE_GRACE_S = float(os.environ.get("FABLAB_REAPER_GRACE_S", "20"))
REDIS_RETRY_S = (0.2, 0.5, 1.0, 2.0, 5.0)


def _job_id_of(rq_job) -> int | None:  # noqa: ANN001 - rq.job.Job
    try:
        return int(rq_job.args[0]) if rq_job.func_name == "jobqueue.tasks.run_job" else None
    except (IndexError, TypeError, ValueError):
        return None


def horse_killed_handler(ctx: Context, machine_id: str | None):  # noqa: ANN201
    def work_horse_killed(rq_job, retpid, ret_val, rusage) -> None:  # noqa: ANN001, ARG001
        job_id = _job_id_of(rq_job)
        if job_id is None:
            return
        sig = os.WTERMSIG(ret_val) if ret_val and os.WIFSIGNALED(ret_val) else None
        try:  # the machine first (what cancel does), then the record, stepping back over dropped moves
            if machine_id:
                stop_and_end(ctx, ctx.redis(), job_id, "work_horse_killed", signal=sig)
            else:
                end_run(ctx, job_id, "work_horse_killed", conn=ctx.redis(), force=True, signal=sig)
        except Exception:  # noqa: BLE001 - the reaper thread retries from the heartbeat
            log.exception("could not end job %s after its work horse died", job_id)

    return work_horse_killed


class Reaper(threading.Thread):
    """Every few seconds: end runs whose heartbeat was missed (of `machine_id`, or of all)."""

    def __init__(self, ctx: Context, machine_id: str | None):
        super().__init__(daemon=True, name="reaper")
        self.ctx, self.machine_id = ctx, machine_id
        self.stop = threading.Event()

    def once(self, cause: str = "heartbeat_lost") -> list[int]:
        try:
            conn = self.ctx.redis()
        except Exception:  # noqa: BLE001
            conn = None
        try:
            if self.machine_id:
                ended = reap(self.ctx, conn, [self.machine_id], cause=cause, safe_stop=True)
                settle_leftover(self.ctx, conn, self.machine_id)  # a dead run another reaper ended
                return ended
            # far from the machines: leave their own workers time to stop them first
            return reap(self.ctx, conn, None, cause=cause, grace_s=REMOTE_GRACE_S)
        except Exception:  # noqa: BLE001 - a busy database or a Redis blink: next round
            log.warning("reaper round failed", exc_info=True)
            return []

    def run(self) -> None:
        while not self.stop.wait(REAP_EVERY_S):
            ended = self.once()
            if ended:
                log.warning("reaper ended stranded jobs %s", ended)


def _wait_for_redis(conn: redis.Redis) -> None:
    for attempt in range(10**9):
        try:
            conn.ping()
            return
        except redis.exceptions.RedisError as exc:
            delay = REDIS_RETRY_S[min(attempt, len(REDIS_RETRY_S) - 1)]
            if attempt == 0:
                log.warning("Redis unreachable (%s); retrying", exc)
            time.sleep(delay)


class FablabWorker(Worker):
    """rq's worker, retrying a lost Redis every few seconds at most (rq's default backs off to 60 s).
    With a machine monitor, the monitor gives the port up while a job's work horse runs."""

    max_connection_wait_time = 5.0
    monitor = None  # jobqueue.machine_monitor.MachineMonitor of a machine worker

    def execute_job(self, job, queue):  # noqa: ANN001, ANN201 - rq's signature
        if self.monitor is None:
            return super().execute_job(job, queue)
        with self.monitor.hold():
            return super().execute_job(job, queue)


class InProcessWorker(SimpleWorker):
    """The same, running jobs in its own process (the analysis worker keeps its imports warm)."""

    max_connection_wait_time = 5.0


def serve(ctx: Context, names: list[str], machine_id: str | None, burst: bool = False,
          in_process: bool = False) -> int:
    """Run the worker until it is told to stop; a lost Redis means wait and start again."""
    conn = ctx.redis()
    _wait_for_redis(conn)
    reaper = Reaper(ctx, machine_id)
    if machine_id:
        ended = reaper.once(cause="worker_restarted")
        if ended:
            log.warning("machine %s: ended jobs its last run left running: %s", machine_id, ended)
        live.set_machine_status(conn, machine_id, "idle")
    monitor = machine_monitor.start(ctx, machine_id) if machine_id and not in_process else None
    reaper.start()
    while True:
        if in_process:
            worker: Worker = InProcessWorker(names, connection=conn)
        else:
            worker = FablabWorker(names, connection=conn, work_horse_killed_handler=horse_killed_handler(ctx, machine_id))
            worker.monitor = monitor
        try:
            worker.work(burst=burst, with_scheduler=False)
        except redis.exceptions.RedisError as exc:  # raised from rq's teardown with Redis gone
            log.warning("worker lost Redis (%s)", exc)
        # rq's own marks of a SIGTERM / SIGINT (idle worker: the date; busy: the flag)
        if burst or worker._stop_requested or worker._shutdown_requested_date is not None:  # noqa: SLF001
            break
        log.warning("worker loop ended without a stop request (Redis lost?); starting again")
        _wait_for_redis(conn)
    reaper.stop.set()
    if monitor is not None:
        monitor.stop.set()
        monitor.join(10)
    if machine_id:
        try:
            live.set_machine_status(conn, machine_id, "offline")
        except redis.exceptions.RedisError:
            pass
    return 0


def queue_names(names: list[str], machine_id: str | None) -> list[str]:
    out = list(names)
    if machine_id:
        out.append(queues.machine_queue_name(machine_id))
    return out or [queues.ANALYSIS]
