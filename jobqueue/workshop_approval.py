"""Approve a workshop session's jobs of one process in one action, onto a machine or a group.

Each job goes through `services.approve` (permissions, training gate, state graph), one by one:
a job it refuses is skipped with the reason's code, never half applied. Jobs approved onto a
group wait for dispatch (jobqueue.dispatch), which gives each the first free machine of the
group that offers its material and fits it, when that machine is free: not a machine chosen at
approval, which would leave a job waiting behind a busy printer while its neighbour idles.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import redis
from sqlalchemy import select
from sqlalchemy.orm import Session

from jobqueue import permissions, services
from jobqueue.errors import RequestError
from jobqueue.models import Job, User
from jobqueue.models_people import WorkshopSession
from jobqueue.permissions import Action
from jobqueue.states import IllegalTransition, JobState
from slicing.machine_spec import FablabSpec, Machine


@dataclass
class BatchResult:
    approved: list[int] = field(default_factory=list)
    # (job id, code, parameters, English text)
    skipped: list[dict[str, Any]] = field(default_factory=list)


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
    target_machines(spec, process, machine, group)
    target = machine or group or ""
    jobs = list(s.scalars(select(Job).where(Job.session_id == ws.id, Job.process == process,
                                            Job.state == JobState.PENDING_REVIEW.value).order_by(Job.id)))
    out = BatchResult()
    for job in jobs:
        job_id = job.id
        try:
            # a group: services.approve queues the job for dispatch (no machine yet)
            services.approve(s, conn, spec, user, job, target, material, override_training=override_training)
        except (RequestError, IllegalTransition) as exc:
            s.rollback()
            out.skipped.append({"job": job_id, "code": getattr(exc, "code", "illegal_transition"),
                                "params": getattr(exc, "params", {}), "error": str(exc)})
            continue
        out.approved.append(job_id)
    return out
