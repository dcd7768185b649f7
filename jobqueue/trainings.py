"""Trainings: the kinds are declared in machines.yaml (`trainings:`, per machine kind or
machine); records say who trained whom, when, and until when. Approving a job for a machine
whose trainings its owner lacks needs a supervised workshop session or an explicit override
with a reason (kept in the job's audit log)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from jobqueue import permissions
from jobqueue.errors import RequestError
from jobqueue.models import Job, User, utcnow
from jobqueue.models_people import TrainingRecord
from jobqueue.permissions import Action
from jobqueue.states import JobState
from slicing.machine_spec import FablabSpec, Machine
from slicing.people_spec import TrainingKind

MAX_VALID_DAYS = 3650


def _aware(when: dt.datetime | None) -> dt.datetime | None:
    return when.replace(tzinfo=dt.UTC) if when is not None and when.tzinfo is None else when


def training_kind(spec: FablabSpec, kind: str) -> TrainingKind:
    for tr in spec.trainings:
        if tr.id == kind:
            return tr
    raise RequestError(f"no training '{kind}' in machines.yaml (known: {', '.join(t.id for t in spec.trainings)})",
                       code="training_unknown", kind=kind, known=[t.id for t in spec.trainings])


def valid_records(s: Session, user_id: int, now: dt.datetime | None = None) -> list[TrainingRecord]:
    now = now or utcnow()
    rows = s.scalars(select(TrainingRecord).where(TrainingRecord.user_id == user_id).order_by(TrainingRecord.id))
    return [r for r in rows if r.valid_until is None or _aware(r.valid_until) > now]


def missing_for(s: Session, spec: FablabSpec, user_id: int, machines: list[Machine]) -> list[str]:
    """The trainings `user_id` lacks for these machines (one covering each machine is enough)."""
    return missing_given(spec, {r.kind for r in valid_records(s, user_id)}, machines)


def missing_given(spec: FablabSpec, held: set[str], machines: list[Machine]) -> list[str]:
    """`missing_for` with the trainings held already read (a list of many jobs reads them once per owner)."""
    missing: list[str] = []
    for machine in machines:
        needed = [tr.id for tr in spec.trainings_for(machine)]
        if needed and not held.intersection(needed):
            missing.extend(k for k in needed if k not in missing)
    return missing


def gate(s: Session, spec: FablabSpec, approver: User, job: Job, machines: list[Machine],
         override_reason: str | None = None) -> str | None:
    """Called by approve. Returns a note for the audit row (None when the owner is trained),
    or raises `training_missing` when neither a supervised session nor an override covers it."""
    missing = missing_for(s, spec, job.owner_id, machines)
    if not missing:
        return None
    if job.workshop is not None and job.workshop.supervised:
        return f"training {', '.join(missing)} missing: supervised session {job.workshop.id}"
    reason = (override_reason or "").strip()
    if reason:
        permissions.require(approver, Action.OVERRIDE_TRAINING, job)
        return f"training {', '.join(missing)} missing: override by {approver.username}: {reason[:500]}"
    raise RequestError(f"the owner of job {job.id} lacks the training {', '.join(missing)}: "
                       "approve in a supervised session or give an override reason",
                       code="training_missing", job=job.id, kinds=missing)


def record(s: Session, spec: FablabSpec, trainer: User, user: User, kind: str, valid_days: int | None = None,
           job: Job | None = None) -> TrainingRecord:
    """`trainer` records that `user` is trained on `kind` (from now, for `valid_days`)."""
    if job is not None:
        permissions.require(trainer, Action.RECORD_TRAINING, job)
    else:
        permissions.require(trainer, Action.RECORD_TRAININGS)
    tr = training_kind(spec, kind)
    days = tr.valid_days if valid_days is None else valid_days
    if days is not None and not 1 <= days <= MAX_VALID_DAYS:
        raise RequestError(f"valid_days must be 1 to {MAX_VALID_DAYS}", code="training_days")
    now = utcnow()
    rec = TrainingRecord(user_id=user.id, kind=tr.id, trainer_id=trainer.id, trained_at=now,
                         valid_until=now + dt.timedelta(days=days) if days else None,
                         job_id=job.id if job is not None else None)
    s.add(rec)
    s.flush()
    return rec


def record_from_job(s: Session, spec: FablabSpec, trainer: User, job: Job) -> list[TrainingRecord]:
    """After a trainee's supervised job completed: record the trainings its machine needs."""
    if job.state != JobState.COMPLETED.value or job.machine_id is None:
        raise RequestError(f"job {job.id} has not completed on a machine", code="training_job_not_completed")
    owner = s.get(User, job.owner_id)
    missing = missing_for(s, spec, job.owner_id, [spec.machine(job.machine_id)])
    return [record(s, spec, trainer, owner, kind, job=job) for kind in missing]


def renew_on_completion(s: Session, spec: FablabSpec, job: Job) -> None:
    """A completed job renews the owner's `renew_on_job` trainings covering its machine."""
    if job.machine_id is None:
        return
    try:
        machine = spec.machine(job.machine_id)
    except KeyError:
        return
    renewing = {tr.id: tr for tr in spec.trainings_for(machine) if tr.renew_on_job and tr.valid_days}
    now = utcnow()
    for rec in valid_records(s, job.owner_id, now):
        if rec.kind in renewing:
            rec.valid_until = max(_aware(rec.valid_until) or now, now + dt.timedelta(days=renewing[rec.kind].valid_days))


def records_of(s: Session, user_id: int) -> list[TrainingRecord]:
    return list(s.scalars(select(TrainingRecord).where(TrainingRecord.user_id == user_id)
                          .order_by(TrainingRecord.trained_at.desc())))
