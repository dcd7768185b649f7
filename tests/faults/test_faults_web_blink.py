"""The web app under gunicorn comes back by itself after a Redis blink: Valkey is killed and
started again on its port (its append-only file keeps the queues) while the app runs; pages,
the API and the live-progress stream answer again, and no process of the app was restarted."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time

import pytest
from stack_helpers import log_tail, wait_until

from jobqueue import live
from jobqueue.models import Job, JobEvent
from jobqueue.redis_server import EmbeddedValkey
from jobqueue.users import get_user

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(port: int, path: str, token: str) -> int:
    with socket.create_connection(("127.0.0.1", port), timeout=20) as s:
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer {token}\r\n\r\n"
                  .encode())
        return int(s.recv(64).split()[1])


def _status(port: int, path: str, token: str) -> int | None:
    try:
        return _get(port, path, token)
    except OSError:
        return None


def _event_after_publish(ctx, port: int, token: str, job_id: int, percent: float) -> dict | None:  # noqa: ANN001
    """Open the job's event stream, publish one progress event, return it as the stream relays it."""
    with socket.create_connection(("127.0.0.1", port), timeout=20) as s:
        s.sendall(f"GET /api/v1/jobs/{job_id}/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n\r\n"
                  .encode())
        got, deadline, published = b"", time.monotonic() + 20, False
        while time.monotonic() < deadline:
            chunk = s.recv(4096)
            if not chunk:
                return None
            got += chunk
            if not published and b"data: " in got:  # subscribed: the first state went out
                live.publish_progress(ctx.redis(), job_id, {"job_id": job_id, "state": "running", "percent": percent})
                published = True
            for line in got.split(b"\n"):
                try:
                    data = json.loads(line[6:]) if line.startswith(b"data: ") else None
                except ValueError:
                    continue
                if isinstance(data, dict) and data.get("percent") == percent:
                    return data
    return None


def _app_pids(root: int) -> set[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(root)], capture_output=True, text=True).stdout
    return {root} | {int(p) for p in out.split()}


def test_the_web_app_reconnects_after_a_redis_blink(fablab_env, accounts, spawn, tmp_path,  # noqa: ANN001
                                                    monkeypatch) -> None:  # noqa: ANN001
    valkey = EmbeddedValkey(tmp_path / "own-valkey")
    monkeypatch.setenv("REDIS_URL", valkey.start())
    ctx = type(fablab_env).from_env()
    again = EmbeddedValkey(tmp_path / "own-valkey", port=valkey.port)
    try:
        with ctx.session() as s:
            job = Job(owner_id=get_user(s, "member").id, filename="p.svg", file_sha256="0" * 64, file_size=10,
                      process="laser", state="running", program_lines=100, options={},
                      events=[JobEvent(actor="member", to_state="running")])
            s.add(job)
            s.flush()
            job_id = job.id
        port, token = _free_port(), accounts["fabmanager"].token
        web = spawn("web", "serve", "--port", str(port), env={"FABLAB_WEB_WORKERS": "1", "FABLAB_WEB_THREADS": "8"})
        wait_until(lambda: _status(port, "/api/v1/machines", token) == 200, 60, interval=0.3,
                   what=f"gunicorn\n{log_tail(tmp_path)}")
        assert _event_after_publish(ctx, port, token, job_id, 12.0) is not None
        pids = _app_pids(web.pid)
        t0 = time.monotonic()
        os.kill(valkey.proc.pid, signal.SIGKILL)
        valkey.proc.wait(5)
        during = {path: _status(port, path, token) for path in ("/login", f"/api/v1/jobs/{job_id}")}
        assert during["/login"] == 200 and 500 not in during.values(), during  # never a bare 500
        time.sleep(1.0)
        again.start()
        wait_until(lambda: _status(port, "/api/v1/machines", token) == 200, 30, interval=0.2,
                   what=f"the API after Valkey came back\n{log_tail(tmp_path)}")
        event = wait_until(lambda: _event_after_publish(ctx, port, token, job_id, 34.0), 30, interval=0.5,
                           what=f"a live event through the stream after Valkey came back\n{log_tail(tmp_path)}")
        took = time.monotonic() - t0
        assert event["percent"] == 34.0
        assert web.poll() is None and _app_pids(web.pid) == pids  # nothing of the app was restarted
        print(f"\nFIGURE web app after a Valkey blink (1 s down): API and live stream back {took:.2f} s after the kill")
    finally:
        again.stop()
        valkey.stop()
