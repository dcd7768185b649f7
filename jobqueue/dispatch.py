"""Dispatch: give each approved job waiting for a machine the first free machine of its target
(a machine or a group) that offers its material, fits the part and is in service.

Jobs wait in two shapes: `ready` with a program for `job.machine_id` (approved onto a machine,
or a next copy) and `preparing` with no machine yet (approved onto a group: the program is
prepared for the machine that takes it). They are taken in queue order: urgent first, then
their rank (the fabmanager's order). The claim on a machine is a compare-and-set on its status
row (`machine_status.claim`), so running the dispatcher twice at once, or on two hosts, can
never put two jobs on one machine. `dispatch` is idempotent: the queue task runs it on approval,
at the end of each run and on clearance, and running it with nothing to do changes nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import redis
from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from jobqueue import machine_status, queues
from jobqueue.models import Job
from jobqueue.models_machines import QueueEntry, Run
from jobqueue.states import JobState, transition
from slicing.machine_spec import FablabSpec, Machine

log = logging.getLogger(__name__)
PRIORITIES = ("urgent", "normal")
MAX_COPIES = 100


@dataclass(frozen=True)
class Dispatched:
    job_id: int
    machine_id: str
    copy_index: int
    prepare: bool  # True: the program must be prepared for this machine first


def fits(job: Job, machine: Machine) -> bool:
    """The upload analysis' verdict for this machine and material; unknown counts as fitting."""
    for quote in (job.analysis or {}).get("quotes", []) or []:
        if (quote.get("machine") == machine.id and quote.get("material") in (job.material, None)
                and quote.get("fits") is False):
            return False
    return True


def offers(machine: Machine, material: str | None) -> bool:
    return material is None or any(m.name == material for m in machine.materials)


def candidates(spec: FablabSpec, job: Job, target: str) -> list[Machine]:
    """The machines of the target that can make this job (kind, material, size), in order."""
    try:
        members = spec.group_members(target)
    except KeyError:
        return []
    # A machine named on its own is the fabmanager's choice: the size verdict does not overrule it.
    pinned = len(members) == 1 and members[0].id == target
    return [m for m in members if m.kind == job.process and offers(m, job.material) and (pinned or fits(job, m))]


def queue_order():  # noqa: ANN201 - SQLAlchemy order_by clauses
    urgent_first = case((QueueEntry.priority == "urgent", 0), else_=1)
    # A ready job with no queue entry (put back by a resume, or made by a script) comes last.
    return (urgent_first, func.coalesce(QueueEntry.rank, 1e12 + Job.id), Job.id)


def waiting(session: Session) -> list[tuple[Job, QueueEntry]]:
    """Approved jobs waiting for a machine, in queue order."""
    held = select(machine_status.MachineStatus.current_job_id).where(
        machine_status.MachineStatus.current_job_id.is_not(None))
    rows = session.execute(
        select(Job, QueueEntry).outerjoin(QueueEntry, QueueEntry.job_id == Job.id)
        .where(or_(and_(Job.state == JobState.READY.value, Job.machine_id.is_not(None), Job.id.not_in(held)),
                   and_(Job.state == JobState.PREPARING.value, Job.machine_id.is_(None),
                        QueueEntry.job_id.is_not(None))))
        .order_by(*queue_order())
    ).all()
    return [(j, e if e is not None else QueueEntry(job_id=j.id, target=j.machine_id, copies=1, priority="normal",
                                                     rank=1e12 + j.id)) for j, e in rows]


def next_copy_index(session: Session, job_id: int) -> int:
    return (session.scalar(select(func.max(Run.copy_index)).where(Run.job_id == job_id)) or 0) + 1


def open_run(session: Session, job_id: int) -> Run | None:
    """The job's run that has not ended (dispatched or running), if any."""
    return session.scalar(select(Run).where(Run.job_id == job_id, Run.finished_at.is_(None))
                          .order_by(Run.id.desc()).limit(1))


def _order_key(entry: QueueEntry, job_id: int) -> tuple:
    return (0 if entry.priority == "urgent" else 1, entry.rank if entry.rank is not None else 1e12 + job_id, job_id)


