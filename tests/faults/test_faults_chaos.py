"""Chaos: kill -9 one part of the fablab mid-job while another machine runs a job too.

Each case: the job reaches its defined state within the bound, the other machine's job
completes, no job runs twice, and the resumed job completes. The figures (fault to defined
state, fault to restart) are printed (`pytest -s`); tests never assert wall-clock times
beyond the bound the issue sets (30 s).
"""

from __future__ import annotations

import time

import pytest
from chaos_kit import FINAL, horse_pid, job_row, kill9, line_counts, make_ready_job, program, sim_link
from stack_helpers import log_tail, wait_until

from drivers.sim import start_simulator
from jobqueue import live, reasons, services
from jobqueue.models import Job
from jobqueue.redis_server import EmbeddedValkey
from jobqueue.users import get_user

pytestmark = pytest.mark.slow
BOUND_S = 30.0
SPEED = 60.0


@pytest.fixture
def sims(fablab_env):  # noqa: ANN001, ANN201
    out = {m: start_simulator("grbl", link_path=str(sim_link(fablab_env, m)), speed_factor=SPEED)
           for m in ("laser-1", "cnc-1")}
    yield out
    for sim in out.values():
        sim.stop()


def _workers(spawn) -> dict:  # noqa: ANN001
    return {"laser-1": spawn("worker-laser", "worker", "--machine", "laser-1"),
            "cnc-1": spawn("worker-cnc", "worker", "--machine", "cnc-1"),
            "analysis": spawn("worker-analysis", "worker", "analysis")}


def _acked(ctx, job_id: int) -> int:  # noqa: ANN001
    return live.last_acked(ctx.redis(), job_id) or 0


def _state(ctx, job_id: int) -> str:  # noqa: ANN001
    return job_row(ctx, job_id).state


def _resume(ctx, job_id: int) -> None:  # noqa: ANN001
    with ctx.session() as s:
        services.resume_failed(s, ctx.redis(), get_user(s, "fabmanager"), s.get(Job, job_id))


def _runs(ctx, job_id: int) -> int:  # noqa: ANN001
    with ctx.session() as s:
        return sum(1 for e in s.get(Job, job_id).events if e.to_state == "running" and e.from_state == "ready")


def _start_two(ctx, tmp_path, n: int = 400):  # noqa: ANN001, ANN202
    lines, other = program(n), program(200, tag=1)
    victim = make_ready_job(ctx, "laser-1", lines)
    bystander = make_ready_job(ctx, "cnc-1", other)
    wait_until(lambda: _acked(ctx, victim) > 60, 60, interval=0.05, what=f"the run to start\n{log_tail(tmp_path)}")
    return victim, bystander, lines, other


def _end_state(ctx, job_id: int, tmp_path, bound: float = BOUND_S) -> str:  # noqa: ANN001
    return wait_until(lambda: (st := _state(ctx, job_id)) in FINAL and st, bound, interval=0.05,
                      what=f"job {job_id} to end\n{log_tail(tmp_path)}")


def _exact_checkpoint(ctx, sims, victim: int, lines: list[str]) -> int:  # noqa: ANN001
    """The interrupted job's checkpoint becomes the machine's own count, the last program line it
    took (at once when the machine's worker ended the run; within a reaper round of its worker
    when a reaper far from the machine ended it first with the count the run had published)."""
    received = set(r.strip() for r in sims["laser-1"].received_lines())
    last = max(i for i, line in enumerate(lines) if line.startswith("G1 ") and line in received)
    wait_until(lambda: job_row(ctx, victim).lines_acked == last + 1, BOUND_S, interval=0.2,
               what=f"the checkpoint at the machine's count {last + 1} (is {job_row(ctx, victim).lines_acked})")
    return last + 1


