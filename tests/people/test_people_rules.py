"""Workshop sessions, quotas, trainings, send back and revise, notifications: the rules in
jobqueue, on the real database and Valkey (no workers: the states are moved as they would)."""

from __future__ import annotations

import datetime as dt
import io

import pytest

from jobqueue import notifications, quotas, revisions, services, trainings, workshops
from jobqueue.errors import PermissionDenied, RequestError
from jobqueue.models import Job, JobEvent, User, utcnow
from jobqueue.models_people import Notification
from jobqueue.states import JobState, transition

SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="50mm" height="40mm"><rect width="40" height="30"/></svg>'


def _user(s, uid: int) -> User:  # noqa: ANN001
    return s.get(User, uid)


def _submit(ctx, s, uid: int, ws_id: int | None = None, process: str = "laser", name: str = "p.svg") -> Job:  # noqa: ANN001
    return services.submit_job(s, ctx.redis(), ctx.store, ctx.spec(), _user(s, uid), io.BytesIO(SVG), name, process,
                               workshop_id=ws_id)


def _to_review(s, job: Job) -> None:  # noqa: ANN001
    transition(s, job, JobState.ANALYSING, actor="system:test")
    job.analysis = {"valid": True, "issues": [{"code": "open_contour", "severity": "warning"}]}
    transition(s, job, JobState.PENDING_REVIEW, actor="system:test")
    s.commit()


def test_session_join_upload_quota_and_end(fablab_env, people) -> None:  # noqa: ANN001
    ctx = fablab_env
    with ctx.session() as s:
        with pytest.raises(PermissionDenied):
            workshops.create_session(s, ctx.spec(), _user(s, people["member"]), "X", ["laser"])
        ws = workshops.create_session(s, ctx.spec(), _user(s, people["trainer"]),
                                      "De la modélisation à la création", ["laser", "fdm"], quota_jobs_per_trainee=2)
        code, ws_id = ws.code, ws.id
        assert len(code) == 6 and code.isalnum() and not set(code) & set("0O1IL")
    with ctx.session() as s:
        with pytest.raises(RequestError) as err:
            _submit(ctx, s, people["a1"], ws_id)
        assert err.value.code == "session_not_joined"
        assert workshops.join_session(s, _user(s, people["a1"]), f" {code[:3].lower()}-{code[3:]} ").id == ws_id
        workshops.join_session(s, _user(s, people["a1"]), code)  # joining twice is harmless
        assert [w.id for w in workshops.joined_sessions(s, _user(s, people["a1"]))] == [ws_id]
        with pytest.raises(RequestError) as err:
            workshops.join_session(s, _user(s, people["a2"]), "ZZZZZZ")
        assert err.value.code == "session_unknown_code"
    with ctx.session() as s:
        first = _submit(ctx, s, people["a1"], ws_id)
        assert (first.session_id, first.session_label) == (ws_id, "De la modélisation à la création")
        with pytest.raises(RequestError) as err:
            _submit(ctx, s, people["a1"], ws_id, process="cnc", name="p.dxf")
        assert err.value.code in ("session_process", "request_refused")
        _submit(ctx, s, people["a1"], ws_id)
        with pytest.raises(quotas.QuotaExceeded) as err:
            _submit(ctx, s, people["a1"], ws_id)
        assert err.value.limit == "session_jobs" and err.value.params["allowed"] == 2
        assert "quota reached: session_jobs 2 of 2" in str(err.value)
    with ctx.session() as s:
        s.get(Job, first.id).state = JobState.CANCELLED.value  # a cancelled job gives its place back
    with ctx.session() as s:
        _submit(ctx, s, people["a1"], ws_id)
        ws = s.get(workshops.WorkshopSession, ws_id)
        ws.ends_at = utcnow() - dt.timedelta(minutes=1)
    with ctx.session() as s:
        with pytest.raises(RequestError) as err:
            _submit(ctx, s, people["a1"], ws_id)
        assert err.value.code == "session_ended"
        assert workshops.joined_sessions(s, _user(s, people["a1"])) == []


@pytest.mark.both_engines
def test_tier_quota_names_the_limit_and_the_reset(fablab_env, people) -> None:  # noqa: ANN001
    ctx = fablab_env
    limit = ctx.spec().tier("training").quota.jobs_waiting
    with ctx.session() as s:
        for _ in range(limit):
            _submit(ctx, s, people["a3"])
        with pytest.raises(quotas.QuotaExceeded) as err:
            _submit(ctx, s, people["a3"])
        assert err.value.limit == "jobs_waiting" and err.value.used == limit
        use = quotas.usage(s, ctx.spec(), _user(s, people["a3"]))
        assert use.over() == ["jobs_waiting"] and use.resets > utcnow()
    start, end = quotas.month_window(ctx.spec(), dt.datetime(2026, 12, 15, 12, tzinfo=dt.UTC))
    assert (start.isoformat(), end.isoformat()) == ("2026-11-30T23:00:00+00:00", "2026-12-31T23:00:00+00:00")


