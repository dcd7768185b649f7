"""The trainer's pages (blueprint `trainer`): open a workshop session and give its join code; see
every trainee's job with its preview, verdict and quote and the problems most trainees share;
approve per process onto a machine or a group; send one job back; record a training when a
supervised job completed, or outside any session job (`/trainer/trainings`: who, which
training of machines.yaml, valid how many days). The rules are jobqueue's (workshops, workshop_approval, revisions,
trainings, permissions); these pages call them and word their refusals."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import DateTimeLocalField, IntegerField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from jobqueue import permissions, revisions, trainings, workshop_approval, workshops
from jobqueue.errors import RequestError
from jobqueue.machine_status import MachineStatus
from jobqueue.models import Job, User
from jobqueue.models_people import SessionMember, TrainingRecord, WorkshopSession
from jobqueue.permissions import Action
from jobqueue.states import IllegalTransition, JobState
from web.app import context
from web.i18n import _, ngettext, process_label
from web.pages import require_can, safe_next
from web.pages_format import cheapest_total, issues_list
from web.people_errors import explain, skipped_text

trainer = Blueprint("trainer", __name__, url_prefix="/trainer")


class SessionForm(FlaskForm):
    title = StringField("title", validators=[DataRequired(), Length(max=128)])
    processes = SelectMultipleField("processes", choices=[], validators=[DataRequired()])
    starts_at = DateTimeLocalField("starts_at", validators=[Optional()], format="%Y-%m-%dT%H:%M")
    ends_at = DateTimeLocalField("ends_at", validators=[Optional()], format="%Y-%m-%dT%H:%M")
    quota = IntegerField("quota", validators=[Optional(), NumberRange(min=1, max=100)])
    material = StringField("material", validators=[Optional(), Length(max=128)])


class BatchForm(FlaskForm):
    kind = StringField("process", name="process", validators=[DataRequired(), Length(max=16)])  # not `process`: a Form method
    target = StringField("target", validators=[DataRequired(), Length(max=48)])  # machine:<id> or group:<name>


class TrainingForm(FlaskForm):
    username = SelectField("username", choices=[], validators=[DataRequired()])
    kind = SelectField("kind", choices=[], validators=[DataRequired()])
    valid_days = IntegerField("valid_days", validators=[Optional(), NumberRange(min=1, max=3650)])


class CommentForm(FlaskForm):
    comment = StringField("comment", validators=[Length(max=2000)])


def _local_to_utc(value: dt.datetime | None) -> dt.datetime | None:
    """A datetime-local field is in the fablab's time zone."""
    if value is None:
        return None
    from zoneinfo import ZoneInfo

    return value.replace(tzinfo=ZoneInfo(context().spec().timezone)).astimezone(dt.UTC)


def _session_or_404(s, session_id: int) -> WorkshopSession:  # noqa: ANN001
    ws = s.get(WorkshopSession, session_id)
    visible = s.scalar(permissions.visible_sessions_query(current_user).where(WorkshopSession.id == session_id))
    if ws is None or visible is None:
        abort(404)
    return ws


