"""Learning each machine's correction from real runs: actual running time vs the model.

The actual duration of a job is the time it spent in `running` (pauses excluded), read
from the audit log, so a job paused over lunch does not teach the model that the machine is
slow. The correction is the least-squares factor through the origin, actual ≈ k · estimate,
over the machine's recent completed runs, and its remaining error is the median absolute
relative error after correction.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from jobqueue.models import Job, JobEvent
from jobqueue.states import JobState

MIN_RUNS = 3
RECENT_RUNS = 30


@dataclass(frozen=True)
class Calibration:
    machine_id: str
    runs: int
    factor: float  # multiply the model's seconds by this
    error_before_pct: float | None  # median |actual - model| / actual, uncorrected
    error_after_pct: float | None  # the same after correction (what the fabmanager can expect)

    @property
    def applied(self) -> bool:
        return self.runs >= MIN_RUNS


def running_seconds(events: list[JobEvent]) -> float | None:
    """Time spent in `running` according to the audit log (resumed runs add up)."""
    total, since = 0.0, None
    for e in events:
        if e.to_state == JobState.RUNNING:
            since = e.at
        elif since is not None and e.from_state == JobState.RUNNING:
            total += (e.at - since).total_seconds()
            since = None
    return total if total > 0 else None


def _samples(session: Session, machine_id: str) -> list[tuple[float, float]]:
    jobs = session.scalars(
        select(Job).where(Job.machine_id == machine_id, Job.state == JobState.COMPLETED.value,
                          Job.program_info.is_not(None)).order_by(Job.finished_at.desc()).limit(RECENT_RUNS)
    ).all()
    out = []
    for job in jobs:
        model = (job.program_info or {}).get("model_seconds")
        actual = running_seconds(job.events)
        if model and actual:
            out.append((float(model), actual))
    return out


def calibrate(session: Session, machine_id: str) -> Calibration:
    samples = _samples(session, machine_id)
    if not samples:
        return Calibration(machine_id, 0, 1.0, None, None)
    k = sum(m * a for m, a in samples) / sum(m * m for m, _ in samples)
    before = statistics.median(abs(a - m) / a for m, a in samples) * 100
    after = statistics.median(abs(a - k * m) / a for m, a in samples) * 100
    factor = k if len(samples) >= MIN_RUNS else 1.0
    return Calibration(machine_id, len(samples), factor, round(before, 1), round(after, 1))


def calibrated_seconds(session: Session, machine_id: str, model_seconds: float | None) -> float | None:
    if model_seconds is None:
        return None
    return model_seconds * calibrate(session, machine_id).factor
