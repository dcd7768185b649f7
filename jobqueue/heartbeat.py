"""A heartbeat per running job, on Redis and in the database, so a run nobody runs is seen.

The streaming loop beats about once a second: a Redis key with a short TTL naming the host
and process, and `jobs.heartbeat_at` in the database (so a lost Redis does not make every
running job look dead, and a lost run is still seen while Redis is away). `alive()` is what
the reaper, the rq callbacks and the control commands ask before acting on a job.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import socket

import redis

from jobqueue.models import Job, utcnow

log = logging.getLogger(__name__)
TTL_S = 10  # Redis key lifetime; the loop beats every second
STALE_S = 10.0  # a database heartbeat older than this is a missed heartbeat
HOST = socket.gethostname()


def _key(job_id: int) -> str:
    return f"fablab:job:{job_id}:heartbeat"


def beat(conn: redis.Redis, job_id: int, pid: int | None = None) -> None:
    """The Redis half (the database half is written with the checkpoint)."""
    conn.set(_key(job_id), json.dumps({"host": HOST, "pid": pid or os.getpid()}), ex=TTL_S)


def forget(conn: redis.Redis, job_id: int) -> None:
    conn.delete(_key(job_id))


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _aware(at: dt.datetime | None) -> dt.datetime | None:
    if at is not None and at.tzinfo is None:  # SQLite hands back naive datetimes
        return at.replace(tzinfo=dt.UTC)
    return at


def alive(conn: redis.Redis | None, job: Job, now: dt.datetime | None = None, grace_s: float | None = None) -> bool:
    """Is something still running this job? A beating process on this host that is gone is dead
    at once; otherwise the Redis key, then the database timestamp, decide. With `grace_s`, only
    a database heartbeat older than that counts as dead (a reaper far from the machine leaves
    the machine's own worker time to end the run and stop the machine first)."""
    if grace_s is not None:
        at = _aware(job.heartbeat_at)
        return at is not None and ((now or utcnow()) - at).total_seconds() < grace_s
    if conn is not None:
        try:
            raw = conn.get(_key(job.id))
        except redis.exceptions.RedisError:
            raw = None  # Redis away: the database half decides
        else:
            if raw:
                data = json.loads(raw)
                pid = int(data.get("pid", 0))
                # a process asking about its own run is past it (an rq callback in the work horse)
                if data.get("host") == HOST and (pid == os.getpid() or not _pid_alive(pid)):
                    return False
                return True
    at = _aware(job.heartbeat_at)
    if at is None:
        return False
    return ((now or utcnow()) - at).total_seconds() < STALE_S