@trainer.route("", methods=["GET", "POST"])
@login_required
def index():  # noqa: ANN201
    require_can(Action.RUN_SESSIONS)
    ctx = context()
    spec = ctx.spec()
    form = SessionForm()
    form.processes.choices = [(k, process_label(k)) for k in sorted({m.kind for m in spec.machines})]
    status = 200
    if form.validate_on_submit():
        try:
            with ctx.session() as s:
                ws = workshops.create_session(
                    s, spec, current_user, form.title.data, form.processes.data, form.quota.data,
                    _local_to_utc(form.starts_at.data), _local_to_utc(form.ends_at.data), form.material.data or None)
                ws_id, code = ws.id, ws.code
        except RequestError as exc:
            flash(explain(exc), "error")
            status = 400
        else:
            flash(_('Session opened: the join code is %(code)s.', code=code), "ok")
            return redirect(url_for("trainer.session_page", session_id=ws_id))
    elif request.method == "POST":
        status = 400
    with ctx.session() as s:
        rows = s.execute(
            permissions.visible_sessions_query(current_user)
            .with_only_columns(WorkshopSession.id, WorkshopSession.title, WorkshopSession.code,
                               WorkshopSession.starts_at, WorkshopSession.ends_at)
            .order_by(WorkshopSession.starts_at.desc()).limit(100)).all()
        counts = dict(s.execute(select(Job.session_id, func.count(Job.id)).where(
            Job.session_id.in_([r.id for r in rows])).group_by(Job.session_id)).all())
        members = dict(s.execute(select(SessionMember.session_id, func.count(SessionMember.id)).where(
            SessionMember.session_id.in_([r.id for r in rows])).group_by(SessionMember.session_id)).all())
    now = dt.datetime.now(dt.UTC)
    sessions = [{"id": r.id, "title": r.title, "code": r.code, "starts_at": r.starts_at, "ends_at": r.ends_at,
                 "open": workshops._aware(r.ends_at) > now, "jobs": counts.get(r.id, 0),
                 "trainees": members.get(r.id, 0)} for r in rows]
    return render_template("trainer.html", sessions=sessions, form=form), status


def _job_card(job: Job, spec, missing: list[str]) -> dict:  # noqa: ANN001
    analysis = job.analysis or {}
    issues = issues_list(analysis.get("issues"))
    total, currency = cheapest_total(analysis.get("quotes"), job.owner.tier if job.owner else None, job.material)
    return {
        "id": job.id, "filename": job.filename, "owner": job.owner.username if job.owner else "",
        "process": job.process, "state": job.state, "valid": analysis.get("valid"),
        "unit_pending": bool((analysis.get("units") or {}).get("pending")), "revision": job.revision,
        "errors": [i for i in issues if i.get("severity") == "error"],
        "warnings": sum(1 for i in issues if i.get("severity") == "warning"),
        "total": total, "currency": currency, "has_analysis": job.analysis is not None,
        "actions": permissions.allowed_actions(current_user, job), "missing_training": missing,
        "reason": job.reason,
    }


@trainer.get("/sessions/<int:session_id>")
@login_required
def session_page(session_id: int):  # noqa: ANN201
    require_can(Action.RUN_SESSIONS)
    ctx = context()
    spec = ctx.spec()
    with ctx.session() as s:
        ws = _session_or_404(s, session_id)
        jobs = workshops.session_jobs(s, ws)
        summary = workshops.summarise(s, ws, jobs)
        cards = []
        for j in jobs:
            missing = []
            if j.state == JobState.COMPLETED.value and j.machine_id:
                try:
                    missing = trainings.missing_for(s, spec, j.owner_id, [spec.machine(j.machine_id)])
                except KeyError:
                    missing = []
            cards.append(_job_card(j, spec, missing))
        # machines a session's job left to be cleared: the trainer, in the room, confirms it
        waiting = dict(s.execute(select(MachineStatus.clearance_job_id, MachineStatus.machine_id).where(
            MachineStatus.awaiting_clearance.is_(True),
            MachineStatus.clearance_job_id.in_([j.id for j in jobs]))).all())
        for card in cards:
            card["to_clear"] = waiting.get(card["id"])
        info = {"id": ws.id, "title": ws.title, "code": ws.code, "starts_at": ws.starts_at, "ends_at": ws.ends_at,
                "processes": ws.processes, "quota": ws.quota_jobs_per_trainee, "material": ws.material,
                "open": workshops.is_open(ws), "trainer": ws.trainer.username,
                "trainees": [m.user.username for m in ws.members]}
    targets = {p: [("machine:" + m.id, f"{m.name} ({m.id})") for m in spec.machines_of_kind(p)]
               + [("group:" + g, g) for g in spec.group_names(p)] for p in summary.pending_by_process}
    return render_template("trainer_session.html", ws=info, jobs=cards, summary=summary, targets=targets,
                           form=CommentForm())


