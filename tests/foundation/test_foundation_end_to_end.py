"""A job travels from upload to the simulated laser on real parts: the JSON API, the embedded
Valkey, SQLite, rq workers in their own processes, and the GRBL simulator behind a pty."""

from __future__ import annotations

import io

import pytest
from stack_helpers import log_tail, wait_until

from jobqueue.models import Job

pytestmark = [pytest.mark.slow, pytest.mark.both_engines]  # SQLite and PostgreSQL (tests/db_engines.py)

SQUARE_WITH_HOLE = b"""<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="80mm" height="60mm" viewBox="0 0 80 60">
  <rect id="outer" x="10" y="10" width="50" height="40" fill="none" stroke="#ff0000" stroke-width="0.1"/>
  <circle id="hole" cx="35" cy="30" r="8" fill="none" stroke="#ff0000" stroke-width="0.1"/>
</svg>
"""


def _state(client, account, job_id: int) -> dict:  # noqa: ANN001
    return client.get(f"/api/v1/jobs/{job_id}", headers=account.headers).json


def _start_stack(spawn, fablab_env) -> None:  # noqa: ANN001
    link = fablab_env.settings.simulator_link("laser-1")
    link.parent.mkdir(parents=True, exist_ok=True)
    spawn("sim-laser", "simulate", "--firmware", "grbl", "--link", str(link), "--baud", "115200",
          "--speed-factor", "100")
    wait_until(link.exists, 20, what="the GRBL simulator's pty link")
    spawn("worker-analysis", "worker", "analysis")
    spawn("worker-laser", "worker", "--machine", "laser-1")


def test_upload_approve_run_to_completion_on_simulated_laser(client, accounts, fablab_env, spawn, tmp_path) -> None:  # noqa: ANN001
    _start_stack(spawn, fablab_env)
    member, fm = accounts["member"], accounts["fabmanager"]
    r = client.post("/api/v1/jobs", headers=member.headers,
                    data={"file": (io.BytesIO(SQUARE_WITH_HOLE), "plaque.svg"), "process": "laser"})
    assert r.status_code == 201, r.json
    job_id = r.json["id"]

    job = wait_until(lambda: (j := _state(client, member, job_id))["state"] not in ("submitted", "analysing") and j,
                     60, what=f"analysis\n{log_tail(tmp_path)}")
    assert job["state"] == "pending_review", job
    assert job["metrics"]["cut_length_mm"] == pytest.approx(2 * (50 + 40) + 2 * 3.14159 * 8, rel=0.01)

    r = client.post(f"/api/v1/jobs/{job_id}/approve", headers=fm.headers, json={"machine": "laser-1"})
    assert r.status_code == 200, r.json
    seen_running = []

    def finished() -> dict | None:
        j = _state(client, member, job_id)
        if j["state"] in ("running", "paused"):
            seen_running.append(j["progress"]["percent"])
        return j if j["state"] in ("completed", "failed", "cancelled", "pending_review") else None

    job = wait_until(finished, 120, interval=0.05, what=f"the run\n{log_tail(tmp_path)}")
    assert job["state"] == "completed", f"{job['state']}: {job['reason']}\n{log_tail(tmp_path)}"
    with fablab_env.session() as s:
        row = s.get(Job, job_id)
        program = fablab_env.store.read_bytes(row.program_sha256).decode().splitlines()
        assert row.program_lines == len(program) > 10
        assert row.lines_acked == row.program_lines  # every G-code line acknowledged by the firmware
        assert any(line.startswith("M4") for line in program)
        history = [(e.from_state, e.to_state) for e in row.events]
    assert history == [(None, "submitted"), ("submitted", "analysing"), ("analysing", "pending_review"),
                       ("pending_review", "preparing"), ("preparing", "ready"), ("ready", "running"),
                       ("running", "completed")]
    assert job["progress"]["percent"] == 100.0
    assert seen_running, "the job was never seen running"


def test_unreadable_upload_becomes_invalid_with_a_reason(client, accounts, fablab_env, spawn, tmp_path) -> None:  # noqa: ANN001
    spawn("worker-analysis", "worker", "analysis")
    member = accounts["member"]
    r = client.post("/api/v1/jobs", headers=member.headers,
                    data={"file": (io.BytesIO(b"solid nothing\n  facet garbage\n"), "broken.stl"), "process": "fdm"})
    job_id = r.json["id"]
    job = wait_until(lambda: (j := _state(client, member, job_id))["state"] in ("invalid", "pending_review") and j,
                     60, what=f"analysis\n{log_tail(tmp_path)}")
    assert job["state"] == "invalid"
    assert job["reason"]
    assert job["valid"] is False
    assert any(i["severity"] == "error" for i in job["issues"])
