"""`fablab demo` supervises: kill -9 a machine worker, a simulator, then Valkey; each comes
back (the log says what died and when it came back) and the web app answers throughout.

A fablab of two machines (laser-1, cnc-1) keeps the test short; the restart times measured
are printed (`pytest -s`)."""

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
        elif m := re.search(r"simulate .*--link \S+/(\S+?) ", args):
            found[f"sim-{m.group(1)}"] = int(child)
        elif " serve " in f"{args} ":
            found["web"] = int(child)
    return found


def _answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=3) as r:
            return r.status == 200
    except OSError:
        return False


def test_demo_restarts_what_dies_and_keeps_the_rest(tmp_path: Path) -> None:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    env.update(FABLAB_DATA=str(tmp_path / "var"), FABLAB_MACHINES=str(_small_fablab(tmp_path)), PYTHONUNBUFFERED="1")
    out = open(tmp_path / "demo.out", "w")  # noqa: SIM115 - closed with the process
    proc = subprocess.Popen([sys.executable, "-m", "jobqueue.cli.main", "demo", "--port", str(port)], env=env,
                            stdout=out, stderr=subprocess.STDOUT, text=True, cwd=REPO)
    log = tmp_path / "var" / "logs" / "supervisor.log"
    figures = []
    try:
        wait_until(lambda: _answers(port), 120, interval=0.5, what="the web app")
        wait_until(lambda: len(_children(proc.pid)) >= 6, 120, what=f"every child ({_children(proc.pid)})\n{(tmp_path / 'demo.out').read_text()}")
        web = _children(proc.pid)["web"]
        for name in ("worker-laser-1", "sim-cnc-1", "valkey"):
            before = _children(proc.pid)
            t0 = time.monotonic()
            os.kill(before[name], signal.SIGKILL)
            back = wait_until(lambda name=name, old=before[name]: (pid := _children(proc.pid).get(name)) not in
                              (None, old) and pid, 60, interval=0.1, what=f"{name} restarted")
            figures.append((name, time.monotonic() - t0))
            assert _answers(port), f"the web app stopped answering after {name} died"
            after = _children(proc.pid)
            assert after["web"] == web  # the others kept running
            assert all(after.get(k) == v for k, v in before.items() if k != name), (before, after)
            # The supervisor logs "back" once the child is up (Valkey: once it answers), which can
            # be a moment after the new process appears.
            wait_until(lambda name=name, back=back: f"{name} back (pid {back})" in log.read_text(), 30,
                       interval=0.1, what=f"the log line saying {name} is back\n{log.read_text()}")
            assert f"{name} (pid {before[name]}) died: killed by SIGKILL" in log.read_text()
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
