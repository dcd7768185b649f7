"""Send back and revise: the fabmanager or the trainer sends a job back with a comment; its owner
sends a corrected file as a new revision of the same job. Earlier files and their analyses are
kept (job_revisions); the new file is analysed again."""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

import redis
from sqlalchemy import select
from sqlalchemy.orm import Session

from jobqueue import queues
from jobqueue.errors import RequestError
from jobqueue.filestore import FileStore
from jobqueue.models import Job, User
from jobqueue.models_people import JobRevision
from jobqueue.permissions import Action, require
from jobqueue.states import JobState, transition

MAX_COMMENT = 2000


def send_back(s: Session, user: User, job: Job, comment: str) -> Job:
    require(user, Action.SEND_BACK, job)
    comment = (comment or "").strip()
    if not comment:
        raise RequestError("a comment is required to send a job back", code="comment_required")
    comment = comment[:MAX_COMMENT]
    transition(s, job, JobState.SENT_BACK, actor=user.username, reason=comment)
    job.reason = comment
    s.commit()
    return job


def revise(s: Session, conn: redis.Redis, store: FileStore, user: User, job: Job, stream: BinaryIO,
           filename: str, max_bytes: int) -> Job:
    """Keep the current file as a revision, take the new one, and analyse it again."""
    from jobqueue.services import ALLOWED_SUFFIXES, safe_label  # the upload rules, written once

    require(user, Action.REVISE, job)
    label = safe_label(filename)
    suffix = Path(label).suffix.lower()
    if suffix not in ALLOWED_SUFFIXES or job.process not in ALLOWED_SUFFIXES[suffix]:
        raise RequestError(f"a revision of a {job.process} job must be a file for {job.process}",
                           code="revision_type", process=job.process)
    sha, size = store.put_stream(stream, max_bytes=max_bytes)
    previous = job.state
    s.add(JobRevision(job_id=job.id, number=job.revision or 1, filename=job.filename, file_sha256=job.file_sha256,
                      file_size=job.file_size, analysis=job.analysis, state=previous, comment=job.reason))
    transition(s, job, JobState.SUBMITTED, actor=user.username, reason=f"revision {(job.revision or 1) + 1}")
    job.revision = (job.revision or 1) + 1
    job.filename, job.file_sha256, job.file_size = label, sha, size
    job.analysis, job.reason = None, None
    s.commit()  # durable before a worker looks for it
    queues.enqueue_analysis(conn, job.id)
    return job


def history(s: Session, job_id: int) -> list[JobRevision]:
    return list(s.scalars(select(JobRevision).where(JobRevision.job_id == job_id).order_by(JobRevision.number)))
