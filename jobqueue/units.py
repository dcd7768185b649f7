"""The unit of a job's file, chosen with one click (issue 12, item 4).

The analysis asks which unit a file is in when the file does not say (slicing.units: a
unitless DXF, an old-Inkscape SVG, a mesh of a few millimetres). The owner or a reviewer
answers; the answer becomes the job's `scale` option, the job goes back to `submitted` with
an audit row naming the unit, and the analysis runs again at that scale (`prepare` uses the
same option). Until the question is answered a doubtful file is not usable: it cannot be
approved (`unit_question_pending`).
"""

from __future__ import annotations

from typing import Any

import redis
from sqlalchemy.orm import Session

from jobqueue import queues
from jobqueue.errors import RequestError
from jobqueue.models import Job, User
from jobqueue.permissions import Action, require
from jobqueue.states import JobState, transition

SCALE_MAX = 1000.0  # metres to millimetres, the largest a unit choice makes


def question(job: Job) -> dict[str, Any] | None:
    """The unit question of the job's last analysis (None: none asked)."""
    units = (job.analysis or {}).get("units")
    return units if isinstance(units, dict) and units.get("choices") else None


def pending(job: Job) -> bool:
    """The analysis asked the unit and the part waits for the answer."""
    units = question(job)
    return bool(units and units.get("pending"))


def check_approvable(job: Job) -> None:
    """Refuse to approve a part whose unit is still asked: its size, time and price are not known."""
    if pending(job):
        raise RequestError(f"job {job.id}: choose the file's unit before approving it", code="unit_question_pending",
                           job=job.id)


def _factor(job: Job, unit: str | None, scale: float | None) -> tuple[float, str]:
    from slicing.units import resolve

    if (unit is None) == (scale is None):
        raise RequestError("give either a unit or a scale", code="unit_or_scale", field="unit")
    if unit is not None:
        factor = resolve(question(job), unit)
        if factor is None:
            raise RequestError(f"unknown unit '{unit}'", code="unit_unknown", unit=unit)
        return factor, unit
    if not 0 < scale <= SCALE_MAX:  # type: ignore[operator] - scale is a float here
        raise RequestError(f"the scale must be more than 0 and at most {SCALE_MAX:g}", code="scale_out_of_range",
                           max=SCALE_MAX)
    return float(scale), f"x{scale:g}"  # type: ignore[arg-type]


def choose(s: Session, conn: redis.Redis, user: User, job: Job, unit: str | None = None,
           scale: float | None = None) -> Job:
    """Set the job's unit (a unit the analysis offered, or a plain scale) and analyse it again."""
    require(user, Action.CHOOSE_UNIT, job)
    factor, label = _factor(job, unit, scale)
    transition(s, job, JobState.SUBMITTED, actor=user.username, reason=f"unit {label}")
    job.options = {**dict(job.options or {}), "scale": factor}
    job.analysis, job.reason = None, None
    s.commit()  # durable before a worker looks for it
    queues.enqueue_analysis(conn, job.id)
    return job
