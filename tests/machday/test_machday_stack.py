"""A day at the printers on the real stack: workers in their own processes, the embedded
Valkey, SQLite, Marlin simulators behind ptys. Ten jobs approved to a group of two printers."""

from __future__ import annotations

import io
import time
from pathlib import Path

import pytest
import yaml
from machday_helpers import cube_stl
from stack_helpers import log_tail, wait_until

from jobqueue.context import Context
from jobqueue.models_machines import MachineEvent, Run

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]
PRINTERS = ("prusa-mk3", "ender-3")


@pytest.fixture
def printers_env(fablab_env: Context, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Context:
    """The demo inventory with both printers on the built-in slicer (quick, no PrusaSlicer)."""
    raw = yaml.safe_load((REPO / "machines.yaml").read_text(encoding="utf-8"))
    for m in raw["machines"]:
        if m["id"] in PRINTERS:
            m["process"]["slicer"] = "builtin"
    path = tmp_path / "machines.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("FABLAB_MACHINES", str(path))
    return Context.from_env()


def _start(spawn, ctx: Context) -> None:  # noqa: ANN001
    for mid in PRINTERS:
        link = ctx.settings.simulator_link(mid)
        link.parent.mkdir(parents=True, exist_ok=True)
        extra = ["--no-advanced-ok"] if mid == "ender-3" else []
        spawn(f"sim-{mid}", "simulate", "--firmware", "marlin", "--link", str(link), "--baud", "115200",
              "--speed-factor", "500", *extra)
        wait_until(link.exists, 20, what=f"the {mid} simulator")
    spawn("worker-analysis", "worker", "analysis")
    for mid in PRINTERS:
        spawn(f"worker-{mid}", "worker", "--machine", mid)


def test_ten_jobs_on_a_group_of_two_printers(printers_env, accounts, spawn, tmp_path) -> None:  # noqa: ANN001
    from web.app import create_app

    ctx = printers_env
    client = create_app(ctx, testing=True).test_client()
    _start(spawn, ctx)
    member, fm = accounts["member"].headers, accounts["fabmanager"].headers
    stl = cube_stl(3.0)  # 3 mm: a mesh below it must have its unit chosen before approval
    ids = []
    for i in range(10):
        r = client.post("/api/v1/jobs", headers=member,
                        data={"file": (io.BytesIO(stl), f"cube-{i}.stl"), "process": "fdm", "material": "PLA"})
        assert r.status_code == 201, r.json
        ids.append(r.json["id"])

    def states() -> dict[int, str]:
        return {j["id"]: j["state"] for j in client.get("/api/v1/jobs", headers=fm).json["jobs"]}

    wait_until(lambda: all(states()[i] == "pending_review" for i in ids), 180,
               what=f"ten analyses\n{log_tail(tmp_path)}")
    for i in ids:
        r = client.post(f"/api/v1/jobs/{i}/approve", headers=fm, json={"group": "fdm-pla"})
        assert r.status_code == 200, r.json
    cleared = 0
    deadline = time.monotonic() + 400
    while time.monotonic() < deadline:
        jobs = client.get("/api/v1/jobs", headers=fm).json["jobs"]
        on_machine = [j["machine"] for j in jobs if j["state"] in ("running", "paused")]
        assert len(on_machine) == len(set(on_machine)), f"two jobs at once on a printer: {jobs}"
        if all(j["state"] in ("completed", "failed", "cancelled") for j in jobs if j["id"] in ids):
            break
        for m in client.get("/api/v1/machines", headers=fm).json["machines"]:
            if m["state"] == "to_be_cleared":
                assert client.post(f"/api/v1/machines/{m['id']}/clear", headers=fm).status_code == 200
                cleared += 1
        time.sleep(0.2)
    final = states()
    assert all(final[i] == "completed" for i in ids), f"{final}\n{log_tail(tmp_path)}"
    with ctx.session() as s:
        runs = s.query(Run).order_by(Run.started_at).all()
        events = s.query(MachineEvent).filter_by(action="cleared").all()
    assert len(runs) == 10 and {r.machine_id for r in runs} == set(PRINTERS)
    for mid in PRINTERS:
        mine = [r for r in runs if r.machine_id == mid]
        clears = sorted(e.at for e in events if e.machine_id == mid)
        for before, after in zip(mine, mine[1:], strict=False):
            assert before.finished_at <= after.started_at, "two runs overlapped on one printer"
            assert any(before.finished_at <= at <= after.started_at for at in clears), \
                f"{mid} ran the next job without being cleared"
    assert cleared >= 8
