"""rq queues: `analysis` (any host, any number of workers) and `machine:<id>` (one worker
on the host wired to that machine, so a machine never runs two jobs)."""

from __future__ import annotations

import redis
from rq import Callback, Queue

ANALYSIS = "analysis"
DEFAULT_RUN_TIMEOUT_S = 6 * 3600


def machine_queue_name(machine_id: str) -> str:
    return f"machine:{machine_id}"


def analysis_queue(conn: redis.Redis) -> Queue:
    return Queue(ANALYSIS, connection=conn)


def machine_queue(conn: redis.Redis, machine_id: str) -> Queue:
    return Queue(machine_queue_name(machine_id), connection=conn)


def enqueue_analysis(conn: redis.Redis, job_id: int) -> None:
    analysis_queue(conn).enqueue("jobqueue.tasks.analyse_job", job_id, job_timeout=600, result_ttl=3600)


def enqueue_prepare(conn: redis.Redis, job_id: int) -> None:
    # Toolpaths are CPU work with no machine attached: any analysis worker can do them.
    analysis_queue(conn).enqueue("jobqueue.tasks.prepare_job", job_id, job_timeout=1800, result_ttl=3600)


def run_timeout(estimated_seconds: float | None) -> int:
    """A machine job can last a day: its rq timeout comes from the estimate, not rq's default."""
    if not estimated_seconds:
        return DEFAULT_RUN_TIMEOUT_S
    return int(max(600, estimated_seconds * 3 + 600))


def enqueue_run(conn: redis.Redis, machine_id: str, job_id: int, estimated_seconds: float | None) -> None:
    # The callbacks end the job's record however rq ends the run (see jobqueue.reaper).
    machine_queue(conn, machine_id).enqueue(
        "jobqueue.tasks.run_job", job_id, job_timeout=run_timeout(estimated_seconds), result_ttl=3600,
        on_failure=Callback("jobqueue.tasks.run_failed", timeout=60),
        on_stopped=Callback("jobqueue.tasks.run_stopped", timeout=120),
    )
