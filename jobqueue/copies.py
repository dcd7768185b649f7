"""Copies spread over a group: N copies approved onto a group of machines run in parallel.

Why a job per copy: a job describes one run at a time (its state, checkpoint, progress, control
and heartbeat are the job's), and the records give a machine to one job at a time. So when the
target is a group, approval makes N-1 more jobs beside the first, each a copy of it (same owner,
file, analysis, material and options) waiting in the queue right behind it with one copy to make
(`QueueEntry.copy_of` names the first). Dispatch then gives each the first free member of the
group: as many copies run at once as members are free, never two on one machine, and each run
is counted and billed on its own. A copy approved onto one machine keeps the runs of one job
(jobqueue.runs): they follow each other on that machine anyway.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from jobqueue.models import Job, JobEvent
from jobqueue.models_machines import QueueEntry
from jobqueue.states import JobState

COPY_REASON = "copy {n} of job {job}"  # the history reason (web.history_reasons says it)


def spread(session: Session, job: Job, entry: QueueEntry, actor: str) -> list[Job]:
    """Make the copies after the first of a job approved onto a group (see the module docstring).
    The job itself keeps one copy to make. Returns the new jobs (flushed, not committed)."""
    n = entry.copies
    if n <= 1:
        return []
    entry.copies = 1
    made = []
    for k in range(2, n + 1):
        copy = Job(owner_id=job.owner_id, filename=job.filename, file_sha256=job.file_sha256, file_size=job.file_size,
                   process=job.process, material=job.material, options=dict(job.options or {}),
                   state=JobState.PREPARING.value, analysis=job.analysis, session_label=job.session_label,
                   session_id=job.session_id, revision=job.revision, machine_id=None)
        session.add(copy)
        session.flush()
        session.add(JobEvent(job_id=copy.id, actor=actor, from_state=None, to_state=copy.state,
                             reason=COPY_REASON.format(n=k, job=job.id)))
        # right behind the first, before anything approved later (which gets rank + 1)
        session.add(QueueEntry(job_id=copy.id, target=entry.target, copies=1, priority=entry.priority,
                               rank=entry.rank + (k - 1) / n, copy_of=job.id))
        made.append(copy)
    session.flush()
    return made


def family(session: Session, job_id: int) -> tuple[int, list[tuple[int, str]]]:
    """The first job of a set of copies and every job of the set (id, state), in order; a job
    made alone is its own set of one."""
    return family_of(session, job_id, session.get(QueueEntry, job_id))


def family_of(session: Session, job_id: int, entry: QueueEntry | None) -> tuple[int, list[tuple[int, str]]]:
    """`family`, for a caller that already read the job's queue entry (the job page: a missing
    entry is not kept by the session, so it would be read twice)."""
    first = entry.copy_of if entry is not None and entry.copy_of else job_id
    # By primary key and the copy_of index: an OR across the outer join scanned every job (the
    # job page's costliest query on 1,000 jobs, bench/web_load.py)
    copies = select(QueueEntry.job_id).where(QueueEntry.copy_of == first).scalar_subquery()
    rows = session.execute(select(Job.id, Job.state).where((Job.id == first) | Job.id.in_(copies))
                           .order_by(Job.id)).all()
    return first, [(r.id, r.state) for r in rows]


def entry_and_family(session: Session, job: Job) -> tuple[QueueEntry | None, int, list[tuple[int, str]]]:
    """The job's queue entry and `family`, for the job page: the entry and any entry naming the
    job as their first are read in one query, so a job made alone (most jobs) costs no second
    query; a copy, or a first with copies, reads its set as `family_of` does."""
    rows = session.scalars(select(QueueEntry).where((QueueEntry.job_id == job.id) | (QueueEntry.copy_of == job.id))).all()
    entry = next((e for e in rows if e.job_id == job.id), None)
    if (entry is not None and entry.copy_of) or any(e.copy_of == job.id for e in rows):
        return (entry, *family_of(session, job.id, entry))
    return entry, job.id, [(job.id, job.state)]
