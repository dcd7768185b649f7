"""The queue's expected finish times: each machine's running job, then its ready jobs in order.

The running job's remaining time comes from the time model at its current line (published
with its progress); queued jobs add their calibrated estimates one after another.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import redis
from sqlalchemy import select
from sqlalchemy.orm import Session

from jobqueue import live
from jobqueue.models import Job, utcnow
from jobqueue.states import JobState


@dataclass(frozen=True)
class PlannedJob:
    job_id: int
    machine_id: str
    state: str
    remaining_seconds: float | None
    expected_finish: dt.datetime | None


def plan(session: Session, conn: redis.Redis | None, now: dt.datetime | None = None) -> list[PlannedJob]:
    now = now or utcnow()
    jobs = session.scalars(
        select(Job).where(Job.state.in_([JobState.RUNNING.value, JobState.PAUSED.value, JobState.READY.value]))
        .order_by(Job.machine_id, Job.updated_at, Job.id)
    ).all()
    order = {JobState.RUNNING.value: 0, JobState.PAUSED.value: 0, JobState.READY.value: 1}
    jobs = sorted(jobs, key=lambda j: (j.machine_id or "", order[j.state], j.id))
    clock: dict[str, dt.datetime | None] = {}
    out = []
    for job in jobs:
        start = clock.get(job.machine_id, now)
        remaining = job.estimated_seconds
        if job.state in (JobState.RUNNING.value, JobState.PAUSED.value) and conn is not None:
            progress = live.latest_progress(conn, job.id) or {}
            remaining = progress.get("eta_seconds", remaining)
        finish = start + dt.timedelta(seconds=remaining) if (start is not None and remaining is not None) else None
        clock[job.machine_id] = finish
        out.append(PlannedJob(job.id, job.machine_id, job.state, remaining, finish))
    return out
