"""JSON API of a day at the machines: queue order, machine status and control, usage.

Blueprint `api_machines` under /api/v1, registered by web/app.py (web.api's authentication and
error answers, imported one way: web.api never imports this module); the rules are jobqueue's
(machine_ops, queue_order, usage).
"""

from __future__ import annotations

from flask import Blueprint, Response, g
from sqlalchemy import select

from jobqueue import dispatch, machine_ops, machine_status, permissions, queue_order, services, usage
from jobqueue.contracts.api import ErrorBody
from jobqueue.contracts.machines import (
    MachineDayList,
    MachineStatusOut,
    MaintenanceIn,
    QueueOut,
    ReorderIn,
    ReorderOut,
    UsageOut,
    UsageQuery,
)
from jobqueue.models import Job
from jobqueue.states import ACTIVE_ON_MACHINE
from web.api import authenticated
from web.app import context
from web.validation import api_route
from web.views import machines_list

api_machines = Blueprint("api_machines", __name__, url_prefix="/api/v1")


def machines_rows() -> list[dict]:
    ctx = context()
    spec = ctx.spec()
    active = list(g.db.scalars(select(Job).where(Job.state.in_([s.value for s in ACTIVE_ON_MACHINE]))))
    statuses = machine_status.statuses(g.db, [m.id for m in spec.machines])
    g.db.commit()  # status rows created on first sight are kept
    return machines_list(spec, ctx.redis(), active, statuses)


def _status(machine_id: str, **extra: object) -> MachineStatusOut:
    return MachineStatusOut.model_validate(machine_status.as_dict(machine_status.get(g.db, machine_id)) | extra)


@api_machines.get("/machines")
@authenticated
@api_route(resp={200: MachineDayList}, tags=["machines"])
def machines():  # noqa: ANN201
    """The machines: state (idle, busy, to_be_cleared, needs_attention, out_of_service), current job, temperatures"""
    return MachineDayList.model_validate({"machines": machines_rows()})


@api_machines.post("/machines/<machine_id>/clear")
@authenticated
@api_route(resp={200: MachineStatusOut}, tags=["machines"])
def clear_machine(machine_id: str):  # noqa: ANN201
    """Confirm the bed or stock is clear: the machine may take its next job (fabmanager or the last job's owner)"""
    ctx = context()
    machine_ops.clear(g.db, ctx.redis(), ctx.spec(), g.user, machine_id)
    return _status(machine_id)


@api_machines.post("/machines/<machine_id>/maintenance")
@authenticated
@api_route(json=MaintenanceIn, resp={200: MachineStatusOut}, tags=["machines"])
def maintenance(machine_id: str, json: MaintenanceIn):  # noqa: ANN201, A002
    """Take a machine out of service with a reason, or back in service (fabmanager)"""
    ctx = context()
    machine_ops.maintenance(g.db, ctx.redis(), ctx.spec(), g.user, machine_id, json.on, json.reason)
    return _status(machine_id)


@api_machines.post("/machines/<machine_id>/acknowledge")
@authenticated
@api_route(resp={200: MachineStatusOut}, tags=["machines"])
def acknowledge(machine_id: str):  # noqa: ANN201
    """The machine needed attention and someone dealt with it: it may take jobs again (fabmanager)"""
    ctx = context()
    machine_ops.acknowledge(g.db, ctx.redis(), ctx.spec(), g.user, machine_id)
    return _status(machine_id)


@api_machines.post("/machines/<machine_id>/emergency-stop")
@authenticated
@api_route(resp={202: MachineStatusOut}, tags=["machines"])
def emergency_stop(machine_id: str):  # noqa: ANN201
    """Emergency stop (Marlin M112, GRBL soft reset) through the driver; the machine then needs attention"""
    ctx = context()
    via = machine_ops.emergency_stop(g.db, ctx.redis(), ctx.spec(), g.user, machine_id)
    return _status(machine_id, sent_to=via), 202


@api_machines.get("/queue")
@authenticated
@api_route(resp={200: QueueOut}, tags=["queue"])
def queue():  # noqa: ANN201
    """The queue in dispatch order, with each job's expected machine, start and end (UTC, ISO 8601)"""
    ctx = context()
    plan = {p.job_id: p for p in queue_order.plan(g.db, ctx.spec(), ctx.redis())}
    rows = []
    for job, entry in queue_order.queued_entries(g.db):
        if not permissions.can_view(g.user, job):
            continue
        p = plan.get(job.id)
        rows.append({"job": job.id, "state": job.state, "target": entry.target, "copies": entry.copies,
                     "priority": entry.priority, "machine": job.machine_id,
                     "position": p.position if p else None,
                     "expected_start": p.start.isoformat() if p and p.start else None,
                     "expected_end": p.end.isoformat() if p and p.end else None})
    return QueueOut.model_validate({"queue": rows, "timezone": ctx.spec().timezone})


@api_machines.post("/queue/reorder")
@authenticated
@api_route(json=ReorderIn, resp={200: ReorderOut, 409: ErrorBody}, tags=["queue"])
def reorder(json: ReorderIn):  # noqa: ANN201, A002
    """Put queued jobs in a new order (fabmanager): they take the places they held between them"""
    if not permissions.can(g.user, permissions.Action.REVIEW_QUEUE):
        raise services.PermissionDenied(permissions.Action.REVIEW_QUEUE)
    try:
        applied = queue_order.reorder(g.db, json.job_ids)
    except queue_order.QueueError as exc:
        raise services.RequestError(str(exc), code=exc.code, **exc.params) from None
    g.db.commit()
    dispatch.request(context().redis())
    return ReorderOut(job_ids=applied)


def _who(asked: str | None) -> str | None:
    """Members see their own usage only; the fabmanager anyone's (or everyone's)."""
    if permissions.can(g.user, permissions.Action.SEE_QUOTAS):
        return asked
    if asked not in (None, g.user.username):
        raise services.PermissionDenied("see_usage")
    return g.user.username


@api_machines.get("/usage")
@authenticated
@api_route(query=UsageQuery, resp={200: UsageOut}, tags=["usage"])
def usage_month(query: UsageQuery):  # noqa: ANN201
    """Usage records of a month (the fablab's time zone) and their totals per user and machine"""
    who = _who(query.user)
    rows = usage.records(g.db, context().spec(), query.month, who)
    return UsageOut.model_validate({"month": query.month, "user": who, "records": [usage.record_dict(r) for r in rows],
                                    "totals": usage.totals(rows)})


@api_machines.get("/usage.csv")
@authenticated
@api_route(query=UsageQuery, resp={200: None}, tags=["usage"])
def usage_csv(query: UsageQuery):  # noqa: ANN201
    """The month's usage as CSV (UTF-8); format=fr for `;` and decimal comma; last line = total"""
    month, who = query.month, _who(query.user)
    spec = context().spec()
    french = query.format == "fr"
    text = usage.to_csv(usage.records(g.db, spec, month, who), spec.timezone, french=french)
    name = f"usage-{month}{'-' + who if who else ''}.csv"
    return Response(text.encode("utf-8"), content_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
