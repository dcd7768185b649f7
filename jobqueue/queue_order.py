"""The queue of approved jobs: where an approval sends a job (machine or group, copies,
priority), the fabmanager's manual order, and what a member sees of it (position, expected
start and end from the time model per machine).

Codes with parameters for what is refused (`QueueError`); the web renders them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import redis
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jobqueue import live, machine_status
from jobqueue.dispatch import MAX_COPIES, PRIORITIES, candidates, queue_order, waiting
from jobqueue.models import Job, utcnow
from jobqueue.models_machines import QueueEntry
from jobqueue.states import JobState
from slicing.machine_spec import FablabSpec, Machine

# The API's technical text for each code (pages render the code through the catalogs).
_TECH = {
    "unknown_machine": "no machine '{machine}'",
    "machine_lacks_material": "machine '{target}' has no material '{material}'",
    "machine_kind_mismatch": "machine '{machine}' is a {kind} machine, the job needs {need}",
    "no_machine_offers": "no machine of '{target}' offers material '{material}' for this part",
    "machine_out_of_service": "'{target}' is out of service: {reason}",
    "copies_out_of_range": "copies must be a whole number from 1 to {max}, got {copies}",
    "unknown_priority": "priority must be normal or urgent, got '{priority}'",
    "duplicate_job_ids": "a job is listed twice",
    "not_in_queue": "not in the queue: {job_ids}",
}


class QueueError(ValueError):
    """An approval or a reordering that cannot be done as asked: `code` and `params` say why."""

    def __init__(self, code: str, **params: object):
        self.code, self.params = code, params
        super().__init__(_TECH.get(code, code).format(**params))


def check_target(session: Session, spec: FablabSpec, job: Job, target: str, material: str | None) -> list[Machine]:
    """The machines of `target` (machine id or group) that can take this job now or later;
    refuses an unknown target, another kind, a material nobody there offers, a machine out
    of service."""
    if target not in {m.id for m in spec.machines} and target not in spec.group_names():
        raise QueueError("unknown_machine", machine=target)
    members = spec.group_members(target)
    if any(m.kind != job.process for m in members):
        raise QueueError("machine_kind_mismatch", machine=target, kind=members[0].kind, need=job.process)
    probe = Job(process=job.process, material=material, analysis=job.analysis)
    able = candidates(spec, probe, target)
    if not able:
        pinned = target in {m.id for m in spec.machines}
        raise QueueError("machine_lacks_material" if pinned else "no_machine_offers", target=target,
                         material=material or "")
    rows = machine_status.statuses(session, [m.id for m in able])
    in_service = [m for m in able if rows[m.id].in_service]
    if not in_service:
        raise QueueError("machine_out_of_service", target=target,
                         reason="; ".join(rows[m.id].service_reason or "" for m in able))
    return in_service


def enter(session: Session, job: Job, target: str, copies: int = 1, priority: str = "normal") -> QueueEntry:
    """Put an approved job in the queue, last of its priority (the fabmanager may reorder)."""
    if not isinstance(copies, int) or isinstance(copies, bool) or not 1 <= copies <= MAX_COPIES:
        raise QueueError("copies_out_of_range", copies=copies, max=MAX_COPIES)
    if priority not in PRIORITIES:
        raise QueueError("unknown_priority", priority=priority)
    last = session.scalar(select(func.max(QueueEntry.rank))) or 0.0
    entry = session.get(QueueEntry, job.id)
    if entry is None:
        entry = QueueEntry(job_id=job.id, target=target, copies=copies, priority=priority, rank=last + 1.0)
        session.add(entry)
    else:  # approved again after being sent back: a fresh place at the end
        entry.target, entry.copies, entry.priority, entry.rank = target, copies, priority, last + 1.0
    session.flush()
    return entry


def reorder(session: Session, job_ids: list[int]) -> list[int]:
    """The listed queued jobs take the listed order, in the places they held between them;
    every other job keeps its place. Priority still comes first when dispatching. A listed
    job no longer waiting (it got a machine while the list was being sorted) is left out;
    the jobs reordered are returned."""
    if len(set(job_ids)) != len(job_ids):
        raise QueueError("duplicate_job_ids")
    waiting_ids = {j.id for j, _ in waiting(session)}
    entries = {e.job_id: e for e in session.scalars(select(QueueEntry).where(QueueEntry.job_id.in_(job_ids)))
               if e.job_id in waiting_ids}
    applied = [j for j in job_ids if j in entries]
    ranks = sorted(e.rank for e in entries.values())
    for job_id, rank in zip(applied, ranks, strict=True):
        entries[job_id].rank = rank
    session.flush()
    return applied


def set_priority(session: Session, job_id: int, priority: str) -> None:
    if priority not in PRIORITIES:
        raise QueueError("unknown_priority", priority=priority)
    entry = session.get(QueueEntry, job_id)
    if entry is None:
        raise QueueError("not_in_queue", job_ids=[job_id])
    entry.priority = priority


@dataclass(frozen=True)
class Planned:
    job_id: int
    position: int  # 1 = next to be dispatched
    machine_id: str | None  # where it is expected to run
    start: dt.datetime | None
    end: dt.datetime | None


def _remaining(conn: redis.Redis | None, job: Job) -> float:
    if conn is not None and job.state in (JobState.RUNNING.value, JobState.PAUSED.value):
        eta = (live.latest_progress(conn, job.id) or {}).get("eta_seconds")
        if eta is not None:
            return float(eta)
    return float(job.estimated_seconds or 0.0)


def _seconds_on(job: Job, machine: Machine) -> float:
    """The job's time on this machine: the prepared program's estimate when it was made for
    it, else the upload quote's for that machine."""
    if job.estimated_seconds and job.machine_id == machine.id:
        return float(job.estimated_seconds)
    for quote in (job.analysis or {}).get("quotes", []) or []:
        if quote.get("machine") == machine.id and quote.get("material") in (job.material, None):
            return float(quote.get("seconds") or quote.get("time_s") or 0.0)
    return float(job.estimated_seconds or 0.0)


