"""Pages of a day at the machines: machine actions (clear, maintenance, acknowledge, emergency
stop), the queue order (move, urgent), usage and billing, and what the job page shows of
dispatch (position, expected start and end, clearance, actual time and cost).

Rules live in jobqueue (machine_ops, queue_order, usage, permissions); these views render
and call them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import Session
from wtforms import BooleanField, SelectField, StringField
from wtforms.validators import AnyOf, Length, Optional

from jobqueue import copies, dispatch, machine_ops, machine_status, permissions, queue_order, usage
from jobqueue.errors import PermissionDenied, RequestError
from jobqueue.models import Job
from jobqueue.models_machines import Run
from jobqueue.permissions import Action
from web.app import context
from web.i18n import _
from web.pages_base import require_can, safe_next
from web.refusals import refusal

machday_bp = Blueprint("machday", __name__)


@machday_bp.app_context_processor
def _machday_helpers() -> dict:
    return {"machine_state_label": machine_state_label, "machine_code_label": machine_code_label}


def machine_state_label(code: str) -> str:
    labels = {"idle": _("free"), "busy": _("busy"), "to_be_cleared": _("to be cleared"),
              "needs_attention": _("needs attention"), "out_of_service": _("out of service")}
    return labels.get(code, code)


def machine_code_label(code: str | None) -> str:
    labels = {"emergency_stop": _("emergency stop"), "run_failed": _("the last run failed"),
              "abnormal_end": _("a run ended abnormally"),
              "link_failed": _("the machine does not answer its worker")}
    return labels.get(code or "", code or "")


class MachineActionForm(FlaskForm):
    back = StringField("back", validators=[Optional(), Length(max=500)])


class MaintenanceForm(FlaskForm):
    on = BooleanField("on")
    reason = StringField("reason", validators=[Optional(), Length(max=500)])
    back = StringField("back", validators=[Optional(), Length(max=500)])


class MoveForm(FlaskForm):
    direction = SelectField("direction", choices=[("up", "up"), ("down", "down")], validators=[AnyOf(("up", "down"))])


class PriorityForm(FlaskForm):
    priority = SelectField("priority", choices=[("normal", "normal"), ("urgent", "urgent")])


class UsageForm(FlaskForm):
    class Meta:
        csrf = False

    month = StringField("month", validators=[Optional(), Length(max=7)])
    user = StringField("user", validators=[Optional(), Length(max=64)])


def _back(form: FlaskForm) -> str:
    return safe_next(getattr(form, "back", None) and form.back.data, url_for("machines.machines"))


def _machine_action(machine_id: str, form: FlaskForm, act, done: str):  # noqa: ANN001, ANN202
    if not form.validate_on_submit():
        abort(400)
    ctx = context()
    with ctx.session() as s:
        try:
            act(s, ctx)
        except PermissionDenied:
            abort(403)
        except RequestError as exc:
            flash(refusal(exc), "error")
        else:
            flash(done, "ok")
    return redirect(_back(form))


@machday_bp.post("/machines/<machine_id>/clear")
@login_required
def machine_clear(machine_id: str):  # noqa: ANN201
    """The bed or stock is clear (the fabmanager, or the owner of the job that left it)."""
    return _machine_action(machine_id, MachineActionForm(), lambda s, ctx: machine_ops.clear(
        s, ctx.redis(), ctx.spec(), current_user, machine_id), _("%(machine)s is clear: it may take its next job.",
                                                                 machine=machine_id))


@machday_bp.post("/machines/<machine_id>/maintenance")
@login_required
def machine_maintenance(machine_id: str):  # noqa: ANN201
    require_can(Action.CONTROL_MACHINES)
    form = MaintenanceForm()
    done = (_("%(machine)s is out of service.", machine=machine_id) if form.on.data
            else _("%(machine)s is back in service.", machine=machine_id))
    return _machine_action(machine_id, form, lambda s, ctx: machine_ops.maintenance(
        s, ctx.redis(), ctx.spec(), current_user, machine_id, bool(form.on.data), form.reason.data), done)


@machday_bp.post("/machines/<machine_id>/acknowledge")
@login_required
def machine_acknowledge(machine_id: str):  # noqa: ANN201
    require_can(Action.CONTROL_MACHINES)
    return _machine_action(machine_id, MachineActionForm(), lambda s, ctx: machine_ops.acknowledge(
        s, ctx.redis(), ctx.spec(), current_user, machine_id), _("%(machine)s may take jobs again.", machine=machine_id))


@machday_bp.post("/machines/<machine_id>/emergency-stop")
@login_required
def machine_emergency_stop(machine_id: str):  # noqa: ANN201
    require_can(Action.CONTROL_MACHINES)
    return _machine_action(machine_id, MachineActionForm(), lambda s, ctx: machine_ops.emergency_stop(
        s, ctx.redis(), ctx.spec(), current_user, machine_id),
        _("Emergency stop sent to %(machine)s. Check the machine, then acknowledge.", machine=machine_id))


def machine_extras(s: Session, rows: list[dict[str, Any]]) -> None:
    """Status and the last jobs run on each machine, for the machines page."""
    statuses = machine_status.statuses(s, [r["id"] for r in rows])
    for row in rows:
        running, link = row.get("current_job"), row.get("state")
        row.update(machine_status.as_dict(statuses[row["id"]]), link_state=link)
        row["current_job"] = row["current_job"] or running  # a job started outside dispatch still shows
        if row["state"] == machine_status.IDLE and running:
            row["state"] = machine_status.BUSY
        runs = s.scalars(select(Run).where(Run.machine_id == row["id"], Run.finished_at.is_not(None))
                         .order_by(Run.finished_at.desc()).limit(5)).all()
        row["recent"] = [{"job": r.job_id, "copy_index": r.copy_index, "state": r.state, "finished_at": r.finished_at,
                          "running_seconds": r.running_seconds} for r in runs]
        # the same rule as the action (fabmanager, the job's owner, the session's trainer)
        row["may_clear"] = bool(row["awaiting_clearance"]) and machine_ops.may_clear(s, current_user, row["id"])


@machday_bp.post("/queue/<int:job_id>/move")
@login_required
def queue_move(job_id: int):  # noqa: ANN201
    """One place up or down among the jobs waiting for a machine."""
    require_can(Action.REVIEW_QUEUE)
    form = MoveForm()
    if not form.validate_on_submit():
        abort(400)
    ctx = context()
    with ctx.session() as s:
        order = [j.id for j, _e in dispatch.waiting(s)]
        if job_id in order:
            i = order.index(job_id)
            k = i - 1 if form.direction.data == "up" else i + 1
            if 0 <= k < len(order):
                order[i], order[k] = order[k], order[i]
                queue_order.reorder(s, order)
                s.commit()
    dispatch.request(ctx.redis())
    return redirect(url_for("queue.queue") + "#order")


@machday_bp.post("/queue/<int:job_id>/priority")
@login_required
def queue_priority(job_id: int):  # noqa: ANN201
    require_can(Action.REVIEW_QUEUE)
    form = PriorityForm()
    if not form.validate_on_submit():
        abort(400)
    ctx = context()
    with ctx.session() as s:
        try:
            queue_order.set_priority(s, job_id, form.priority.data)
        except queue_order.QueueError as exc:
            flash(refusal(exc), "error")
    dispatch.request(ctx.redis())
    return redirect(url_for("queue.queue") + "#order")


def queue_rows(s: Session) -> list[dict[str, Any]]:
    """The queue in dispatch order with the plan's expected machine, start and end."""
    ctx = context()
    plan = {p.job_id: p for p in queue_order.plan(s, ctx.spec(), ctx.redis())}
    rows = []
    for job, entry in queue_order.queued_entries(s):
        p = plan.get(job.id)
        rows.append({"id": job.id, "filename": job.filename, "owner": job.owner.username if job.owner else "",
                     "state": job.state, "target": entry.target, "copies": entry.copies, "priority": entry.priority,
                     "machine": job.machine_id, "position": p.position if p else None,
                     "start": p.start if p else None, "end": p.end if p else None})
    return rows


