"""Pages of one user's work: upload, "my jobs", the job page, its controls and previews."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from sqlalchemy.orm import Session, joinedload
from wtforms import BooleanField, IntegerField, SelectField, StringField
from wtforms.validators import AnyOf, NumberRange, Optional

from jobqueue import listing, permissions, previews, revisions, services, trainings, workshops
from jobqueue.filestore import FileTooLarge
from jobqueue.models import Job
from jobqueue.permissions import Action
from jobqueue.states import FINISHED, IllegalTransition, JobState
from web import fragments
from web.app import context
from web.i18n import _, process_label
from web.pages_format import issues_list, metrics_rows, quotes_view
from web.pages_machday import job_day
from web.pages_queue import review_row
from web.people_errors import explain
from web.units import unit_view
from web.views import job_dict, job_summaries

jobs_bp = Blueprint("jobs", __name__)

CONTROL_COMMANDS = ("pause", "resume", "cancel", "retry")
PREVIEW_HEADERS = {
    # Served as an image from user-derived data: no script, no plugin, no navigation.
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox",
    "X-Content-Type-Options": "nosniff",
    "Content-Disposition": "inline",
    "Cache-Control": "private, max-age=300",
}


class UploadForm(FlaskForm):
    file = FileField("file", validators=[FileRequired()])
    kind = SelectField("process", choices=[], name="process")
    material = SelectField("material", choices=[], validate_choice=False)
    # The workshop sessions the user joined and that are open (jobqueue.workshops): no free text.
    session = SelectField("session", choices=[], validate_choice=False, validators=[Optional()])


class ControlForm(FlaskForm):
    command = StringField("command", validators=[AnyOf(CONTROL_COMMANDS)])
    from_line = IntegerField("from_line", validators=[Optional(), NumberRange(min=0)])
    machine_homed = BooleanField("machine_homed")


def materials_by_process() -> dict[str, list[str]]:
    """Each process's materials over its machines, in machines.yaml order, without repeats."""
    out: dict[str, list[str]] = {}
    for machine in context().spec().machines:
        names = out.setdefault(machine.kind, [])
        names.extend(m.name for m in machine.materials if m.name not in names)
    return out


def people_view(s: Session, spec, job: Job, allowed: frozenset) -> dict:  # noqa: ANN001 - FablabSpec
    """What the job page shows of the people side: revisions, send back, revise, the training
    its owner lacks for each compatible machine (the approver then needs an override reason)."""
    missing = {}
    if Action.APPROVE in allowed and (job.workshop is None or not job.workshop.supervised):
        missing = {m.id: trainings.missing_for(s, spec, job.owner_id, [m]) for m in spec.machines_of_kind(job.process)}
    # a job's earlier files are kept only once it is revised (jobqueue.revisions.revise): a job at
    # revision 1 has none, and most jobs are, so their page does not ask
    earlier = revisions.history(s, job.id) if (job.revision or 1) > 1 else []
    return {
        "revisions": [{"number": r.number, "filename": r.filename, "state": r.state, "comment": r.comment,
                       "at": r.created_at} for r in earlier],
        "revision": job.revision, "send_back": Action.SEND_BACK in allowed, "revise": Action.REVISE in allowed,
        "missing": {k: v for k, v in missing.items() if v},
        "session": {"id": job.session_id, "title": job.workshop.title} if job.workshop is not None else None,
    }


def viewable_job(s: Session, job_id: int) -> Job:
    job = s.get(Job, job_id, options=[joinedload(Job.owner)])  # the page shows the owner: one query
    if job is None or not permissions.can_view(current_user, job):
        abort(404)  # another member's job does not exist, as far as this user knows
    return job


@jobs_bp.route("/upload", methods=["GET", "POST"])
@login_required
def upload():  # noqa: ANN201
    by_process = materials_by_process()
    form = UploadForm()
    # "From the file type" first: an STL is never sent to the CNC because a select defaulted to it
    form.kind.choices = [("", _("From the file type")), *((k, process_label(k)) for k in sorted(by_process))]
    form.material.choices = {"": [("", "—")]} | {process_label(k): [(m, m) for m in v] for k, v in by_process.items()}
    with context().session() as s:
        joined = [(str(w.id), w.title) for w in workshops.joined_sessions(s, current_user)]
    form.session.choices = [("", "—"), *joined]
    status = 200
    if form.validate_on_submit():
        ctx = context()
        upload_file = form.file.data
        workshop_id = int(form.session.data) if (form.session.data or "").isdigit() else None
        try:
            with ctx.session() as s:
                name = upload_file.filename or "upload"
                # no guess (not an STL/SVG/DXF): any process, so the refusal names the file type
                process = form.kind.data or services.guess_process(ctx.spec(), name) or min(by_process, default="")
                job = services.submit_job(
                    s, ctx.redis(), ctx.store, ctx.spec(), current_user, upload_file.stream,
                    name, process, form.material.data or None,
                    workshop_id=workshop_id,
                )
                job_id = job.id
        except FileTooLarge as exc:
            flash(explain(exc), "error")
            status = 413
        except services.RequestError as exc:
            flash(explain(exc), "error")
            status = 400
        else:
            flash(_('File received: the analysis starts.'), "ok")
            return redirect(url_for("jobs.job", job_id=job_id))
    elif request.method == "POST":
        status = 400
    return render_template("upload.html", form=form, by_process=by_process, joined=joined), status


