"""Approve a workshop session's jobs of one process in one action, onto a machine or a group.

Each job goes through `services.approve` (permissions, training gate, state graph), one by one:
a job it refuses is skipped with the reason's code, never half applied. Until group dispatch
lands (jobqueue.dispatch), a group's job is approved for the member machine with the fewest
jobs waiting or running that offers its material.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import redis
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jobqueue import permissions, services
from jobqueue.errors import RequestError
from jobqueue.models import Job, User
from jobqueue.models_people import WorkshopSession
from jobqueue.permissions import Action
from jobqueue.states import IllegalTransition, JobState
from slicing.machine_spec import FablabSpec, Machine

LOADED = [JobState.PREPARING.value, JobState.READY.value, JobState.RUNNING.value, JobState.PAUSED.value]


@dataclass
class BatchResult:
    approved: list[int] = field(default_factory=list)
    # (job id, code, parameters, English text)
    skipped: list[dict[str, Any]] = field(default_factory=list)


def _load(s: Session) -> dict[str, int]:
    rows = s.execute(select(Job.machine_id, func.count(Job.id)).where(Job.state.in_(LOADED)).group_by(Job.machine_id))
    return {m: n for m, n in rows if m}


def target_machines(spec: FablabSpec, process: str, machine: str | None, group: str | None) -> list[Machine]:
    """The machines a batch may go to: one machine, or a group's (every kind is a group too)."""
    if bool(machine) == bool(group):
        raise RequestError("give a machine or a group, not both", code="batch_target")
    try:
        members = [spec.machine(machine)] if machine else spec.group_members(group or "")
    except KeyError:
        raise RequestError(f"no machine or group '{machine or group}'", code="batch_unknown_target",
                           target=machine or group) from None
    if not members or any(m.kind != process for m in members):
        raise RequestError(f"'{machine or group}' does not make {process} jobs", code="batch_wrong_kind",
                           target=machine or group, process=process)
    return members


def approve_session(
    s: Session, conn: redis.Redis, spec: FablabSpec, user: User, ws: WorkshopSession, process: str,
    machine: str | None = None, group: str | None = None, material: str | None = None,
    override_training: str | None = None,
) -> BatchResult:
    """Approve every job of `ws` waiting for review with `process` onto `machine` or `group`."""
    permissions.require(user, Action.RUN_SESSIONS)
    if not permissions.is_staff(user) and ws.trainer_id != user.id:
        raise permissions.PermissionDenied("approve_session")
    members = target_machines(spec, process, machine, group)
    jobs = list(s.scalars(select(Job).where(Job.session_id == ws.id, Job.process == process,
                                            Job.state == JobState.PENDING_REVIEW.value).order_by(Job.id)))
    load = _load(s)
    out = BatchResult()
    for job in jobs:
        job_id, wanted = job.id, material or job.material
        offering = [m for m in members if any(x.name == wanted for x in m.materials)] or members
        chosen = min(offering, key=lambda m: (load.get(m.id, 0), members.index(m)))
        try:
            services.approve(s, conn, spec, user, job, chosen.id, material, override_training=override_training)
        except (RequestError, IllegalTransition) as exc:
            s.rollback()
            out.skipped.append({"job": job_id, "code": getattr(exc, "code", "illegal_transition"),
                                "params": getattr(exc, "params", {}), "error": str(exc)})
            continue
        load[chosen.id] = load.get(chosen.id, 0) + 1
        out.approved.append(job_id)
    return out