@trainer.post("/sessions/<int:session_id>/approve")
@login_required
def approve(session_id: int):  # noqa: ANN201
    require_can(Action.RUN_SESSIONS)
    form = BatchForm()
    if not form.validate_on_submit():
        abort(400)
    kind, _sep, name = form.target.data.partition(":")
    ctx = context()
    back = url_for("trainer.session_page", session_id=session_id)
    with ctx.session() as s:
        ws = _session_or_404(s, session_id)
        try:
            result = workshop_approval.approve_session(
                s, ctx.redis(), ctx.spec(), current_user, ws, form.kind.data,
                machine=name if kind == "machine" else None, group=name if kind == "group" else None)
        except permissions.PermissionDenied:
            abort(403)
        except RequestError as exc:
            flash(explain(exc), "error")
            return redirect(back)
    flash(ngettext('%(num)d job approved for %(target)s.', '%(num)d jobs approved for %(target)s.',
                   len(result.approved), target=name), "ok")
    if result.skipped:
        flash(_('Not approved: %(items)s', items="; ".join(f"#{x['job']} ({skipped_text(x)})" for x in result.skipped)),
              "error")
    return redirect(back)


def _job_action(job_id: int, act, done: str):  # noqa: ANN001, ANN202 - act(session, job)
    ctx = context()
    with ctx.session() as s:
        job = s.get(Job, job_id)
        if job is None or not permissions.can_view(current_user, job):
            abort(404)
        back = safe_next(request.form.get("next"), url_for("jobs.job", job_id=job_id))
        try:
            act(s, job)
        except permissions.PermissionDenied:
            abort(403)
        except (RequestError, IllegalTransition) as exc:
            flash(explain(exc), "error")
            return redirect(back)
    flash(done, "ok")
    return redirect(back)


@trainer.post("/jobs/<int:job_id>/send-back")
@login_required
def send_back(job_id: int):  # noqa: ANN201
    form = CommentForm()
    if not form.validate_on_submit():
        abort(400)
    return _job_action(job_id, lambda s, job: revisions.send_back(s, current_user, job, form.comment.data or ""),
                       _('Job #%(id)s sent back to its owner.', id=job_id))


@trainer.post("/jobs/<int:job_id>/training")
@login_required
def record_training(job_id: int):  # noqa: ANN201
    if not FlaskForm().validate_on_submit():
        abort(400)
    return _job_action(job_id, lambda s, job: trainings.record_from_job(s, context().spec(), current_user, job),
                       _('Training recorded.'))



@trainer.route("/trainings", methods=["GET", "POST"])
@login_required
def trainings_page():  # noqa: ANN201
    """Record a training given outside a session job (a safety briefing, a supervised first cut)."""
    require_can(Action.RECORD_TRAININGS)
    ctx = context()
    spec = ctx.spec()
    form = TrainingForm()
    form.kind.choices = [(t.id, t.label or t.id) for t in spec.trainings]
    with ctx.session() as s:
        people = s.execute(select(User.username, User.display_name).where(User.is_active.is_(True))
                           .order_by(User.username)).all()
    form.username.choices = [(u, f"{u} ({name})" if name else u) for u, name in people]
    status = 200
    if form.validate_on_submit():
        try:
            with ctx.session() as s:
                who = s.scalar(select(User).where(User.username == form.username.data))
                trainings.record(s, spec, current_user, who, form.kind.data, form.valid_days.data)
        except RequestError as exc:
            flash(explain(exc), "error")
            status = 400
        else:
            flash(_("Training recorded for %(user)s.", user=form.username.data), "ok")
            return redirect(url_for("trainer.trainings_page"))
    elif request.method == "POST":
        status = 400
    with ctx.session() as s:
        rows = s.execute(select(TrainingRecord.kind, TrainingRecord.trained_at, TrainingRecord.valid_until,
                                User.username).join(User, User.id == TrainingRecord.user_id)
                         .where(TrainingRecord.trainer_id == current_user.id)
                         .order_by(TrainingRecord.id.desc()).limit(50)).all()
    labels = dict(form.kind.choices)
    recent = [{"user": r.username, "kind": labels.get(r.kind, r.kind), "at": r.trained_at, "until": r.valid_until}
              for r in rows]
    days = {t.id: t.valid_days for t in spec.trainings}
    return render_template("trainer_trainings.html", form=form, recent=recent, days=days), status