def _check_resumed(ctx, sims, victim: int, lines: list[str], tmp_path) -> None:  # noqa: ANN001
    """Resume, complete, and count: every line of the program reached the machine exactly once
    across the two runs, though the sender died with lines in flight (the machine was asked,
    on a fresh link, how far it got)."""
    _resume(ctx, victim)
    assert _end_state(ctx, victim, tmp_path, 90) == "completed", job_row(ctx, victim).reason
    row = job_row(ctx, victim)
    assert row.lines_acked == len(lines) and row.reason is None
    counts = line_counts(sims["laser-1"].received_lines(), lines)
    assert len(counts) == sum(line.startswith("G1 ") for line in lines), "a line never reached the machine"
    assert set(counts.values()) == {1}, counts.most_common(3)
    assert _runs(ctx, victim) == 2


def _bystander_done(ctx, sims, bystander: int, other: list[str], tmp_path) -> None:  # noqa: ANN001
    assert _end_state(ctx, bystander, tmp_path, 90) == "completed", job_row(ctx, bystander).reason
    counts = line_counts(sims["cnc-1"].received_lines(), other)
    assert set(counts.values()) == {1} and len(counts) == len(other) - 4  # every move exactly once
    assert _runs(ctx, bystander) == 1


def test_work_horse_killed(fablab_env, accounts, spawn, sims, tmp_path) -> None:  # noqa: ANN001
    ctx = fablab_env
    _workers(spawn)
    victim, bystander, lines, other = _start_two(ctx, tmp_path)
    t0 = time.monotonic()
    kill9(horse_pid(ctx, victim))
    assert _end_state(ctx, victim, tmp_path) == "interrupted"
    took = time.monotonic() - t0
    code, params = reasons.parse(job_row(ctx, victim).reason)
    assert (code, params["cause"]) == ("run.interrupted", "work_horse_killed")
    wait_until(lambda: live.machine_status(ctx.redis(), "laser-1").get("state") == "needs_attention", 10,
               what="the machine flagged")
    wait_until(lambda: sims["laser-1"].state()["modal"]["spindle"] == "M5" and sims["laser-1"].wait_idle(0.1), 15,
               what="the laser left safe (reset, laser off)")
    _exact_checkpoint(ctx, sims, victim, lines)
    _bystander_done(ctx, sims, bystander, other, tmp_path)
    _check_resumed(ctx, sims, victim, lines, tmp_path)
    print(f"\nFIGURE work-horse kill -9: fault -> interrupted {took:.2f} s; every line once across the runs")


def test_machine_worker_and_its_horse_killed_then_restarted(fablab_env, accounts, spawn, sims, tmp_path) -> None:  # noqa: ANN001
    """What a host reboot does to a machine's worker: both processes gone; the worker that starts
    again ends what its machine left running (and stops the machine) before taking new work."""
    ctx = fablab_env
    procs = _workers(spawn)
    victim, bystander, lines, other = _start_two(ctx, tmp_path)
    t0 = time.monotonic()
    kill9(procs["laser-1"].pid)
    kill9(horse_pid(ctx, victim))
    spawn("worker-laser-again", "worker", "--machine", "laser-1")
    assert _end_state(ctx, victim, tmp_path) == "interrupted"
    took = time.monotonic() - t0
    code, params = reasons.parse(job_row(ctx, victim).reason)
    assert code == "run.interrupted" and params["cause"] in ("worker_restarted", "heartbeat_lost")
    _exact_checkpoint(ctx, sims, victim, lines)
    _bystander_done(ctx, sims, bystander, other, tmp_path)
    _check_resumed(ctx, sims, victim, lines, tmp_path)
    print(f"\nFIGURE machine worker + horse kill -9, worker restarted: fault -> interrupted {took:.2f} s "
          f"({params['cause']}); every line once across the runs")


