"""Each machine's status, durable: in service or not (with the reason), waiting to be cleared,
needing attention (a code and its parameters), its last error, and the job that holds it.

Every change writes a row to the machines' audit log (`machine_events`). The claim on a
machine (`claim`) is a compare-and-set on its row, so the records themselves guarantee one
job at a time per machine, whatever number of dispatchers or workers race for it.
Reasons are codes with parameters (`abnormal_end`, {"job_id": 12}); the web renders them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from jobqueue.models import utcnow
from jobqueue.models_machines import MachineEvent, MachineStatus

# What a machine is, for pages and the API (in the order a person reads them).
IDLE, BUSY, TO_BE_CLEARED, NEEDS_ATTENTION, OUT_OF_SERVICE = (
    "idle", "busy", "to_be_cleared", "needs_attention", "out_of_service")


class MachineStateError(ValueError):
    """The change does not apply to the machine as it is (e.g. clearing a machine that waits
    for nothing). `code` and `params` say why, for the web to render."""

    def __init__(self, code: str, **params: Any):
        self.code, self.params = code, params
        super().__init__(f"{code}: {params}")


def get(session: Session, machine_id: str) -> MachineStatus:
    """The machine's status row, created (in service, free) the first time it is asked for."""
    row = session.get(MachineStatus, machine_id)
    if row is not None:
        return row
    try:
        with session.begin_nested():
            row = MachineStatus(machine_id=machine_id, in_service=True, awaiting_clearance=False)
            session.add(row)
    except IntegrityError:  # another process created it in between
        row = session.get(MachineStatus, machine_id, populate_existing=True)
    return row


def _log(session: Session, machine_id: str, actor: str, action: str, *, job_id: int | None = None,
         reason: str | None = None, params: dict[str, Any] | None = None) -> None:
    session.add(MachineEvent(machine_id=machine_id, actor=actor, action=action, job_id=job_id,
                             reason=reason, params=params or None))
    session.flush()


def state_of(row: MachineStatus) -> str:
    """One word for the machine: out of service > needs attention > busy > to be cleared > idle."""
    if not row.in_service:
        return OUT_OF_SERVICE
    if row.attention_code:
        return NEEDS_ATTENTION
    if row.current_job_id is not None:
        return BUSY
    if row.awaiting_clearance:
        return TO_BE_CLEARED
    return IDLE


def available(row: MachineStatus) -> bool:
    return state_of(row) == IDLE


def mark_needs_attention(session: Session, machine_id: str, reason_code: str,
                         params: dict[str, Any] | None = None, actor: str = "system") -> MachineStatus:
    """After an abnormal end (lost worker, timeout, firmware fault): no job is dispatched to the
    machine until someone acknowledges. Also recorded as its last error."""
    row = get(session, machine_id)
    if not row.attention_code:  # the first cause stays shown (an emergency stop, then the run's end)
        row.attention_code, row.attention_params = reason_code, dict(params or {})
    record_error(session, machine_id, reason_code, params, log=False)
    _log(session, machine_id, actor, "needs_attention", reason=reason_code, params=params,
         job_id=(params or {}).get("job_id"))
    return row


def acknowledge(session: Session, machine_id: str, actor: str) -> MachineStatus:
    """Someone looked at the machine: it may take jobs again (the last error stays shown)."""
    row = get(session, machine_id)
    if not row.attention_code:
        raise MachineStateError("machine_needs_no_attention", machine=machine_id)
    _log(session, machine_id, actor, "acknowledged", reason=row.attention_code, params=row.attention_params)
    row.attention_code, row.attention_params, row.updated_at = None, None, utcnow()
    return row


def record_error(session: Session, machine_id: str, code: str, params: dict[str, Any] | None = None,
                 *, log: bool = True, actor: str = "system") -> MachineStatus:
    row = get(session, machine_id)
    row.last_error_code, row.last_error_params, row.last_error_at = code, dict(params or {}), utcnow()
    row.updated_at = utcnow()
    if log:
        _log(session, machine_id, actor, "error", reason=code, params=params)
    return row


