"""The trainer's view: a workshop session's jobs side by side, to approve them as a batch and
go through the validation feedback with the trainees."""

from __future__ import annotations

from collections import Counter

from flask import abort, render_template
from flask_login import login_required
from sqlalchemy import func, select

from jobqueue.models import Job
from jobqueue.states import JobState
from web.app import context
from web.pages import pages, require_fabmanager
from web.pages_format import issues_list
from web.views import job_dict


@pages.get("/trainer")
@login_required
def trainer():  # noqa: ANN201
    require_fabmanager()
    with context().session() as s:
        rows = s.execute(
            select(Job.session_label, func.count(Job.id), func.max(Job.created_at))
            .where(Job.session_label.is_not(None)).group_by(Job.session_label)
            .order_by(func.max(Job.created_at).desc())
        ).all()
    sessions = [{"label": label, "count": count, "last": last} for label, count, last in rows]
    return render_template("trainer.html", sessions=sessions)


@pages.get("/trainer/<path:label>")
@login_required
def trainer_session(label: str):  # noqa: ANN201
    require_fabmanager()
    ctx = context()
    with ctx.session() as s:
        jobs = [job_dict(j, ctx.redis()) for j in
                s.scalars(select(Job).where(Job.session_label == label).order_by(Job.owner_id, Job.id))]
    if not jobs:
        abort(404)
    states = Counter(j["state"] for j in jobs)
    summary = {
        "valid": sum(1 for j in jobs if j["valid"]),
        "invalid": states[JobState.INVALID.value],
        "done": states[JobState.COMPLETED.value],
        "pending": states[JobState.PENDING_REVIEW.value],
    }
    counts: Counter[str] = Counter()
    examples: dict[str, dict] = {}
    for j in jobs:
        for issue in issues_list(j["issues"]):
            if issue.get("severity") in ("error", "warning"):
                code = str(issue.get("code"))
                counts[code] += 1
                examples.setdefault(code, issue)
    codes = [(code, n, examples[code]) for code, n in counts.most_common()]
    machines = [m for m in ctx.spec().machines if any(j["process"] == m.kind for j in jobs)]
    return render_template("trainer_session.html", label=label, jobs=jobs, summary=summary,
                           codes=codes, machines=machines)
