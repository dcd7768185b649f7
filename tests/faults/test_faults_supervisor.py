"""`fablab demo` supervises: with a job running on each of two machines, kill -9 each kind of
process in turn (an analysis worker, a web worker, the web app, Valkey, a simulator, a machine
worker). Each comes back (the log says what died and when it came back), the web app answers
throughout (or, when it was the one killed, again within seconds), and every job on another
machine keeps running; the job of the machine whose simulator died ends `interrupted`; the
job whose machine worker was killed goes on in its work horse.

A fablab of two machines (laser-1, cnc-1) keeps the test short; the times measured are
printed (`pytest -s`)."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import yaml
from stack_helpers import wait_until

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _small_fablab(tmp_path: Path) -> Path:
    spec = yaml.safe_load((REPO / "machines.yaml").read_text())
    spec["machines"] = [m for m in spec["machines"] if m["id"] in ("laser-1", "cnc-1")]
    spec["groups"] = {}
    path = tmp_path / "machines.yaml"
    path.write_text(yaml.safe_dump(spec, allow_unicode=True))
    return path


def _children(pid: int) -> dict[str, int]:
    """The demo's children by what they run (name -> pid)."""
    out = subprocess.run(["ps", "-ww", "-o", "pid=,args=", "--ppid", str(pid)], capture_output=True, text=True).stdout
    found = {}
    for line in out.splitlines():
        child, _, args = line.strip().partition(" ")
        if "valkey-server" in args:
            found["valkey"] = int(child)
        elif m := re.search(r"worker --machine (\S+)", args):
            found[f"worker-{m.group(1)}"] = int(child)
        elif "worker analysis" in args:
            found[f"worker-analysis-{sum(k.startswith('worker-analysis') for k in found) + 1}"] = int(child)
        elif m := re.search(r"simulate .*--link \S+/(\S+?) ", args):
            found[f"sim-{m.group(1)}"] = int(child)
        elif " serve " in f"{args} ":
            found["web"] = int(child)
    return found


def _grandchild(pid: int) -> int | None:
    """A process the child `pid` started (the web app's gunicorn worker)."""
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout.split()
    return int(out[0]) if out else None


def _alive(pid: int | None) -> bool:
    if pid is None:
        return False
    try:
        os.kill(pid, 0)
        return True
    except OSError:
        return False


def _valkey_url(pid: int) -> str:
    args = subprocess.run(["ps", "-ww", "-o", "args=", "-p", str(pid)], capture_output=True, text=True).stdout
    port = re.search(r"(?:--port |127\.0\.0\.1:)(\d+)", args).group(1)  # valkey retitles itself host:port
    return f"redis://127.0.0.1:{port}/0"


def _answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=3) as r:
            return r.status == 200
    except OSError:
        return False


