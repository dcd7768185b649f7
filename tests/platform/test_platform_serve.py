"""`fablab serve` runs gunicorn (threaded workers): live-progress streams hold threads up to a
bound, pages are served beside them, and a stream over the bound is told to retry later."""

from __future__ import annotations

import json
import socket
import time

import pytest
from stack_helpers import log_tail, wait_until

from jobqueue import live
from jobqueue.models import Job, JobEvent
from jobqueue.users import get_user

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _running_jobs(ctx, n: int) -> list[int]:  # noqa: ANN001
    with ctx.session() as s:
        user = get_user(s, "member")
        rows = [Job(owner_id=user.id, filename=f"p{i}.svg", file_sha256="0" * 64, file_size=10, process="laser",
                    state="running", machine_id=None, program_lines=100, options={},  # one run per machine
                    events=[JobEvent(actor="member", to_state="running")]) for i in range(n)]
        s.add_all(rows)
        s.flush()
        return [r.id for r in rows]


def _open_stream(port: int, token: str, job_id: int) -> tuple[socket.socket, bytes]:
    s = socket.create_connection(("127.0.0.1", port), timeout=20)
    s.sendall(f"GET /api/v1/jobs/{job_id}/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n\r\n".encode())
    buf = b""
    while b"\n\n" not in buf.partition(b"\r\n\r\n")[2]:
        chunk = s.recv(4096)
        if not chunk:
            break
        buf += chunk
    return s, buf


def _get(port: int, path: str, token: str) -> int:
    with socket.create_connection(("127.0.0.1", port), timeout=20) as s:
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer {token}\r\n\r\n"
                  .encode())
        return int(s.recv(64).split()[1])


def test_gunicorn_serves_pages_beside_bounded_streams(fablab_env, accounts, spawn, tmp_path) -> None:  # noqa: ANN001
    ids = _running_jobs(fablab_env, 3)
    port = _free_port()
    token = accounts["member"].token
    spawn("web", "serve", "--port", str(port),
          env={"FABLAB_WEB_WORKERS": "1", "FABLAB_WEB_THREADS": "8", "FABLAB_WEB_STREAMS": "2"})

    def up() -> bool:
        try:
            return _get(port, "/login", token) == 200
        except OSError:
            return False

    wait_until(up, 60, interval=0.3, what=f"gunicorn\n{log_tail(tmp_path)}")
    assert "gthread" in (tmp_path / "logs" / "web.log").read_text()
    held = [_open_stream(port, token, jid) for jid in ids[:2]]
    try:
        for _, head in held:
            assert head.startswith(b"HTTP/1.1 200") and b"data: " in head
        t0 = time.monotonic()
        for _ in range(10):  # pages and API calls are served while both streams hold their threads
            assert _get(port, f"/api/v1/jobs/{ids[0]}", token) == 200
        assert time.monotonic() - t0 < 30
        extra, head = _open_stream(port, token, ids[2])  # over the bound: state, then retry, then the end
        rest = head
        while chunk := extra.recv(4096):
            rest += chunk
        assert b"data: " in rest and b"retry: " in rest
        extra.close()
        live.publish_progress(fablab_env.redis(), ids[0], {"job_id": ids[0], "state": "running", "percent": 42.0})
        sock = held[0][0]
        got, event, deadline = b"", None, time.monotonic() + 30
        while event is None and time.monotonic() < deadline:  # events are JSON however they are spaced
            got += sock.recv(4096)
            for line in got.split(b"\n"):
                try:
                    data = json.loads(line[6:]) if line.startswith(b"data: ") else None
                except ValueError:
                    continue  # a line still arriving
                if isinstance(data, dict) and data.get("percent") == 42.0:
                    event = data
        assert event is not None, got[-500:]
    finally:
        for s, _ in held:
            s.close()
