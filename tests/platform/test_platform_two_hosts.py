"""Several hosts: the web app, an analysis worker and a machine worker, each with its own empty
data folder, sharing only Redis (Valkey) and PostgreSQL (records and file blobs), take a job
from upload to `completed` on the simulated laser behind a pty."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from stack_helpers import log_tail, wait_until

from jobqueue.context import Context

pytestmark = pytest.mark.slow

PLATE = b"""<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="40mm" height="30mm" viewBox="0 0 40 30">
  <rect x="5" y="5" width="30" height="20" fill="none" stroke="#ff0000" stroke-width="0.1"/>
</svg>
"""


@pytest.fixture
def fablab_env(fablab_env: Context, monkeypatch: pytest.MonkeyPatch) -> Context:
    """This process is the web host: its uploads go to the database store too."""
    monkeypatch.setenv("FABLAB_STORE_URL", "database")
    return Context.from_env()


@pytest.fixture
def host(tmp_path: Path, spawn):  # noqa: ANN001, ANN201
    """Start `fablab ARGS` as if on another host: its own empty data folder, the shared URLs."""

    def _start(name: str, *args: str) -> Path:
        data = tmp_path / f"host-{name}"
        data.mkdir(exist_ok=True)
        spawn(name, *args, env={"FABLAB_DATA": str(data), "FABLAB_STORE_URL": "database"})
        return data

    return _start


@pytest.mark.parametrize("db_engine", ["postgresql"], indirect=True)
def test_analysis_and_machine_hosts_share_only_redis_and_postgresql(
        db_engine, accounts, client, fablab_env, host, tmp_path) -> None:  # noqa: ANN001
    machine_host = tmp_path / "host-machine"
    link = machine_host / "tty" / "laser-1"
    link.parent.mkdir(parents=True)
    host("sim", "simulate", "--firmware", "grbl", "--link", str(link), "--baud", "115200", "--speed-factor", "100")
    wait_until(link.exists, 20, what="the GRBL simulator's pty link")
    analysis_host = host("analysis", "worker", "analysis")
    assert host("machine", "worker", "--machine", "laser-1") == machine_host

    member, fm = accounts["member"], accounts["fabmanager"]
    r = client.post("/api/v1/jobs", headers=member.headers,
                    data={"file": (io.BytesIO(PLATE), "plaque.svg"), "process": "laser"})
    assert r.status_code == 201, r.json
    job_id = r.json["id"]

    def state() -> dict:
        return client.get(f"/api/v1/jobs/{job_id}", headers=member.headers).json

    job = wait_until(lambda: (j := state())["state"] not in ("submitted", "analysing") and j, 90,
                     what=f"analysis\n{log_tail(tmp_path)}")
    assert job["state"] == "pending_review", f"{job}\n{log_tail(tmp_path)}"
    r = client.post(f"/api/v1/jobs/{job_id}/approve", headers=fm.headers, json={"machine": "laser-1"})
    assert r.status_code == 200, r.json
    job = wait_until(lambda: (j := state())["state"] in ("completed", "failed", "cancelled") and j, 120,
                     interval=0.1, what=f"the run\n{log_tail(tmp_path)}")
    assert job["state"] == "completed", f"{job['state']}: {job['reason']}\n{log_tail(tmp_path)}"

    store = fablab_env.store
    with fablab_env.session() as s:
        from jobqueue.models import Job

        row = s.get(Job, job_id)
        source, program = row.file_sha256, row.program_sha256
    # Each host holds only what it needed, fetched from the database, never from another folder.
    cached = {name: {p.name for p in (tmp_path / f"host-{name}" / "files").rglob("*") if p.is_file()}
              for name in ("analysis", "machine")}
    assert source in cached["analysis"] and program in cached["analysis"]  # read, then wrote, the program
    assert program in cached["machine"] and source not in cached["machine"]
    assert analysis_host != machine_host and store.exists(source) and store.exists(program)