def job_day(s: Session, job: Job) -> dict[str, Any]:
    """What the job page shows of dispatch: place in the queue, expected times, copies and runs,
    the machine waiting to be cleared after it, actual time and cost beside the estimate."""
    entry, first, family = copies.entry_and_family(s, job)  # copies spread over a group: a job each
    out: dict[str, Any] = {"entry": entry, "plan": None, "clear": None, "first": first, "family": family}
    if entry is not None:
        ctx = context()
        out["plan"] = next((p for p in queue_order.plan(s, ctx.spec(), ctx.redis()) if p.job_id == job.id), None)
        out["runs"] = s.scalars(select(Run).where(Run.job_id == job.id).order_by(Run.id)).all()
    holder = s.scalar(select(machine_status.MachineStatus).where(
        machine_status.MachineStatus.clearance_job_id == job.id,
        machine_status.MachineStatus.awaiting_clearance.is_(True)))
    if holder is not None and machine_ops.may_clear(s, current_user, holder.machine_id):
        out["clear"] = holder.machine_id
    out["actual"] = usage.job_actuals(s, job.id)
    return out


@machday_bp.get("/usage")
@login_required
def usage_page():  # noqa: ANN201
    """A member's own usage for a month; the fabmanager's totals per user and machine, and CSV."""
    form = UsageForm(request.args)
    ctx = context()
    spec = ctx.spec()
    month = form.month.data or dt.datetime.now(dt.UTC).strftime("%Y-%m")
    everyone = permissions.can(current_user, Action.SEE_QUOTAS)
    who = (form.user.data or None) if everyone else current_user.username
    with ctx.session() as s:
        try:
            rows = usage.records(s, spec, month, who)
        except RequestError as exc:
            flash(refusal(exc), "error")
            month, rows = dt.datetime.now(dt.UTC).strftime("%Y-%m"), []
        totals = usage.totals(rows)
        records = [usage.record_dict(r) for r in rows]
    return render_template("usage.html", month=month, who=who, everyone=everyone, records=records, totals=totals,
                           currency=spec.currency)