def test_training_gate_override_supervision_and_renewal(fablab_env, people) -> None:  # noqa: ANN001
    ctx, spec = fablab_env, fablab_env.spec()
    with ctx.session() as s:
        job = _submit(ctx, s, people["member"])
        _to_review(s, job)
        fab = _user(s, people["fab"])
        with pytest.raises(RequestError) as err:
            services.approve(s, ctx.redis(), spec, fab, job, "laser-1")
        assert err.value.code == "training_missing" and err.value.params["kinds"] == ["laser"]
        assert s.get(Job, job.id).state == "pending_review"
        services.approve(s, ctx.redis(), spec, fab, job, "laser-1", override_training="vu avec lui ce matin")
        event = s.query(JobEvent).filter_by(job_id=job.id, to_state="preparing").one()
        assert "override by fab: vu avec lui ce matin" in event.reason
    with ctx.session() as s:  # a supervised session needs no override
        ws = workshops.create_session(s, spec, _user(s, people["trainer"]), "Atelier", ["laser"])
        workshops.join_session(s, _user(s, people["a1"]), ws.code)
        job = _submit(ctx, s, people["a1"], ws.id)
        _to_review(s, job)
        services.approve(s, ctx.redis(), spec, _user(s, people["trainer"]), job, "laser-1")
        for step in (JobState.READY, JobState.RUNNING, JobState.COMPLETED):
            transition(s, job, step, actor="system:test")
        s.commit()
        recs = trainings.record_from_job(s, spec, _user(s, people["trainer"]), job)
        assert [r.kind for r in recs] == ["laser"] and recs[0].job_id == job.id
        assert trainings.missing_for(s, spec, people["a1"], [spec.machine("laser-1")]) == []
        recs[0].valid_until = utcnow() + dt.timedelta(days=2)
        s.flush()
        trainings.renew_on_completion(s, spec, job)  # renew_on_job: a year again
        assert recs[0].valid_until > utcnow() + dt.timedelta(days=300)
        with pytest.raises(PermissionDenied):
            trainings.record(s, spec, _user(s, people["a2"]), _user(s, people["a3"]), "laser")
        with pytest.raises(RequestError):
            trainings.record(s, spec, _user(s, people["fab"]), _user(s, people["a3"]), "soldering")


def test_send_back_revise_keeps_history_and_notifies_by_mail(fablab_env, people, smtp) -> None:  # noqa: ANN001
    from web.mail import deliver_pending

    ctx = fablab_env
    with ctx.session() as s:
        ws = workshops.create_session(s, ctx.spec(), _user(s, people["trainer"]), "Atelier", ["laser"])
        workshops.join_session(s, _user(s, people["a2"]), ws.code)
        job = _submit(ctx, s, people["a2"], ws.id, name="v1.svg")
        _to_review(s, job)
        with pytest.raises(PermissionDenied):
            revisions.send_back(s, _user(s, people["a2"]), job, "no")
        with pytest.raises(RequestError):
            revisions.send_back(s, _user(s, people["trainer"]), job, "  ")
        revisions.send_back(s, _user(s, people["trainer"]), job, "Les trous sont trop petits")
        job_id = job.id
    with ctx.session() as s:
        job = s.get(Job, job_id)
        assert job.state == "sent_back"
        with pytest.raises(PermissionDenied):
            revisions.revise(s, ctx.redis(), ctx.store, _user(s, people["a1"]), job, io.BytesIO(SVG), "v2.svg", 1 << 20)
        revisions.revise(s, ctx.redis(), ctx.store, _user(s, people["a2"]), job, io.BytesIO(SVG + b" "), "v2.svg",
                         1 << 20)
    with ctx.session() as s:
        job = s.get(Job, job_id)
        assert (job.state, job.revision, job.filename, job.analysis) == ("submitted", 2, "v2.svg", None)
        [old] = revisions.history(s, job_id)
        assert (old.number, old.filename, old.state, old.comment) == (1, "v1.svg", "sent_back", "Les trous sont trop petits")
        assert old.analysis["issues"][0]["code"] == "open_contour"
        kinds = [n.kind for n in s.query(Notification).filter_by(user_id=people["a2"])]
        assert kinds == ["sent_back"]
        assert notifications.unread_count(s, people["a2"]) == 1
    assert deliver_pending() == 1
    [msg] = smtp.to("a2@example.org")
    assert msg["Subject"] == f"Job #{job_id} sent back"  # a2 reads English
    body = msg.get_payload(decode=True).decode()
    assert "Les trous sont trop petits" in body and f"/jobs/{job_id}" in body
    assert deliver_pending() == 0  # never sent twice
    with ctx.session() as s:
        assert s.query(Notification).filter_by(user_id=people["a2"]).one().email_state == "sent"
        user = _user(s, people["a1"])
        user.email_notifications = False
        job = _submit(ctx, s, people["a1"], name="x.svg")
        _to_review(s, job)
        services.reject(s, _user(s, people["fab"]), job, "trop fin")
        note = s.query(Notification).filter_by(user_id=people["a1"]).one()
        assert (note.kind, note.email_state, note.params["reason"]) == ("rejected", None, "trop fin")


@pytest.mark.parametrize("role", ["member", "trainee", "trainer", "fabmanager", "admin"])
def test_cli_user_add_takes_every_role(fablab_env, role, capsys) -> None:  # noqa: ANN001
    from jobqueue.cli.main import main
    from jobqueue.users import get_user

    assert main(["user", "add", f"u-{role}", "--role", role, "--password", "un-mot-de-passe"]) == 0
    with fablab_env.session() as s:
        assert get_user(s, f"u-{role}").role == role