def plan(session: Session, spec: FablabSpec, conn: redis.Redis | None, now: dt.datetime | None = None) -> list[Planned]:
    """Simulate the queue: each machine is free after its current job; each waiting job in
    queue order goes to the machine of its target that is free first; copies one after the other."""
    now = now or utcnow()
    free_at: dict[str, dt.datetime] = {m.id: now for m in spec.machines}
    rows = machine_status.statuses(session, [m.id for m in spec.machines])
    out: list[Planned] = []
    for m in spec.machines:
        holder = rows[m.id].current_job_id
        job = session.get(Job, holder) if holder else None
        if job is not None:
            free_at[m.id] = now + dt.timedelta(seconds=_remaining(conn, job))
    queued = waiting(session)
    entries = {e.job_id: e for _, e in queued}
    for position, (job, entry) in enumerate(queued, start=1):
        able = [m for m in candidates(spec, job, entry.target) if rows[m.id].in_service]
        if not able:
            out.append(Planned(job.id, position, None, None, None))
            continue
        copies_left = max(1, entries[job.id].copies - _done(session, job.id))
        first_start = None
        machine = able[0]
        for _ in range(copies_left):
            machine = min(able, key=lambda m: free_at[m.id])
            start = free_at[machine.id]
            first_start = first_start or start
            free_at[machine.id] = start + dt.timedelta(seconds=_seconds_on(job, machine))
        out.append(Planned(job.id, position, machine.id, first_start, free_at[machine.id]))
    return out


def _done(session: Session, job_id: int) -> int:
    from jobqueue.models_machines import Run

    return session.scalar(select(func.count()).select_from(Run).where(
        Run.job_id == job_id, Run.state == JobState.COMPLETED.value)) or 0


def queued_entries(session: Session) -> list[tuple[Job, QueueEntry]]:
    """Every job in the queue (waiting, preparing or on a machine), in queue order."""
    return [(j, e) for j, e in session.execute(
        select(Job, QueueEntry).join(QueueEntry, QueueEntry.job_id == Job.id)
        .where(Job.state.in_([JobState.PREPARING.value, JobState.READY.value, JobState.RUNNING.value,
                              JobState.PAUSED.value]))
        .order_by(*queue_order())).all()]
