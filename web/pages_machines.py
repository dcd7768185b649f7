"""The machines page: each machine's state, its current job and progress, and controls."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required
from sqlalchemy import select

from jobqueue import services
from jobqueue.calibration import MIN_RUNS, calibrate
from jobqueue.models import Job
from jobqueue.states import ACTIVE_ON_MACHINE, JobState
from web.app import context
from web.pages_machday import machine_extras
from web.views import job_dict, machines_list

machines_bp = Blueprint("machines", __name__)


@machines_bp.get("/machines")
@login_required
def machines():  # noqa: ANN201
    ctx = context()
    conn = ctx.redis()
    with ctx.session() as s:
        active = list(s.scalars(select(Job).where(Job.state.in_([x.value for x in ACTIVE_ON_MACHINE]))))
        rows = machines_list(ctx.spec(), conn, active)
        by_id = {j.id: j for j in active}
        for row in rows:
            job = by_id.get(row["current_job"])
            row["job"] = job_dict(job, conn) if job is not None and services.can_view(current_user, job) else None
            row["waiting"] = sum(1 for j in active if j.machine_id == row["id"] and j.state == JobState.READY)
            if current_user.is_fabmanager:
                row["calibration"] = calibrate(s, row["id"])
        machine_extras(s, rows)  # status, clearance, last jobs (web.pages_machday)
    return render_template("machines.html", machines=rows, min_runs=MIN_RUNS)
