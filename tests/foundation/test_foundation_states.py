"""The state machine: allowed moves are applied with an audit row, others refused whole."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from jobqueue.models import Job, JobEvent, User
from jobqueue.states import ALLOWED, IllegalTransition, JobState, transition

pytestmark = pytest.mark.both_engines  # SQLite and PostgreSQL (tests/db_engines.py)


@pytest.fixture
def job(fablab_env):  # noqa: ANN001, ANN201
    with fablab_env.session() as s:
        user = User(username="u", password_hash="x")
        s.add(user)
        s.flush()
        j = Job(owner_id=user.id, filename="a.svg", file_sha256="0" * 64, file_size=1, process="laser",
                state=JobState.SUBMITTED.value, options={})
        s.add(j)
    return j


def test_allowed_path_writes_one_audit_row_per_change(fablab_env, job) -> None:  # noqa: ANN001
    path = [JobState.ANALYSING, JobState.PENDING_REVIEW, JobState.PREPARING, JobState.READY,
            JobState.RUNNING, JobState.PAUSED, JobState.RUNNING, JobState.COMPLETED]
    with fablab_env.session() as s:
        j = s.get(Job, job.id)
        for to in path:
            transition(s, j, to, actor="tester", reason=f"to {to}")
    with fablab_env.session() as s:
        events = s.scalars(select(JobEvent).where(JobEvent.job_id == job.id).order_by(JobEvent.id)).all()
        assert [e.to_state for e in events] == [p.value for p in path]
        assert [e.from_state for e in events] == ["submitted"] + [p.value for p in path[:-1]]
        assert all(e.actor == "tester" and e.at is not None for e in events)
        assert s.get(Job, job.id).state == "completed"


@pytest.mark.parametrize("current,wanted", [
    ("submitted", "running"), ("analysing", "completed"), ("pending_review", "running"),
    ("completed", "running"), ("rejected", "preparing"), ("invalid", "pending_review"),
    ("ready", "completed"), ("paused", "completed"),
])
def test_illegal_transitions_are_refused_and_change_nothing(fablab_env, job, current, wanted) -> None:  # noqa: ANN001
    with fablab_env.session() as s:
        j = s.get(Job, job.id)
        j.state = current
    with pytest.raises(IllegalTransition, match=f"cannot go from '{current}' to '{wanted}'"):
        with fablab_env.session() as s:
            transition(s, s.get(Job, job.id), wanted, actor="tester")
    with fablab_env.session() as s:
        assert s.get(Job, job.id).state == current
        assert s.scalars(select(JobEvent).where(JobEvent.job_id == job.id)).all() == []


def test_unknown_state_is_refused(fablab_env, job) -> None:  # noqa: ANN001
    with pytest.raises(ValueError):
        with fablab_env.session() as s:
            transition(s, s.get(Job, job.id), "teleported", actor="tester")


def test_stale_object_cannot_overwrite_a_concurrent_change(fablab_env, job) -> None:  # noqa: ANN001
    """Two workers hold the same job; the second one's move from the old state is refused."""
    with fablab_env.session() as s1, fablab_env.session() as s2:
        a, b = s1.get(Job, job.id), s2.get(Job, job.id)
        transition(s1, a, JobState.ANALYSING, actor="w1")
        s1.commit()
        with pytest.raises(IllegalTransition):
            transition(s2, b, JobState.CANCELLED, actor="w2")
            s2.commit()


def test_every_state_is_in_the_graph() -> None:
    assert set(ALLOWED) == set(JobState)
    for targets in ALLOWED.values():
        assert targets <= set(JobState)
