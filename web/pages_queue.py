"""The fabmanager's queue: review (approve onto a machine, or reject with a reason), approve a
training session as a batch, and see what is ready or running on each machine."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import Session, object_session, selectinload
from wtforms import IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from jobqueue import listing, permissions, services, trainings
from jobqueue.contracts.results import AnalysisResult, lenient
from jobqueue.listing import with_details
from jobqueue.models import Job
from jobqueue.states import ACTIVE_ON_MACHINE, IllegalTransition, JobState
from slicing.machine_spec import FablabSpec
from web.app import context
from web.i18n import _
from web.pages_base import require_fabmanager, safe_next
from web.pages_format import machine_prices
from web.pages_machday import queue_rows
from web.people_errors import explain
from web.views import job_dicts

queue_bp = Blueprint("queue", __name__)


class ApproveForm(FlaskForm):
    machine = SelectField("machine", validators=[DataRequired()], validate_choice=False)  # or a group
    material = SelectField("material", validate_choice=False)
    override_training = StringField("override_training", validators=[Length(max=500)])
    copies = IntegerField("copies", default=1, validators=[Optional(), NumberRange(1, 100)])
    priority = SelectField("priority", choices=[("normal", "normal"), ("urgent", "urgent")], default="normal")


class RejectForm(FlaskForm):
    reason = StringField("reason", validators=[Length(max=2000)])


def compatible(spec: FablabSpec, process: str) -> list[dict[str, Any]]:
    """The machines that can make this process, each with its materials (for the selects)."""
    machines = [{"id": m.id, "name": m.name, "materials": [x.name for x in m.materials]}
                for m in spec.machines_of_kind(process)]
    groups = [{"id": g, "name": _("Group %(name)s (first free of %(machines)s)", name=g,
                                  machines=", ".join(m.id for m in spec.group_members(g))),
               "materials": sorted({x.name for m in spec.group_members(g) for x in m.materials}), "group": True}
              for g in spec.group_names(process)]
    return machines + groups


def review_row(job: Job, spec: FablabSpec) -> dict[str, Any]:
    analysis = lenient(AnalysisResult, job.analysis)
    machines = compatible(spec, job.process)
    preselected = machine_prices(analysis.quotes, machines, job.owner.tier if job.owner else None, job.material)
    chosen = next((m for m in machines if m["id"] == preselected), None)
    total, currency = (chosen["total"], chosen["currency"]) if chosen else (None, "EUR")
    return {
        "id": job.id, "filename": job.filename, "owner": job.owner.username if job.owner else "",
        "process": job.process, "material": job.material, "session_label": job.session_label,
        "valid": analysis.valid, "reason": job.reason,
        "errors": sum(1 for i in analysis.issues if i.severity == "error"),
        "warnings": sum(1 for i in analysis.issues if i.severity == "warning"),
        "total": total, "currency": currency, "machines": machines, "preselected": preselected,
        "quote_machine": chosen["name"] if chosen else "",
        "materials": list(dict.fromkeys(name for m in machines for name in m["materials"])),
        "session_id": job.session_id, "missing_training": training_notes(job, spec),
        "unit_pending": bool(analysis.units and analysis.units.pending),  # approval waits for the unit (jobqueue.units)
    }


def training_notes(job: Job, spec: FablabSpec) -> dict[str, list[str]]:
    """Per compatible machine, the trainings the owner lacks (none in a supervised session).
    The owner's trainings are read once per request (a page of one trainee's jobs: one query)."""
    s = object_session(job)
    if s is None or (job.workshop is not None and job.workshop.supervised):
        return {}
    held_by_owner = g.setdefault("fablab_trainings_held", {})
    if job.owner_id not in held_by_owner:
        held_by_owner[job.owner_id] = {r.kind for r in trainings.valid_records(s, job.owner_id)}
    held = held_by_owner[job.owner_id]
    out = {m.id: trainings.missing_given(spec, held, [m]) for m in spec.machines_of_kind(job.process)}
    return {k: v for k, v in out.items() if v}


def machine_lanes(s: Session, spec: FablabSpec) -> list[dict[str, Any]]:
    """Per machine: its running job then its ready jobs, with expected finish when known."""
    conn = context().redis()
    jobs = list(s.scalars(with_details(select(Job).where(Job.state.in_([x.value for x in ACTIVE_ON_MACHINE])))
                          .order_by(Job.id)))
    finish: dict[int, Any] = {}
    try:
        from jobqueue.planning import plan

        finish = {p.job_id: p.expected_finish for p in plan(s, conn)}
    except Exception:  # planning is a nicety on this page
        finish = {}
    lanes: dict[str, list[dict]] = defaultdict(list)
    ordered = sorted(jobs, key=lambda j: (j.state == JobState.READY, j.id))
    for j, d in zip(ordered, job_dicts(ordered, conn), strict=True):
        lanes[j.machine_id or ""].append(d | {"finish": finish.get(j.id)})
    return [{"id": m.id, "name": m.name, "jobs": lanes.get(m.id, [])} for m in spec.machines]


REVIEW_PER_PAGE = 25  # each row carries its approve form and its training notes


def _review_details(query):  # noqa: ANN001, ANN202 - Select -> Select
    return query.options(selectinload(Job.owner), selectinload(Job.workshop))


@queue_bp.get("/queue")
@login_required
def queue():  # noqa: ANN201
    require_fabmanager()
    ctx = context()
    spec = ctx.spec()
    with ctx.session() as s:
        # Oldest first, by pages: a workshop can leave hundreds waiting (jobqueue.listing).
        page = listing.paginate(s, select(Job).where(Job.state == JobState.PENDING_REVIEW.value).order_by(Job.id),
                                request.args.get("page", 1, type=int), REVIEW_PER_PAGE, details=_review_details)
        rows = [review_row(j, spec) for j in page.items]
        lanes = machine_lanes(s, spec)
        order = queue_rows(s)  # dispatch order, expected start and end (web.pages_machday)
    all_materials = sorted({x.name for m in spec.machines for x in m.materials})
    return render_template("queue.html", rows=rows, review_page=page, lanes=lanes, order=order,
                           machines=[*spec.machines, *({"id": g, "name": g} for g in spec.group_names())],
                           all_materials=all_materials)


def _back() -> str:
    return safe_next(request.form.get("next"), url_for("queue.queue"))


def _review(job_id: int, form: FlaskForm, act, done: str):  # noqa: ANN001, ANN202 - act(session, job)
    """Approve or reject one job through services (jobqueue.permissions says who may); a refusal
    is flashed, never half applied."""
    if not form.validate_on_submit():
        abort(400)
    with context().session() as s:
        job = s.get(Job, job_id)
        if job is None or not permissions.can_view(current_user, job):
            abort(404)
        try:
            act(s, job)
        except services.PermissionDenied:
            abort(403)
        except (services.RequestError, IllegalTransition) as exc:
            flash(explain(exc), "error")
        else:
            flash(done, "ok")
    return redirect(_back())


@queue_bp.post("/queue/<int:job_id>/approve")
@login_required
def approve(job_id: int):  # noqa: ANN201
    form = ApproveForm()
    ctx = context()
    return _review(job_id, form, lambda s, job: services.approve(
        s, ctx.redis(), ctx.spec(), current_user, job, form.machine.data, form.material.data or None,
        override_training=form.override_training.data or None,
        copies=form.copies.data or 1, priority=form.priority.data or "normal"),
        _('Job %(id)s approved for %(machine)s.', id=job_id, machine=form.machine.data))


@queue_bp.post("/queue/<int:job_id>/reject")
@login_required
def reject(job_id: int):  # noqa: ANN201
    form = RejectForm()
    return _review(job_id, form, lambda s, job: services.reject(s, current_user, job, form.reason.data or ""),
                   _('Job %(id)s rejected.', id=job_id))