def test_machine_worker_killed_for_good_is_reaped_by_another_worker(fablab_env, accounts, spawn, sims, tmp_path,  # noqa: ANN001
                                                                    monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("FABLAB_REAPER_GRACE_S", "5")  # (20 s in service: the machine's own worker goes first)
    ctx = fablab_env
    procs = _workers(spawn)
    victim, bystander, _lines, other = _start_two(ctx, tmp_path)
    t0 = time.monotonic()
    kill9(procs["laser-1"].pid)
    kill9(horse_pid(ctx, victim))
    assert _end_state(ctx, victim, tmp_path) == "interrupted"  # the analysis worker's reaper, from the heartbeat
    took = time.monotonic() - t0
    assert reasons.parse(job_row(ctx, victim).reason)[1]["cause"] == "heartbeat_lost"
    _bystander_done(ctx, sims, bystander, other, tmp_path)
    print(f"\nFIGURE machine worker + horse kill -9, no restart: fault -> interrupted {took:.2f} s (reaper)")


def test_valkey_killed_mid_job(fablab_env, accounts, spawn, sims, tmp_path, monkeypatch) -> None:  # noqa: ANN001
    """The queue server dies and comes back on its append-only file: the machines keep being fed,
    both jobs complete once, and the workers take new work afterwards."""
    valkey = EmbeddedValkey(tmp_path / "own-valkey")
    monkeypatch.setenv("REDIS_URL", valkey.start())
    ctx = type(fablab_env).from_env()
    again_server = EmbeddedValkey(tmp_path / "own-valkey", port=valkey.port)
    try:
        _workers(spawn)
        victim, bystander, lines, other = _start_two(ctx, tmp_path)
        before = _acked(ctx, victim)
        t0 = time.monotonic()
        kill9(valkey.proc.pid)
        valkey.proc.wait(5)
        time.sleep(2.0)  # Redis away for a while
        with ctx.session() as s:
            assert s.get(Job, victim).lines_acked > before  # checkpoints went on in the database
        again_server.start()
        restarted = time.monotonic() - t0
        assert _end_state(ctx, victim, tmp_path, 90) == "completed", job_row(ctx, victim).reason
        _bystander_done(ctx, sims, bystander, other, tmp_path)
        counts = line_counts(sims["laser-1"].received_lines(), lines)
        assert set(counts.values()) == {1} and len(counts) == len(lines) - 4
        t1 = time.monotonic()
        again = make_ready_job(ctx, "laser-1", program(50, tag=2))  # the workers came back to Redis
        assert _end_state(ctx, again, tmp_path, 60) == "completed"
        print(f"\nFIGURE Valkey kill -9: restart after {restarted:.2f} s; running jobs never stopped; "
              f"new job on the restarted queue done {time.monotonic() - t1:.2f} s after enqueue")
    finally:
        again_server.stop()
        valkey.stop()


def test_simulator_killed_mid_job(fablab_env, accounts, spawn, sims, tmp_path) -> None:  # noqa: ANN001
    ctx = fablab_env
    sims["laser-1"].stop()  # this machine's firmware runs as its own process here, to be killed
    link = sim_link(ctx, "laser-1")
    sim_args = ("simulate", "--firmware", "grbl", "--link", str(link), "--speed-factor", str(SPEED))
    sim = spawn("sim-laser", *sim_args)
    wait_until(link.exists, 20, what="the simulator's link")
    _workers(spawn)
    victim, bystander, _lines, other = _start_two(ctx, tmp_path)
    t0 = time.monotonic()
    kill9(sim.pid)
    assert _end_state(ctx, victim, tmp_path) == "interrupted"
    took = time.monotonic() - t0
    assert "disconnected" in (job_row(ctx, victim).reason or "").lower()
    _bystander_done(ctx, sims, bystander, other, tmp_path)
    link.unlink(missing_ok=True)
    spawn("sim-laser-again", *sim_args)
    wait_until(link.exists, 20, what="the simulator's link again")
    _resume(ctx, victim)
    assert _end_state(ctx, victim, tmp_path, 90) == "completed", job_row(ctx, victim).reason
    assert _runs(ctx, victim) == 2
    print(f"\nFIGURE simulator kill -9: fault -> interrupted {took:.2f} s")
