"""Quotas: per pricing tier (machines.yaml, `pricing_tiers[].quota`) and per workshop session
(jobs per trainee). An upload over a limit is refused at once, naming the limit and when it
resets; `usage()` gives the fabmanager each member's use against their quota.

Monthly use is read from the usage records machine runs leave (jobqueue.models_machines).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jobqueue.errors import RequestError
from jobqueue.models import Job, User, utcnow
from jobqueue.models_machines import UsageRecord
from jobqueue.models_people import WorkshopSession
from jobqueue.states import FINISHED, JobState
from slicing.machine_spec import FablabSpec

WAITING_STATES = [s.value for s in JobState if s not in FINISHED]


class QuotaExceeded(RequestError):
    """Over a limit: `limit` names it, `used` and `allowed` say how far, `resets` when (None: when
    a waiting job finishes)."""

    code = "quota_exceeded"

    def __init__(self, limit: str, used: float, allowed: float, resets: dt.datetime | None):
        when = resets.date().isoformat() if resets else "when a waiting job finishes"
        super().__init__(f"quota reached: {limit} {used:g} of {allowed:g} (resets {when})",
                         limit=limit, used=used, allowed=allowed, resets=resets.isoformat() if resets else None)
        self.limit, self.used, self.allowed, self.resets = limit, used, allowed, resets


def month_window(spec: FablabSpec, now: dt.datetime | None = None) -> tuple[dt.datetime, dt.datetime]:
    """This month in the fablab's time zone, as UTC instants: [first day, first day of next)."""
    zone = ZoneInfo(spec.timezone)
    local = (now or utcnow()).astimezone(zone)
    start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    nxt = (start + dt.timedelta(days=32)).replace(day=1)
    return start.astimezone(dt.UTC), nxt.astimezone(dt.UTC)


@dataclass
class Use:
    """One member's use and limits (None: no limit)."""

    jobs_waiting: int
    grams: float
    area_m2: float
    machine_hours: float
    limits: dict[str, float | None]
    resets: dt.datetime

    def over(self) -> list[str]:
        """The limits reached."""
        used = {"jobs_waiting": self.jobs_waiting, "grams_per_month": self.grams,
                "area_m2_per_month": self.area_m2, "machine_hours_per_month": self.machine_hours}
        return [k for k, limit in self.limits.items() if limit is not None and used[k] >= limit]


def usage(s: Session, spec: FablabSpec, user: User, now: dt.datetime | None = None) -> Use:
    start, end = month_window(spec, now)
    waiting = s.scalar(select(func.count(Job.id)).where(Job.owner_id == user.id, Job.state.in_(WAITING_STATES))) or 0
    rows = s.execute(select(UsageRecord.unit, func.sum(UsageRecord.quantity), func.sum(UsageRecord.running_seconds))
                     .where(UsageRecord.user_id == user.id, UsageRecord.ended_at >= start, UsageRecord.ended_at < end)
                     .group_by(UsageRecord.unit)).all()
    by_unit = {unit: float(q or 0) for unit, q, _ in rows}
    seconds = sum(float(sec or 0) for _, _, sec in rows)
    tier = spec.tier(user.tier)
    limits = tier.quota.model_dump() if tier is not None else {}
    return Use(jobs_waiting=waiting, grams=by_unit.get("g", 0.0), area_m2=by_unit.get("m2", 0.0),
               machine_hours=seconds / 3600.0, limits=limits, resets=end)


def check_upload(s: Session, spec: FablabSpec, user: User, process: str, ws: WorkshopSession | None) -> None:
    """Raise QuotaExceeded when `user` may not send one more job (of `process`, into `ws`)."""
    if ws is not None and ws.quota_jobs_per_trainee:
        sent = s.scalar(select(func.count(Job.id)).where(
            Job.session_id == ws.id, Job.owner_id == user.id, Job.state != JobState.CANCELLED.value)) or 0
        if sent >= ws.quota_jobs_per_trainee:
            raise QuotaExceeded("session_jobs", sent, ws.quota_jobs_per_trainee, None)
    use = usage(s, spec, user)
    limits = use.limits
    if limits.get("jobs_waiting") is not None and use.jobs_waiting >= limits["jobs_waiting"]:
        raise QuotaExceeded("jobs_waiting", use.jobs_waiting, limits["jobs_waiting"], None)
    checks = {"fdm": [("grams_per_month", use.grams)],
              "laser": [("area_m2_per_month", use.area_m2)], "cnc": [("area_m2_per_month", use.area_m2)],
              "vinyl": [("area_m2_per_month", use.area_m2)]}.get(process, [])
    for name, used in [*checks, ("machine_hours_per_month", use.machine_hours)]:
        if limits.get(name) is not None and used >= limits[name]:
            raise QuotaExceeded(name, round(used, 6), limits[name], use.resets)
