"""The real stack for bench/web_load.py: embedded Valkey, the database at head, 1,000 seeded
jobs (a real analysis result, audit rows, live progress for the running ones), and the web
app started by `fablab serve` in its own process; plus a small HTTP client (keep-alive)."""

from __future__ import annotations

import http.client
import os
import random
import re
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

SAMPLE_SVG = b"""<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="80mm" height="60mm" viewBox="0 0 80 60">
  <rect x="10" y="10" width="50" height="40" fill="none" stroke="#ff0000" stroke-width="0.1"/>
  <circle cx="35" cy="30" r="8" fill="none" stroke="#ff0000" stroke-width="0.1"/>
  <text x="20" y="20" fill="#000000">Fablab</text>
</svg>
"""
STATES = ["pending_review"] * 3 + ["completed"] * 4 + ["invalid", "rejected", "failed"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Seeded:
    token: str
    password: str
    running: list[int]
    job_ids: list[int]


def seed(data: Path, database_url: str, redis_url: str, jobs: int, running: int) -> Seeded:
    """Users, `jobs` jobs (`running` of them running, with progress in Redis), 4-7 audit rows each."""
    from jobqueue import live, migrate
    from jobqueue.db import session_scope
    from jobqueue.machines import registry
    from jobqueue.models import Job, JobEvent
    from jobqueue.redis_server import connect
    from jobqueue.users import create_token, create_user
    from slicing.analysis import analyze_file

    migrate.upgrade(database_url)
    sample = data / "sample.svg"
    sample.write_bytes(SAMPLE_SVG)
    analysis = analyze_file(sample, spec=registry(REPO / "machines.yaml"), process="laser", filename="plaque.svg")
    analysis = analysis if isinstance(analysis, dict) else analysis.model_dump(mode="json")
    rng = random.Random(7)
    conn = connect(redis_url)
    with session_scope(database_url) as s:
        fm = create_user(s, "fabmanager", "bench-pw-fm", role="fabmanager")
        members = [create_user(s, f"member{i}", "bench-pw", role="member") for i in range(10)]
        token = create_token(s, fm)
        s.flush()
        rows = []
        for i in range(jobs):
            state = "running" if i < running else rng.choice(STATES)
            job = Job(owner_id=rng.choice(members).id, filename=f"piece-{i}.svg", file_sha256="0" * 64,
                      file_size=len(SAMPLE_SVG), process="laser", material=None, state=state, options={},
                      analysis=analysis, machine_id="laser-1" if state == "completed" else None,  # one run per machine
                      program_lines=400 if state in ("running", "completed") else None,
                      lines_acked=120 if state == "running" else 0, session_label=f"Atelier {i % 7}")
            job.events = [JobEvent(actor="member", from_state=a, to_state=b) for a, b in
                          ((None, "submitted"), ("submitted", "analysing"), ("analysing", "pending_review"),
                           ("pending_review", state))[: rng.randint(3, 4)]]
            rows.append(job)
        s.add_all(rows)
        s.flush()
        ids = [j.id for j in rows]
        run_ids = [j.id for j in rows if j.state == "running"]
    for jid in run_ids:
        live.publish_progress(conn, jid, {"job_id": jid, "state": "running", "lines_acked": 120,
                                          "lines_total": 400, "percent": 30.0, "eta_seconds": 600})
    return Seeded(token=token, password="bench-pw-fm", running=run_ids, job_ids=ids)


def start_server(env: dict[str, str], port: int, server: str | None, log: Path) -> subprocess.Popen:
    args = [sys.executable, "-m", "jobqueue.cli.main", "serve", "--host", "127.0.0.1", "--port", str(port)]
    if server:
        args += ["--server", server]
    proc = subprocess.Popen(args, env=env, cwd=REPO, stdout=open(log, "wb"), stderr=subprocess.STDOUT)  # noqa: SIM115
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the server stopped: see {log}\n{log.read_text()[-3000:]}")
        try:
            if Client(port).get("/login")[0] == 200:
                return proc
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise SystemExit(f"the server did not answer in 90 s: see {log}")


class Client:
    """One keep-alive HTTP/1.1 connection (reopened when the server closes it)."""

    def __init__(self, port: int, headers: dict[str, str] | None = None):
        self.port, self.headers = port, dict(headers or {})
        self.conn: http.client.HTTPConnection | None = None

    def request(self, method: str, path: str, body: str | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, bytes, http.client.HTTPResponse]:
        for attempt in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            try:
                self.conn.request(method, path, body=body, headers={**self.headers, **(headers or {})})
                resp = self.conn.getresponse()
                data = resp.read()
                if resp.will_close:
                    self.conn.close()
                    self.conn = None
                return resp.status, data, resp
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = None
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def get(self, path: str) -> tuple[int, bytes]:
        status, data, _ = self.request("GET", path)
        return status, data


def login_cookie(port: int, username: str, password: str) -> str:
    """Log in through the real form (CSRF token and all); the session cookie."""
    c = Client(port)
    status, page, resp = c.request("GET", "/login")
    cookie = (resp.getheader("Set-Cookie") or "").split(";")[0]
    token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page) or re.search(
        rb'value="([^"]+)"[^>]*name="csrf_token"', page)
    from urllib.parse import urlencode

    body = urlencode({"username": username, "password": password, "csrf_token": token.group(1).decode()})
    status, _, resp = c.request("POST", "/login", body=body, headers={
        "Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie})
    if status != 302:
        raise SystemExit(f"login failed ({status})")
    return (resp.getheader("Set-Cookie") or cookie).split(";")[0]


def bench_env(data: Path, redis_url: str, database_url: str) -> dict[str, str]:
    return dict(os.environ, FABLAB_DATA=str(data), REDIS_URL=redis_url, DATABASE_URL=database_url,
                FABLAB_MACHINES=str(REPO / "machines.yaml"), FABLAB_SECRET_KEY="bench-secret")
