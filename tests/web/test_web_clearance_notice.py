"""A run that leaves its machine to be cleared tells the staff and the job's owner."""

from __future__ import annotations

from sqlalchemy import select
from web_helpers import make_job

from jobqueue import runs
from jobqueue.models import Job, User
from jobqueue.models_people import Notification
from jobqueue.states import JobState


def test_a_machine_to_clear_is_notified_to_staff_and_owner(fablab_env, accounts) -> None:  # noqa: ANN001
    job_id = make_job(fablab_env, "member", "running")
    with fablab_env.session() as s:
        job = s.get(Job, job_id)
        runs.ended(s, fablab_env.spec(), job, job.machine_id, JobState.COMPLETED, None, job.program_lines)
        s.commit()
        told = {s.get(User, n.user_id).username: n.params for n in
                s.scalars(select(Notification).where(Notification.kind == "awaiting_clearance"))}
    assert set(told) >= {"fabmanager", "member"}
    assert told["member"]["machine"] == "laser-1" and told["member"]["job"] == job_id