def set_maintenance(session: Session, machine_id: str, on: bool, reason: str | None, actor: str) -> MachineStatus:
    """Out of service (`on`, with a reason) or back in service. A running job is not touched:
    the machine only stops taking new ones."""
    row = get(session, machine_id)
    reason = (reason or "").strip() or None
    if on:
        if not reason:
            raise MachineStateError("maintenance_reason_required", machine=machine_id)
        row.in_service, row.service_reason = False, reason
        _log(session, machine_id, actor, "out_of_service", reason=reason)
    else:
        if row.in_service:
            raise MachineStateError("machine_already_in_service", machine=machine_id)
        row.in_service, row.service_reason = True, None
        _log(session, machine_id, actor, "in_service")
    row.updated_at = utcnow()
    return row


def confirm_cleared(session: Session, machine_id: str, actor: str) -> MachineStatus:
    """The bed or stock is clear: the machine may take its next job."""
    row = get(session, machine_id)
    if not row.awaiting_clearance:
        raise MachineStateError("machine_not_awaiting_clearance", machine=machine_id)
    _log(session, machine_id, actor, "cleared", job_id=row.clearance_job_id)
    row.awaiting_clearance, row.clearance_job_id, row.updated_at = False, None, utcnow()
    return row


def claim(session: Session, machine_id: str, job_id: int, *, resume_of: int | None = None) -> bool:
    """Give the machine to `job_id` if it is free, in service, cleared and needs no attention:
    a compare-and-set on its row, so only one claimant wins. `resume_of`: a job resuming on
    the machine it left uncleared (its part is still on the bed) may take it back."""
    get(session, machine_id)
    session.flush()
    cleared = ~MachineStatus.awaiting_clearance
    if resume_of is not None:
        cleared = cleared | (MachineStatus.clearance_job_id == resume_of)
    try:
        with session.begin_nested():
            result = session.execute(
                update(MachineStatus)
                .where(MachineStatus.machine_id == machine_id, MachineStatus.current_job_id.is_(None),
                       MachineStatus.in_service.is_(True), MachineStatus.attention_code.is_(None), cleared)
                .values(current_job_id=job_id, awaiting_clearance=False, clearance_job_id=None,
                        updated_at=utcnow())
                .execution_options(synchronize_session=False)
            )
    except IntegrityError:  # the job already holds another machine
        return False
    if result.rowcount == 1:
        session.refresh(get(session, machine_id))
        return True
    return False


def holder(session: Session, machine_id: str) -> int | None:
    return session.scalar(select(MachineStatus.current_job_id).where(MachineStatus.machine_id == machine_id))


def held_by(session: Session, job_id: int) -> str | None:
    """The machine a job holds, if any."""
    return session.scalar(select(MachineStatus.machine_id).where(MachineStatus.current_job_id == job_id))


def release(session: Session, machine_id: str, job_id: int, *, await_clearance: bool) -> MachineStatus:
    """The job's run is over: the machine is free, and waits to be cleared when its setting says so."""
    row = get(session, machine_id)
    if row.current_job_id == job_id:
        row.current_job_id = None
    if await_clearance:
        row.awaiting_clearance, row.clearance_job_id = True, job_id
    row.updated_at = utcnow()
    session.flush()
    return row


def statuses(session: Session, machine_ids: list[str]) -> dict[str, MachineStatus]:
    rows = {r.machine_id: r for r in session.scalars(select(MachineStatus).where(MachineStatus.machine_id.in_(machine_ids)))}
    for mid in machine_ids:
        if mid not in rows:
            rows[mid] = get(session, mid)
    return rows


def as_dict(row: MachineStatus) -> dict[str, Any]:
    """What pages and the API show of a machine's status (codes; the web renders them)."""
    return {
        "state": state_of(row), "in_service": row.in_service, "service_reason": row.service_reason,
        "awaiting_clearance": row.awaiting_clearance, "clearance_job": row.clearance_job_id,
        "attention": {"code": row.attention_code, "params": row.attention_params or {}} if row.attention_code else None,
        "last_error": ({"code": row.last_error_code, "params": row.last_error_params or {},
                        "at": row.last_error_at.isoformat() if row.last_error_at else None}
                       if row.last_error_code else None),
        "current_job": row.current_job_id,
    }


def recent_events(session: Session, machine_id: str, limit: int = 20) -> list[MachineEvent]:
    return list(session.scalars(select(MachineEvent).where(MachineEvent.machine_id == machine_id)
                                .order_by(MachineEvent.id.desc()).limit(limit)))
