"""`fablab demo` brings everything up on the embedded defaults and Ctrl-C stops it all."""

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

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _children(pid: int) -> set[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout
    return {int(p) for p in out.split()}


def test_demo_starts_prints_logins_and_stops_cleanly(tmp_path: Path) -> None:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    env.update(FABLAB_DATA=str(tmp_path / "var"), FABLAB_MACHINES=str(REPO / "machines.yaml"), PYTHONUNBUFFERED="1")
    proc = subprocess.Popen([sys.executable, "-m", "jobqueue.cli.main", "demo", "--port", str(port)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=REPO)
    output = []
    try:
        deadline = time.monotonic() + 240  # the demo prints its URL once the web app answers
        while time.monotonic() < deadline and "Ctrl-C" not in "".join(output):
            line = proc.stdout.readline()
            if not line:
                break
            output.append(line)
        text = "".join(output)
        assert f"http://127.0.0.1:{port}/" in text, text
        logins = dict(re.findall(r"login (\w+)\s+password (\S+)", text))
        assert set(logins) == {"fabmanager", "member", "trainee", "trainer"}
        assert re.search(r"workshop session '.+': join code [A-Z0-9]{6}", text)
        children = _children(proc.pid)
        assert len(children) >= 1 + 5 + 1 + 5  # valkey, simulators, analysis worker, machine workers (+ web)
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=2) as r:
                    assert r.status == 200
                    break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail("the web app did not answer")
        assert (tmp_path / "var" / "valkey" / "appendonlydir").exists()  # append-only persistence
        assert (tmp_path / "var" / "fablab.sqlite3-wal").exists() or (tmp_path / "var" / "fablab.sqlite3").exists()
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            rest, _ = proc.communicate(timeout=40)
        except subprocess.TimeoutExpired:
            proc.kill()
            pytest.fail("demo did not stop within 40 s of Ctrl-C")
    assert proc.returncode == 0, rest
    assert "stopped." in rest
    for pid in children:
        assert not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text(), pid
