"""What the records guarantee when runs die: one run per machine, stranded runs ended with a
reason and their checkpoint, commands for a run nobody runs refused or ending it, and the ETA
table stored once per program."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
import redis
from chaos_kit import make_ready_job, program
from redis.backoff import NoBackoff
from redis.retry import Retry

from drivers.base import Progress
from jobqueue import heartbeat, live, machine_status, reasons
from jobqueue.models import Job, utcnow
from jobqueue.reaper import reap
from jobqueue.run_live import RunLive, TimeTable, ack_times, decode_table, encode_table, progress_payload
from jobqueue.states import JobState, MachineBusy, transition


def _running(ctx, machine_id: str = "laser-1", beat_age_s: float | None = 0.0, acked: int = 0) -> int:  # noqa: ANN001
    job_id = make_ready_job(ctx, machine_id, program(20))
    with ctx.session() as s:
        job = s.get(Job, job_id)
        transition(s, job, JobState.RUNNING, actor="test")
        job.lines_acked = acked
        if beat_age_s is not None:
            job.heartbeat_at = utcnow() - dt.timedelta(seconds=beat_age_s)
    return job_id


@pytest.mark.both_engines
def test_a_machine_with_a_job_running_cannot_start_another(fablab_env, accounts) -> None:  # noqa: ANN001
    first = _running(fablab_env)
    second = make_ready_job(fablab_env, "laser-1", program(20))
    other_machine = make_ready_job(fablab_env, "cnc-1", program(20))
    with fablab_env.session() as s, pytest.raises(MachineBusy) as info:
        transition(s, s.get(Job, second), JobState.RUNNING, actor="test")
    assert info.value.machine_id == "laser-1"
    with fablab_env.session() as s:
        assert s.get(Job, second).state == "ready"  # nothing written
        transition(s, s.get(Job, other_machine), JobState.RUNNING, actor="test")  # another machine: fine
        transition(s, s.get(Job, first), JobState.PAUSED, actor="test")  # the holder changes its own state
    with fablab_env.session() as s, pytest.raises(MachineBusy):
        transition(s, s.get(Job, second), JobState.RUNNING, actor="test")  # paused still holds it
    with fablab_env.session() as s:
        transition(s, s.get(Job, first), JobState.CANCELLED, actor="test")
    with fablab_env.session() as s:
        transition(s, s.get(Job, second), JobState.RUNNING, actor="test")  # free again


@pytest.mark.both_engines
def test_reaper_ends_a_run_whose_heartbeat_stopped_with_its_checkpoint(fablab_env, accounts) -> None:  # noqa: ANN001
    ctx, conn = fablab_env, fablab_env.redis()
    stale = _running(ctx, "laser-1", beat_age_s=heartbeat.STALE_S + 1, acked=7)
    live.set_acked(conn, stale, 11)  # the run's count at its last acknowledgement, newer than the checkpoint
    fresh = _running(ctx, "cnc-1", beat_age_s=0.0)
    assert reap(ctx, conn) == [stale]
    with ctx.session() as s:
        job = s.get(Job, stale)
        assert job.state == "interrupted" and job.lines_acked == 11
        assert reasons.parse(job.reason) == ("run.interrupted", {"cause": "heartbeat_lost", "line": 11})
        assert machine_status.state_of(machine_status.get(s, "laser-1")) == machine_status.NEEDS_ATTENTION
        assert s.get(Job, fresh).state == "running"
    assert live.machine_status(conn, "laser-1")["state"] == "needs_attention"
    assert reap(ctx, conn) == []  # ended once


def test_a_beat_from_a_process_of_this_host_that_is_gone_is_dead_at_once(fablab_env, accounts) -> None:  # noqa: ANN001
    ctx, conn = fablab_env, fablab_env.redis()
    job_id = _running(ctx, beat_age_s=0.0)
    heartbeat.beat(conn, job_id, pid=2**22 + 12345)  # no such process
    with ctx.session() as s:
        assert not heartbeat.alive(conn, s.get(Job, job_id))
    heartbeat.beat(conn, job_id, pid=1)  # init: alive
    with ctx.session() as s:
        assert heartbeat.alive(conn, s.get(Job, job_id))
        assert heartbeat.alive(None, s.get(Job, job_id))  # Redis away: the database beat decides


@pytest.mark.parametrize("command, state, status", [("pause", "interrupted", 409), ("resume", "interrupted", 409),
                                                    ("cancel", "cancelled", 202)])
def test_control_of_a_run_nobody_runs_never_answers_a_silent_accept(client, fablab_env, accounts, command: str,  # noqa: ANN001
                                                                    state: str, status: int) -> None:
    job_id = _running(fablab_env, beat_age_s=heartbeat.STALE_S + 5, acked=3)
    r = client.post(f"/api/v1/jobs/{job_id}/{command}", headers=accounts["fabmanager"].headers)
    assert r.status_code == status, r.json
    if status == 202:
        assert r.json["state"] == "cancelled"  # done, and the answer says so
    with fablab_env.session() as s:
        job = s.get(Job, job_id)
        assert job.state == state and reasons.parse(job.reason)[1]["cause"] == "no_runner"
    assert live.next_control(fablab_env.redis(), job_id, timeout=0.1) is None  # nothing left waiting


def test_control_of_a_live_run_goes_to_its_loop(client, fablab_env, accounts) -> None:  # noqa: ANN001
    job_id = _running(fablab_env, beat_age_s=0.0)
    r = client.post(f"/api/v1/jobs/{job_id}/pause", headers=accounts["fabmanager"].headers)
    assert r.status_code in (200, 202), r.json
    assert live.next_control(fablab_env.redis(), job_id, timeout=1) == ("pause", "fabmanager")


@pytest.mark.both_engines
def test_an_interrupted_run_shows_as_such_and_resumes_without_its_old_reason(client, fablab_env, accounts) -> None:  # noqa: ANN001
    ctx = fablab_env
    job_id = _running(ctx, beat_age_s=heartbeat.STALE_S + 1, acked=5)
    reap(ctx, ctx.redis())
    fm = accounts["fabmanager"].headers
    got = client.get(f"/api/v1/jobs/{job_id}", headers=fm).json
    assert got["state"] == "interrupted" and got["progress"]["lines_acked"] == 5
    assert reasons.parse(got["reason"])[0] == "run.interrupted"
    r = client.post(f"/api/v1/jobs/{job_id}/retry", json={}, headers=fm)
    assert r.status_code == 202 and r.json["state"] == "ready", r.json
    with ctx.session() as s:
        job = s.get(Job, job_id)
        assert (job.state, job.reason, job.lines_acked) == ("ready", None, 5)


def test_run_live_skips_redis_while_it_is_away() -> None:
    # No retries in this client: redis-py 8 retries a refused connection 10 times with backoff by
    # default (~4 s a call); what is tested is RunLive's answer to the error, however late it comes.
    dead = redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.2, retry=Retry(NoBackoff(), 0))
    rl = RunLive(dead, 1)
    assert rl.call(live.set_acked, 1, 5) is None and rl.down
    assert rl.call(live.last_acked, 1) is None and rl.down


def test_percent_and_eta_come_from_one_table(motion_machine) -> None:  # noqa: ANN001
    from slicing.motion import estimate_program

    lines = program(200)
    est = estimate_program(lines, motion_machine)
    done = ack_times(est)
    assert len(done) == len(lines) and np.all(np.diff(done) >= 0) and done[-1] <= est.seconds
    table = decode_table(encode_table(done, est.seconds), len(lines))
    assert isinstance(table, TimeTable) and table.total == pytest.approx(est.seconds, rel=1e-5)
    assert decode_table(encode_table(done, est.seconds), len(lines) + 1) is None  # another program's table
    for acked in (0, 1, 50, 150, 200):
        p = progress_payload(Progress(acked, len(lines), 0, "Run"), table, len(lines), "running")
        left = p["eta_seconds"]
        assert p["percent"] == pytest.approx(100.0 * (1 - left / table.total), abs=0.1)  # same numbers
    assert progress_payload(None, table, len(lines), "running")["eta_seconds"] == pytest.approx(table.total, abs=0.1)


@pytest.fixture
def motion_machine(fablab_env):  # noqa: ANN001, ANN201
    return fablab_env.spec().machine("laser-1")


def test_resume_is_refused_when_the_preamble_cannot_restore_the_state() -> None:
    from jobqueue.resume_check import resume_blockers

    laser = ["G21", "G90", "M4 S0", *[f"G1 X{i} Y1 S300 F1500" for i in range(10)], "M5"]
    assert resume_blockers(laser, 8) == []
    offset = ["G21", "G90", "G92 X0 Y0", *laser[2:]]
    assert resume_blockers(offset, 2) == []  # before the offset: nothing to restore
    assert resume_blockers(offset, 8) == [("resume_g92_offset", {"line": 3, "text": "G92 X0 Y0"})]
    printer = ["M140 S60", "G28", "G92 E0", "G1 X10 Y10 E1 F1200", "G1 X20 Y10 E2"]
    assert resume_blockers(printer, 4) == [("resume_needs_homing", {"line": 2, "homing": "G28", "from_line": 4})]
    assert resume_blockers(printer, 4, machine_homed=True) == []  # G92 E is what the preamble restores
    assert resume_blockers(["$H", "G1 X1 F100", "G1 X2"], 2)[0][0] == "resume_needs_homing"
    homed_offset = ["G28", "G1 X10 Y10 F1200", "G92 X0 Y0", "G1 X5 Y5 E1", "G1 X6 Y5 E2"]
    assert resume_blockers(homed_offset, 4, machine_homed=True) == []  # redone by the preamble
    assert resume_blockers(["G28", "G92 Z0", "G1 Z1 F100"], 2, machine_homed=True) == []
    unknown_axis = ["G28", "G1 X10 F1200", "G91", "G92 X0 Y0", "G1 X5"]
    assert resume_blockers(unknown_axis, 4, machine_homed=True) == []  # G28 put every axis at 0


@pytest.mark.parametrize("lang, expected", [
    ("fr", "Exécution interrompue après la ligne 11 : le processus qui envoyait le travail a été tué."),
    ("en", "Run interrupted after line 11: the process streaming the job was killed."),
])
def test_a_stored_reason_code_reads_in_the_page_language(app, lang: str, expected: str) -> None:  # noqa: ANN001
    from flask import session

    from web.i18n_faults import reason_label

    with app.test_request_context("/"):
        session["lang"] = lang
        assert reason_label(reasons.make("run.interrupted", cause="work_horse_killed", line=11)) == expected
        assert reason_label("a driver's own words") == "a driver's own words"
        unsure = reason_label(reasons.make("run.interrupted", cause="work_horse_killed", line=11, uncertain_to=14))
        assert unsure.endswith({"fr": "La machine a pu aller jusqu'à la ligne 14 : vérifiez la pièce et choisissez "
                                      "la ligne de reprise.",
                                "en": "The machine may have run up to line 14: check the part and choose the line "
                                      "to resume from."}[lang])
        waiting = reason_label(reasons.make("run.waiting_machine", machine="laser-1", status="out_of_service"))
        assert waiting == {"fr": "En attente : la machine laser-1 est hors service.",
                           "en": "Waiting: machine laser-1 is out of service."}[lang]
        assert reason_label(None) == ""


def test_the_runner_never_starts_on_a_machine_that_needs_looking_at(fablab_env, accounts) -> None:  # noqa: ANN001
    """Whatever queued the run (dispatch's claim, a resume, a script), the runner checks the
    machine's status first: the job stays ready, says why, and lets go of the machine."""
    from jobqueue.runner import run_on_machine

    ctx = fablab_env
    job_id = make_ready_job(ctx, "laser-1", program(5))
    with ctx.session() as s:
        assert machine_status.claim(s, "laser-1", job_id)  # dispatch had claimed it...
        machine_status.mark_needs_attention(s, "laser-1", "abnormal_end", {"job_id": 999})  # ...then this
    assert run_on_machine(ctx, job_id) == "waiting: laser-1 is needs_attention"
    with ctx.session() as s:
        job = s.get(Job, job_id)
        assert job.state == "ready" and machine_status.held_by(s, job_id) is None
        assert reasons.parse(job.reason) == ("run.waiting_machine", {"machine": "laser-1", "status": "needs_attention"})
        machine_status.acknowledge(s, "laser-1", "test")
        machine_status.set_maintenance(s, "laser-1", True, "new tube", "test")
    assert run_on_machine(ctx, job_id) == "waiting: laser-1 is out_of_service"
    with ctx.session() as s:
        machine_status.set_maintenance(s, "laser-1", False, None, "test")
        machine_status.release(s, "laser-1", 998, await_clearance=True)  # another job's part on the bed
    assert run_on_machine(ctx, job_id) == "waiting: laser-1 is to_be_cleared"
    with ctx.session() as s:
        assert reasons.parse(s.get(Job, job_id).reason)[1]["status"] == "to_be_cleared"


def test_the_migration_turns_runs_failed_by_a_fault_into_interrupted(tmp_path) -> None:  # noqa: ANN001
    from alembic import command
    from sqlalchemy import create_engine, pool, text

    from jobqueue import migrate

    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    migrate.upgrade(url, "machday2")
    engine = create_engine(url, poolclass=pool.NullPool)
    cols = "owner_id, filename, file_sha256, file_size, process, state, reason, options, lines_acked, created_at, updated_at"
    with engine.begin() as conn:
        for state, reason in (("failed", 'run.interrupted {"cause": "heartbeat_lost", "line": 3}'),
                              ("failed", "firmware error 20 at line 4"), ("completed", None)):
            conn.execute(text(f"INSERT INTO jobs ({cols}) VALUES (1, 'a.nc', 'x', 1, 'laser', :s, :r, '{{}}', 0, "
                              "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"), {"s": state, "r": reason})
    migrate.upgrade(url)
    with engine.connect() as conn:
        assert [r[0] for r in conn.execute(text("SELECT state FROM jobs ORDER BY id"))] == [
            "interrupted", "failed", "completed"]
    command.downgrade(migrate.alembic_config(url=url), "machday2")  # and back
    with engine.connect() as conn:
        assert conn.execute(text("SELECT state FROM jobs WHERE id = 1")).scalar() == "failed"
    engine.dispose()
