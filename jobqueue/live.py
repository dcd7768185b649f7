"""Live state on Redis: progress of running jobs, machine status, control commands.

The machine worker writes the latest progress of a job (and publishes it for SSE
subscribers); the web app reads it and pushes control commands (pause, resume, cancel)
that the streaming loop picks up. Durable checkpoints go to the database, not here.
"""

from __future__ import annotations

import json
import time
from typing import Any

import redis

CONTROL_COMMANDS = ("pause", "resume", "cancel", "emergency_stop")


def _progress_key(job_id: int) -> str:
    return f"fablab:job:{job_id}:progress"


def progress_channel(job_id: int) -> str:
    return f"fablab:job:{job_id}:events"


def _control_key(job_id: int) -> str:
    return f"fablab:job:{job_id}:control"


def _machine_key(machine_id: str) -> str:
    return f"fablab:machine:{machine_id}"


def publish_progress(conn: redis.Redis, job_id: int, progress: dict[str, Any]) -> None:
    payload = json.dumps({**progress, "job_id": job_id, "at": time.time()})
    pipe = conn.pipeline()
    pipe.set(_progress_key(job_id), payload, ex=7 * 24 * 3600)
    pipe.publish(progress_channel(job_id), payload)
    pipe.execute()


def _acked_key(job_id: int) -> str:
    return f"fablab:job:{job_id}:acked"


def set_acked(conn: redis.Redis, job_id: int, lines_acked: int) -> None:
    """The acknowledged-line count at every acknowledgement: what a reaper resumes from when the
    process streaming the job died between two durable checkpoints."""
    conn.set(_acked_key(job_id), lines_acked, ex=7 * 24 * 3600)


def last_acked(conn: redis.Redis, job_id: int) -> int | None:
    raw = conn.get(_acked_key(job_id))
    return int(raw) if raw is not None else None


def latest_progress(conn: redis.Redis, job_id: int) -> dict[str, Any] | None:
    raw = conn.get(_progress_key(job_id))
    return json.loads(raw) if raw else None


def latest_progress_many(conn: redis.Redis, job_ids: list[int]) -> dict[int, dict[str, Any] | None]:
    """The latest progress of many jobs in one round trip (MGET), for lists."""
    if not job_ids:
        return {}
    raws = conn.mget([_progress_key(j) for j in job_ids])
    return {j: (json.loads(raw) if raw else None) for j, raw in zip(job_ids, raws, strict=True)}


def send_control(conn: redis.Redis, job_id: int, command: str, actor: str = "") -> None:
    if command not in CONTROL_COMMANDS:
        raise ValueError(f"unknown control command {command!r}")
    conn.rpush(_control_key(job_id), json.dumps({"command": command, "actor": actor}))
    conn.expire(_control_key(job_id), 24 * 3600)


def next_control(conn: redis.Redis, job_id: int, timeout: float) -> tuple[str, str] | None:
    """Wait up to `timeout` seconds for a control command: (command, who sent it)."""
    item = conn.blpop([_control_key(job_id)], timeout=timeout)
    if not item:
        return None
    data = json.loads(item[1])
    return data["command"], data.get("actor", "")


def clear_control(conn: redis.Redis, job_id: int) -> None:
    conn.delete(_control_key(job_id))


def set_machine_status(conn: redis.Redis, machine_id: str, state: str, job_id: int | None = None, **extra: Any) -> None:
    data = {"state": state, "job_id": job_id or "", "at": time.time(), **extra}
    conn.hset(_machine_key(machine_id), mapping={k: json.dumps(v) for k, v in data.items()})


def machine_status(conn: redis.Redis, machine_id: str) -> dict[str, Any]:
    raw = conn.hgetall(_machine_key(machine_id))
    return {k.decode(): json.loads(v) for k, v in raw.items()}


def set_machine_telemetry(conn: redis.Redis, machine_id: str, *, temperatures: dict[str, float] | None,
                          position: dict[str, float] | None, firmware_state: str | None,
                          link_error: dict[str, Any] | None = None) -> None:
    """What the machine worker's monitor saw of the idle machine (jobqueue.machine_monitor),
    beside the worker's status; `telemetry_at` tells how fresh it is."""
    data = {"temperatures": temperatures, "position": position, "firmware_state": firmware_state,
            "link_error": link_error, "telemetry_at": time.time()}
    conn.hset(_machine_key(machine_id), mapping={k: json.dumps(v) for k, v in data.items()})
