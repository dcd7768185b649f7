"""What people do to machines, with who may do it: confirm a machine is cleared, take it out
of service and back, acknowledge a problem, emergency stop. Each writes the machines' audit
log (jobqueue.machine_status) and moves the queue on (jobqueue.dispatch).

The emergency stop reaches the machine through its driver: a running job's streaming loop
gets it through Redis (it holds the serial port); an idle machine gets it from a task on its
own queue (the host wired to it). Either way the machine then needs attention: nothing is
dispatched to it until someone acknowledges.
"""

from __future__ import annotations

import logging

import redis
from sqlalchemy.orm import Session

from jobqueue import dispatch, live, machine_status, queues, workshops
from jobqueue.errors import PermissionDenied, RequestError
from jobqueue.models import Job, User
from jobqueue.permissions import Action, can
from slicing.machine_spec import FablabSpec

log = logging.getLogger(__name__)


def _machine(spec: FablabSpec, machine_id: str) -> None:
    try:
        spec.machine(machine_id)
    except KeyError:
        raise RequestError(f"no machine '{machine_id}'", code="unknown_machine", machine=machine_id) from None


def _fabmanager(user: User) -> None:
    if not can(user, Action.CONTROL_MACHINES):
        raise PermissionDenied(Action.CONTROL_MACHINES)


def _refuse(exc: machine_status.MachineStateError) -> RequestError:
    return RequestError(exc.code.replace("_", " ") + f": {exc.params.get('machine', '')}", code=exc.code,
                        **exc.params)


def may_clear(session: Session, user: User, machine_id: str) -> bool:
    """The fabmanager, the owner of the job that left the machine to be cleared, or the trainer
    of the workshop session that job was made in (in the room with the trainees)."""
    if can(user, Action.CONTROL_MACHINES):
        return True
    row = machine_status.get(session, machine_id)
    job = session.get(Job, row.clearance_job_id) if row.clearance_job_id else None
    if job is None:
        return False
    return job.owner_id == user.id or workshops.trainer_of(session, job) == user.id


def clear(session: Session, conn: redis.Redis | None, spec: FablabSpec, user: User, machine_id: str) -> None:
    _machine(spec, machine_id)
    if not may_clear(session, user, machine_id):
        raise PermissionDenied("clear_machine")
    if machine_status.get(session, machine_id).awaiting_clearance:  # twice (two tabs) is not an error
        machine_status.confirm_cleared(session, machine_id, user.username)
    session.commit()
    dispatch.request(conn)


def maintenance(session: Session, conn: redis.Redis | None, spec: FablabSpec, user: User, machine_id: str,
                on: bool, reason: str | None) -> None:
    _fabmanager(user)
    _machine(spec, machine_id)
    try:
        machine_status.set_maintenance(session, machine_id, on, reason, user.username)
    except machine_status.MachineStateError as exc:
        raise _refuse(exc) from None
    session.commit()
    if not on:
        dispatch.request(conn)


def acknowledge(session: Session, conn: redis.Redis | None, spec: FablabSpec, user: User, machine_id: str) -> None:
    _fabmanager(user)
    _machine(spec, machine_id)
    if machine_status.get(session, machine_id).attention_code:  # nothing to acknowledge: nothing to do
        machine_status.acknowledge(session, machine_id, user.username)
    session.commit()
    dispatch.request(conn)


def emergency_stop(session: Session, conn: redis.Redis, spec: FablabSpec, user: User, machine_id: str) -> str:
    """Stop the machine now (Marlin M112, GRBL soft reset). Returns 'job' when a running job's
    loop was told, 'idle' when the machine's queue was."""
    _fabmanager(user)
    _machine(spec, machine_id)
    job_id = machine_status.holder(session, machine_id)
    machine_status.mark_needs_attention(session, machine_id, "emergency_stop", {"by": user.username, "job_id": job_id},
                                        actor=user.username)
    session.commit()
    if job_id is not None:
        live.send_control(conn, job_id, "emergency_stop", user.username)
        return "job"
    queues.machine_queue(conn, machine_id).enqueue("jobqueue.machine_ops.emergency_stop_task", machine_id,
                                                   job_timeout=60, result_ttl=3600, at_front=True)
    return "idle"


def emergency_stop_task(machine_id: str) -> str:
    """On the machine's host, with no job streaming: open the driver and stop the machine."""
    from jobqueue.context import Context
    from jobqueue.runner import open_machine_driver

    ctx = Context.from_env()
    machine = ctx.spec().machine(machine_id)
    driver = open_machine_driver(ctx, machine)
    try:
        driver.connect()
        driver.emergency_stop()
    finally:
        driver.close()
    return "stopped"