def reservations(session: Session) -> list[tuple[tuple, str]]:
    """Jobs approved onto one machine whose program is still being prepared: each keeps its
    place in the queue for its machine (a job behind it, approved onto a group, must not take
    that machine meanwhile). (queue order key, machine) pairs."""
    held = select(machine_status.MachineStatus.current_job_id).where(
        machine_status.MachineStatus.current_job_id.is_not(None))
    rows = session.execute(select(Job.id, Job.machine_id, QueueEntry).join(QueueEntry, QueueEntry.job_id == Job.id)
                           .where(Job.state == JobState.PREPARING.value, Job.machine_id.is_not(None),
                                  QueueEntry.target == Job.machine_id, Job.id.not_in(held))).all()
    return [(_order_key(entry, job_id), machine_id) for job_id, machine_id, entry in rows]


def _assign(session: Session, spec: FablabSpec, job: Job, entry: QueueEntry,
            reserved: frozenset[str] = frozenset()) -> Dispatched | None:
    machines = [m for m in candidates(spec, job, entry.target) if m.id not in reserved]
    if job.state == JobState.READY and job.machine_id:
        # The program is made for job.machine_id: that machine first, another only for a group.
        machines = sorted(machines, key=lambda m: m.id != job.machine_id)
        if entry.target == job.machine_id:
            machines = [m for m in machines if m.id == job.machine_id]
    rows = machine_status.statuses(session, [m.id for m in machines])
    for m in machines:
        if not machine_status.available(rows[m.id]):
            continue
        if not machine_status.claim(session, m.id, job.id):
            continue
        prepare = not (job.state == JobState.READY and job.machine_id == m.id and job.program_sha256)
        run = open_run(session, job.id)
        if run is None:
            run = Run(job_id=job.id, copy_index=next_copy_index(session, job.id), machine_id=m.id, state="dispatched")
            session.add(run)
        else:
            run.machine_id = m.id
        if prepare:
            if job.state == JobState.READY:
                transition(session, job, JobState.PREPARING, actor="system:dispatch", reason=f"dispatched to {m.id}")
            job.machine_id = m.id
        session.flush()
        return Dispatched(job.id, m.id, run.copy_index, prepare)
    return None


def dispatch(session: Session, spec: FablabSpec, conn: redis.Redis | None) -> list[Dispatched]:
    """Claim a machine for every waiting job that can have one now; queue their prepare or run.

    Each claim is committed before its task is queued, so a worker always finds it."""
    done: list[Dispatched] = []
    held_for = reservations(session)
    for job, entry in waiting(session):
        key = _order_key(entry, job.id)
        reserved = frozenset(machine for ahead, machine in held_for if ahead < key)
        try:
            got = _assign(session, spec, job, entry, reserved)
        except Exception:  # one broken job must not stop the queue behind it
            log.exception("dispatch of job %s failed", job.id)
            session.rollback()
            continue
        if got is None:
            continue
        session.commit()
        done.append(got)
        if conn is not None:
            if got.prepare:
                queues.enqueue_prepare(conn, got.job_id)
            else:
                queues.enqueue_run(conn, got.machine_id, got.job_id, job.estimated_seconds)
    return done


def after_prepare(session: Session, conn: redis.Redis, job: Job) -> None:
    """A program is ready: run it if its job holds the machine, otherwise let dispatch decide."""
    if machine_status.held_by(session, job.id) == job.machine_id:
        queues.enqueue_run(conn, job.machine_id, job.id, job.estimated_seconds)
    else:
        request(conn)


def request(conn: redis.Redis | None) -> None:
    """Queue a dispatch pass (on approval, at the end of a run, on clearance)."""
    if conn is not None:
        queues.analysis_queue(conn).enqueue("jobqueue.dispatch.dispatch_task", job_timeout=300, result_ttl=600)


def dispatch_task() -> int:
    """The queue task: one dispatch pass with this worker's context."""
    from jobqueue.context import Context

    ctx = Context.from_env()
    with ctx.session() as s:
        return len(dispatch(s, ctx.spec(), ctx.redis()))
