"""The unit question on the job page and in the API (issue 12, item 4): each plausible unit is a
button with the size it gives; a click sets the job's scale and analyses the file again
(jobqueue.units decides who may and when; the API answers `POST /api/v1/jobs/{id}/scale`)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, g, redirect, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from jobqueue import units as job_units
from jobqueue.contracts.api import ErrorBody, JobOut, UnitIn
from jobqueue.errors import PermissionDenied, RequestError
from jobqueue.models import Job
from jobqueue.permissions import Action
from jobqueue.states import IllegalTransition
from web.api import _job_or_404, authenticated, job_out
from web.app import context
from web.i18n import N_, _
from web.pages_format import metric_value
from web.people_errors import explain
from web.validation import api_route

api_units = Blueprint("api_units", __name__, url_prefix="/api/v1")
units = Blueprint("units", __name__)

UNIT_NAMES = {
    "mm": N_("millimetres"), "cm": N_("centimetres"), "m": N_("metres"), "in": N_("inches"),
    "px90": N_("90 px per inch (Inkscape before 0.92)"), "px96": N_("96 px per inch (current Inkscape)"),
}


class UnitForm(FlaskForm):
    unit = StringField("unit", validators=[DataRequired(), Length(max=16)])


def unit_view(job: dict[str, Any], allowed: frozenset) -> dict[str, Any] | None:
    """The question as the job page shows it: one button per unit, with the size it gives."""
    question = job.get("units")
    if not question or not question.get("choices"):
        return None
    chosen = question.get("chosen")
    current = chosen or question.get("default")
    return {
        "pending": bool(question.get("pending")), "chosen": chosen, "variant": question.get("variant"),
        "can_choose": Action.CHOOSE_UNIT in allowed,
        "choices": [{"unit": c["unit"], "name": _(UNIT_NAMES[c["unit"]]) if c["unit"] in UNIT_NAMES else c["unit"],
                     "size": metric_value(c.get("bbox_mm"), "mm"), "current": c["unit"] == current}
                    for c in question["choices"]],
    }


@api_units.post("/jobs/<int:job_id>/scale")
@authenticated
@api_route(json=UnitIn, resp={202: JobOut, 409: ErrorBody}, tags=["jobs"])
def choose_unit(job_id: int, json: UnitIn):  # noqa: ANN201, A002
    """Choose the unit of a file that does not say its own (owner, fabmanager): analysed again

    `unit` is one the analysis offered in `units.choices` (mm, cm, m, in; px90 or px96 for an
    SVG); `scale` gives the factor itself. The job goes back to `submitted` and the analysis
    runs at that scale; `prepare` uses it.
    """
    job = _job_or_404(job_id)
    if not isinstance(job, Job):
        return job
    job_units.choose(g.db, context().redis(), g.user, job, unit=json.unit, scale=json.scale)
    return job_out(job), 202


@units.post("/jobs/<int:job_id>/unit")
@login_required
def choose_unit_page(job_id: int):  # noqa: ANN201
    """The job page's unit buttons."""
    from web.pages_jobs import viewable_job

    form = UnitForm()
    if not form.validate_on_submit():
        abort(400)
    ctx = context()
    with ctx.session() as s:
        row = viewable_job(s, job_id)
        try:
            job_units.choose(s, ctx.redis(), current_user, row, unit=form.unit.data)
        except PermissionDenied:
            abort(403)
        except (RequestError, IllegalTransition) as exc:
            flash(explain(exc), "error")
            return redirect(url_for("jobs.job", job_id=job_id))
    flash(_("Unit chosen: the file is analysed again at that size."), "ok")
    return redirect(url_for("jobs.job", job_id=job_id))
