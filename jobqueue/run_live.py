"""What a run tells the world: Redis calls that survive a blink, and progress with an ETA.

`RunLive` wraps the run's Redis calls: while Redis is away a call is skipped (logged once per
outage) instead of ending the run, so the machine keeps being fed; the caller retries on its
next tick. The progress payload takes percentage and remaining time from one table: the
modelled time at which each line's acknowledgement arrives (`TimeTable`), computed once by
`prepare` and stored with the program, so the runner never runs the planner again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any, TypeVar

import numpy as np
import redis

log = logging.getLogger(__name__)
T = TypeVar("T")
BUFFERED_BLOCKS = 15  # GRBL and Marlin acknowledge a line when queued: up to 15 planner blocks wait


class RunLive:
    """The run's Redis connection, tolerant of an outage (see the module docstring)."""

    def __init__(self, conn: redis.Redis, job_id: int):
        self.conn, self.job_id = conn, job_id
        self.down_since: float | None = None

    @property
    def down(self) -> bool:
        return self.down_since is not None

    def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T | None:
        try:
            result = fn(self.conn, *args, **kwargs)
        except redis.exceptions.RedisError as exc:
            if self.down_since is None:
                self.down_since = time.monotonic()
                log.warning("job %s: Redis away (%s); streaming goes on, checkpoints in the database",
                            self.job_id, exc)
            return None
        if self.down_since is not None:
            log.warning("job %s: Redis back after %.1f s", self.job_id, time.monotonic() - self.down_since)
            self.down_since = None
        return result


@dataclass(frozen=True)
class TimeTable:
    """`done[i]`: modelled seconds from the start until line i is acknowledged, with the planner's
    queue counted (an acknowledged line still has up to 15 blocks waiting ahead of it)."""

    done: np.ndarray
    total: float

    def elapsed(self, acked: int) -> float:
        if acked <= 0 or not len(self.done):
            return 0.0
        return float(self.done[min(acked, len(self.done)) - 1])

    def remaining(self, acked: int) -> float:
        return max(0.0, self.total - self.elapsed(acked))


def ack_times(estimate) -> np.ndarray:  # noqa: ANN001 - slicing.motion ProgramEstimate
    """Per line, the modelled time at its acknowledgement: what `prepare` stores with the program
    (`seconds - estimate.remaining_seconds(i, buffered_blocks=15)`, for every line at once)."""
    n, total = int(estimate.lines), float(estimate.seconds)
    if n == 0:
        return np.zeros(0)
    left = np.maximum(0.0, total - np.asarray(estimate.cumulative_seconds, dtype=float))
    if estimate.block_line is not None and len(estimate.block_line):
        # blocks at or before each line (block lines are in order): a running count, not n searches
        last = np.cumsum(np.bincount(estimate.block_line, minlength=n)[:n])
        sums = np.concatenate([[0.0], np.cumsum(estimate.block_seconds)])
        left = left + sums[last] - sums[np.maximum(0, last - BUFFERED_BLOCKS)]
    return np.maximum.accumulate(np.clip(total - np.minimum(left, total), 0.0, None))


def encode_table(done: Sequence[float] | np.ndarray, total: float) -> bytes:
    """Per-line times, then the program's modelled total (the planner still runs after the last ack)."""
    return np.append(np.asarray(done, dtype=float), float(total)).astype("<f4").tobytes()


def decode_table(data: bytes, total_lines: int) -> TimeTable | None:
    arr = np.frombuffer(data, dtype="<f4").astype(float)
    if len(arr) != total_lines + 1:
        return None  # a table for another program: no ETA rather than a wrong one
    return TimeTable(arr[:-1], float(arr[-1]))


def time_table(info: dict | None, total_lines: int, store=None) -> TimeTable | None:  # noqa: ANN001 - FileStore
    """The program's stored table (`program_info["time_table_sha256"]`, written by prepare)."""
    sha = (info or {}).get("time_table_sha256")
    if not sha or store is None:
        return None
    try:
        return decode_table(store.read_bytes(sha), total_lines)
    except (OSError, ValueError):
        log.warning("time table %s unreadable", sha)
        return None


def progress_payload(progress, table: TimeTable | None, total: int, state: str,  # noqa: ANN001
                     factor: float = 1.0) -> dict:
    """One progress event. With a time table, percent and ETA are the two sides of one number."""
    acked = progress.lines_acked if progress else 0
    data: dict[str, Any] = {"lines_acked": acked, "lines_total": total, "state": state,
                            "percent": round(100.0 * acked / total, 2) if total else 100.0}
    if progress is not None:
        data.update({k: v for k, v in asdict(progress).items() if k in ("bytes_sent", "position", "temperatures")})
        data["firmware_state"] = progress.state
    if table is not None and table.total > 0:
        data["percent"] = round(100.0 * table.elapsed(acked) / table.total, 2)
        data["eta_seconds"] = round(table.remaining(acked) * factor, 1)
    return data