def _fablab_context(tmp_path: Path, env: dict[str, str], redis_url: str):  # noqa: ANN202 - Context
    from jobqueue.context import Context

    saved = {k: os.environ.get(k) for k in ("FABLAB_DATA", "FABLAB_MACHINES", "REDIS_URL", "DATABASE_URL")}
    os.environ.update(FABLAB_DATA=env["FABLAB_DATA"], FABLAB_MACHINES=env["FABLAB_MACHINES"], REDIS_URL=redis_url)
    os.environ.pop("DATABASE_URL", None)
    try:
        return Context.from_env()
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def test_demo_restarts_what_dies_and_keeps_the_rest(tmp_path: Path) -> None:
    from chaos_kit import FINAL, job_row, make_ready_job, program

    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    env.update(FABLAB_DATA=str(tmp_path / "var"), FABLAB_MACHINES=str(_small_fablab(tmp_path)), PYTHONUNBUFFERED="1",
               FABLAB_ANALYSIS_WORKERS="1", FABLAB_WEB_WORKERS="2")  # one web worker killed, the other answers
    out = open(tmp_path / "demo.out", "w")  # noqa: SIM115 - closed with the process
    proc = subprocess.Popen([sys.executable, "-m", "jobqueue.cli.main", "demo", "--port", str(port)], env=env,
                            stdout=out, stderr=subprocess.STDOUT, text=True, cwd=REPO)
    log = tmp_path / "var" / "logs" / "supervisor.log"
    figures = []
    try:
        wait_until(lambda: _answers(port), 120, interval=0.5, what="the web app")
        wait_until(lambda: len(_children(proc.pid)) >= 6, 120, what=f"every child ({_children(proc.pid)})\n{(tmp_path / 'demo.out').read_text()}")
        ctx = _fablab_context(tmp_path, env, _valkey_url(_children(proc.pid)["valkey"]))
        jobs = {m: make_ready_job(ctx, m, program(20000, tag=i)) for i, m in enumerate(("laser-1", "cnc-1"))}

        def acked(machine: str) -> int:
            return job_row(ctx, jobs[machine]).lines_acked or 0

        for m in jobs:
            wait_until(lambda m=m: job_row(ctx, jobs[m]).state == "running" and acked(m) > 0, 60,
                       what=f"the job on {m} running\n{(tmp_path / 'demo.out').read_text()[-3000:]}")
        # (process killed, the machines whose job must go on, the machine whose job it ends)
        # (process killed, the machines whose job must go on, the machine whose job it ends); the web app
        # last: its orphaned gunicorn worker answers until it sees its master gone, then the new app does
        plan = [("worker-analysis-1", ("laser-1", "cnc-1"), None), ("web-worker", ("laser-1", "cnc-1"), None),
                ("valkey", ("laser-1", "cnc-1"), None), ("sim-cnc-1", ("laser-1",), "cnc-1"),
                ("worker-laser-1", ("laser-1",), None),  # its work horse streams on; the new worker waits
                ("web", ("laser-1",), None)]
        for name, going_on, ended in plan:
            before = _children(proc.pid)
            progress = {m: acked(m) for m in going_on}
            victim = _grandchild(before["web"]) if name == "web-worker" else before[name]
            orphan = _grandchild(before["web"]) if name == "web" else None
            t0 = time.monotonic()
            os.kill(victim, signal.SIGKILL)
            if name == "web":
                wait_until(lambda orphan=orphan: not _alive(orphan) and _answers(port), 180, interval=0.2,
                           what="the new web app")
            else:
                assert _answers(port), f"the web app stopped answering after {name} died"
            if name == "web-worker":
                wait_until(lambda old=victim, web=before["web"]: _grandchild(web) not in (None, old), 60,
                           what="a new web worker")
            else:
                back = wait_until(lambda name=name, old=before[name]: (pid := _children(proc.pid).get(name)) not in
                                  (None, old) and pid, 60, interval=0.1, what=f"{name} restarted")
                wait_until(lambda name=name, back=back: f"{name} back (pid {back})" in log.read_text(), 30,
                           interval=0.1, what=f"the log line saying {name} is back\n{log.read_text()}")
                assert f"{name} (pid {before[name]}) died: killed by SIGKILL" in log.read_text()
            figures.append((name, time.monotonic() - t0))
            after = _children(proc.pid)
            assert all(after.get(k) == v for k, v in before.items() if k != name), (before, after)  # others untouched
            for m in going_on:  # every other machine's job goes on
                wait_until(lambda m=m, was=progress[m]: acked(m) > was + 20 and job_row(ctx, jobs[m]).state == "running", 30,
                           what=f"the job on {m} going on after {name} died")
            if ended:
                state = wait_until(lambda m=ended: (st := job_row(ctx, jobs[m]).state) in FINAL and st, 30,
                                   what=f"the job on {ended} ending after {name} died")
                assert state == "interrupted", job_row(ctx, jobs[ended]).reason
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=40)
        except subprocess.TimeoutExpired:
            proc.kill()
            pytest.fail("demo did not stop within 40 s of Ctrl-C")
    out.close()
    assert proc.returncode == 0, (tmp_path / "demo.out").read_text()
    print("\nFIGURE demo supervisor, kill -9 -> child back: " + ", ".join(f"{n} {s:.1f} s" for n, s in figures))