@jobs_bp.get("/jobs")
@login_required
def my_jobs():  # noqa: ANN201
    ctx = context()
    show_all = permissions.can(current_user, Action.VIEW_ALL_JOBS) and request.args.get("all") == "1"
    q = permissions.visible_jobs_query(current_user).order_by(Job.id.desc())
    if not show_all:
        q = q.where(Job.owner_id == current_user.id)
    with ctx.session() as s:
        page = listing.paginate_summaries(s, q, request.args.get("page", 1, type=int))
        jobs = job_summaries(page.items, ctx.redis())
    return render_template("my_jobs.html", jobs=jobs, show_all=show_all, page=page, row_keys=row_keys(jobs, show_all),
                           progress_states=PROGRESS_STATES, fragment=fragments.get, remember=fragments.put)


PROGRESS_STATES = frozenset(("running", "paused", "completed", "failed", "interrupted"))  # a list row shows their bar


def row_keys(jobs: list[dict], show_all: bool) -> list[tuple]:
    """Each list row's fragment key (web/fragments.py): every value the row shows, and the
    request's locale, zone and URL root; a job that changes gets a new key, so a new row."""
    base = ("jobs-row", *fragments.context_key(), show_all)
    return [(*base, j["id"], j["filename"], j["session_label"], j["owner"] if show_all else None, j["process"],
             j["state"], str(j["progress"].get("percent")) if j["state"] in PROGRESS_STATES else None, j["created_at"])
            for j in jobs]


@jobs_bp.get("/jobs/<int:job_id>")
@login_required
def job(job_id: int):  # noqa: ANN201
    ctx = context()
    with ctx.session() as s:
        row = viewable_job(s, job_id)
        j = job_dict(row, ctx.redis())
        info = row.program_info or {}
        tier = row.owner.tier if row.owner else None
        session_label = row.session_label
        has_analysis = row.analysis is not None
        analysis_digest = fragments.digest(row.analysis)
        layers = previews.program_layers(ctx, row)
        allowed = permissions.allowed_actions(current_user, row)
        review = review_row(row, ctx.spec()) if Action.APPROVE in allowed else None
        people = people_view(s, ctx.spec(), row, allowed)
        day = job_day(s, row)  # queue place, expected times, clearance, actual cost (web.pages_machday)
    keys = analysis_keys(job_id, analysis_digest, tier, j["material"], has_analysis)
    shown = {}
    if fragments.get(keys["cols"]) is None or fragments.get(keys["quotes"]) is None:
        # "Where:" in mm from the part's corner: the analysis's, and the program's own for its checks
        shown = {"issues": issues_list(j["issues"], (j["metrics"] or {}).get("bbox_min_mm")),
                 "metrics": metrics_rows(j["metrics"], primary=True),
                 "more_metrics": metrics_rows(j["metrics"], primary=False),
                 "quotes": quotes_view(j["quotes"], tier, j["material"])}
    program_issues = issues_list((j["program"] or {}).get("issues"), ((info.get("metrics") or {}).get("bounds_mm") or [])[:2])
    state = JobState(j["state"])
    controls = [c for c in CONTROL_COMMANDS if c in allowed]  # jobqueue.permissions decides
    return render_template(
        "job.html", j=j, program_issues=program_issues, **shown, fragment_keys=keys, fragment=fragments.get,
        remember=fragments.put,
        program_metrics=metrics_rows(info.get("metrics")), program_preview=bool(info.get("preview_sha256")),
        layers=layers, review=review,
        estimate={k: info.get(k) for k in ("model_seconds", "preslice_seconds", "calibration")},
        analysis_preview=has_analysis, controls=controls, session_label=session_label,
        live=state not in FINISHED, form=ControlForm(), people=people, day=day, units=unit_view(j, allowed),
    )


def analysis_keys(job_id: int, analysis_digest: str, tier: str | None, material: str | None,
                  preview: bool) -> dict[str, tuple]:
    """The job page's analysis fragments (measurements, quotes: web/fragments.py) are made from
    the stored analysis (its digest), the owner's tier, the material, and the request's locale."""
    base = (*fragments.context_key(), job_id, analysis_digest, tier, material, preview)
    return {"cols": ("job-cols", *base), "quotes": ("job-quotes", *base)}


@jobs_bp.post("/jobs/<int:job_id>/control")
@login_required
def job_control(job_id: int):  # noqa: ANN201
    """Pause, resume, cancel, retry from the checkpoint: services decide who may."""
    form = ControlForm()
    if not form.validate_on_submit():
        abort(400)
    ctx = context()
    back = url_for("jobs.job", job_id=job_id)
    with ctx.session() as s:
        row = viewable_job(s, job_id)
        try:
            if form.command.data == "retry":
                services.resume_failed(s, ctx.redis(), current_user, row, form.from_line.data,
                                       machine_homed=bool(form.machine_homed.data))
            else:
                services.control(s, ctx.redis(), current_user, row, form.command.data)
        except services.PermissionDenied:
            abort(403)
        except (services.RequestError, IllegalTransition) as exc:
            flash(explain(exc), "error")
            return redirect(back)
    flash(_('Command sent.'), "ok")
    return redirect(request.form.get("back") if request.form.get("back", "").startswith("/machines") else back)


def _preview(job_id: int, which: str) -> Response:
    ctx = context()
    layer = request.args.get("layer", type=int)
    with ctx.session() as s:
        row = viewable_job(s, job_id)
        if which == "analysis":
            result = previews.analysis_preview(ctx, row)
        else:
            result = previews.program_preview(ctx, row, layer if layer is not None and layer >= 0 else None)
    if result is None:
        abort(404)
    data, mimetype = result
    return Response(data, mimetype=mimetype, headers=PREVIEW_HEADERS)


@jobs_bp.get("/jobs/<int:job_id>/preview/analysis")
@login_required
def analysis_preview(job_id: int):  # noqa: ANN201
    return _preview(job_id, "analysis")


@jobs_bp.get("/jobs/<int:job_id>/preview/program")
@login_required
def program_preview(job_id: int):  # noqa: ANN201
    return _preview(job_id, "program")

