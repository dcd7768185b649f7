"""Calibration from real runs and the queue's expected finish times, on hand-made histories."""

from __future__ import annotations

import datetime as dt

import pytest

from jobqueue.calibration import calibrate, calibrated_seconds, running_seconds
from jobqueue.models import Job, JobEvent, User
from jobqueue.planning import plan

T0 = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)


def _completed_job(s, user, machine: str, model: float, segments: list[tuple[float, float]]) -> Job:  # noqa: ANN001
    """A completed job whose running intervals are `segments` (start, end) in seconds from T0."""
    job = Job(owner_id=user.id, filename="x.svg", file_sha256="0" * 64, file_size=1, process="laser",
              machine_id=machine, state="completed", options={}, program_info={"model_seconds": model},
              finished_at=T0 + dt.timedelta(seconds=segments[-1][1]))
    s.add(job)
    s.flush()
    for i, (start, end) in enumerate(segments):
        s.add(JobEvent(job_id=job.id, actor="t", from_state="ready" if i == 0 else "paused", to_state="running",
                       at=T0 + dt.timedelta(seconds=start)))
        last = i == len(segments) - 1
        s.add(JobEvent(job_id=job.id, actor="t", from_state="running", to_state="completed" if last else "paused",
                       at=T0 + dt.timedelta(seconds=end)))
    return job


@pytest.fixture
def user(fablab_env):  # noqa: ANN001, ANN201
    with fablab_env.session() as s:
        u = User(username="u", password_hash="x")
        s.add(u)
    return u


def test_running_time_excludes_pauses(fablab_env, user) -> None:  # noqa: ANN001
    with fablab_env.session() as s:
        job = _completed_job(s, user, "laser-1", 100, [(0, 60), (600, 660)])  # paused 9 minutes
        s.flush()
        assert running_seconds(job.events) == pytest.approx(120)


def test_correction_learned_and_error_reported(fablab_env, user) -> None:  # noqa: ANN001
    with fablab_env.session() as s:
        assert calibrate(s, "laser-1").factor == 1.0  # nothing learned yet
        # The machine runs 10 % slower than the model, with some noise.
        for model, actual in ((100, 108), (200, 222), (50, 55), (400, 440)):
            _completed_job(s, user, "laser-1", model, [(0, actual)])
        s.flush()
        c = calibrate(s, "laser-1")
    # least squares through the origin: k = Σ m·a / Σ m²
    #   = (100·108 + 200·222 + 50·55 + 400·440) / (100² + 200² + 50² + 400²) = 233950 / 212500
    assert c.runs == 4 and c.factor == pytest.approx(233950 / 212500)
    # |a - m| / a = 7.41, 9.91, 9.09, 9.09 %: the median is 9.09 %
    assert c.error_before_pct == pytest.approx(9.1, abs=0.05)
    assert c.error_after_pct < c.error_before_pct
    with fablab_env.session() as s:
        assert calibrated_seconds(s, "laser-1", 1000) == pytest.approx(1000 * c.factor)
        assert calibrate(s, "cnc-1").runs == 0


def test_too_few_runs_are_reported_but_not_applied(fablab_env, user) -> None:  # noqa: ANN001
    with fablab_env.session() as s:
        _completed_job(s, user, "laser-1", 100, [(0, 200)])
        s.flush()
        c = calibrate(s, "laser-1")
    assert c.runs == 1 and c.factor == 1.0 and not c.applied and c.error_before_pct == pytest.approx(50)


def test_plan_chains_ready_jobs_after_the_running_one(fablab_env, user) -> None:  # noqa: ANN001
    from jobqueue import live

    with fablab_env.session() as s:
        jobs = []
        for state, est in (("running", 600), ("ready", 300), ("ready", 120)):
            j = Job(owner_id=user.id, filename="x.svg", file_sha256="0" * 64, file_size=1, process="laser",
                    machine_id="laser-1", state=state, options={}, estimated_seconds=est)
            s.add(j)
            s.flush()
            jobs.append(j)
        live.publish_progress(fablab_env.redis(), jobs[0].id, {"eta_seconds": 100.0})
        planned = plan(s, fablab_env.redis(), now=T0)
    assert [p.job_id for p in planned] == [j.id for j in jobs]
    assert [p.expected_finish for p in planned] == [T0 + dt.timedelta(seconds=x) for x in (100, 400, 520)]
