"""Monthly quotas against the usage records real runs leave: a member's cube is printed on the
Marlin simulator (analysis and machine workers in their own processes, the built-in slicer), the
machine worker writes the run's usage record; the member is then over their monthly grams and
refused a printer job at upload with the limit and the reset date, and over their machine
hours for the laser (which does not count grams)."""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
import yaml
from people_helpers import cube
from stack_helpers import log_tail, wait_until

from jobqueue.models_machines import UsageRecord
from jobqueue.quotas import month_window

pytestmark = pytest.mark.slow
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="20mm" height="20mm"><rect width="10" height="10"/></svg>'


@pytest.fixture
def quota_env(fablab_env, tmp_path, monkeypatch):  # noqa: ANN001, ANN201
    """The demo inventory: ender-3 on the built-in slicer, no clearance wait, and the member tier
    allowed a hair of material and machine time a month (any real run goes over)."""
    raw = yaml.safe_load(fablab_env.settings.machines_file.read_text(encoding="utf-8"))
    for m in raw["machines"]:
        m["clearance_required"] = False
        if m["id"] == "ender-3":
            m["process"]["slicer"] = "builtin"
    for tier in raw["pricing_tiers"]:
        if tier["name"] == "member":
            tier["quota"] = {"jobs_waiting": 30, "grams_per_month": 0.01, "machine_hours_per_month": 1e-6}
    path = tmp_path / "machines-quota.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("FABLAB_MACHINES", str(path))
    from jobqueue.context import Context

    return Context.from_env()


def test_monthly_grams_and_hours_from_a_real_run(quota_env, accounts, spawn, tmp_path) -> None:  # noqa: ANN001
    from web.app import create_app

    ctx = quota_env
    link = ctx.settings.simulator_link("ender-3")
    link.parent.mkdir(parents=True, exist_ok=True)
    spawn("sim-ender-3", "simulate", "--firmware", "marlin", "--link", str(link), "--baud", "115200",
          "--speed-factor", "500", "--no-advanced-ok")
    wait_until(link.exists, 20, what="the Marlin simulator's pty")
    spawn("worker-analysis", "worker", "analysis")
    spawn("worker-ender-3", "worker", "--machine", "ender-3")
    client = create_app(ctx, testing=True).test_client()
    member, fm = accounts["member"].headers, accounts["fabmanager"].headers

    r = client.post("/api/v1/jobs", headers=member, data={"file": (io.BytesIO(cube(3)), "cube.stl"),
                                                          "process": "fdm", "material": "PLA"})
    assert r.status_code == 201, r.json
    job_id = r.json["id"]

    def state() -> str:
        return client.get(f"/api/v1/jobs/{job_id}", headers=member).json["state"]

    wait_until(lambda: state() == "pending_review", 120, what=f"the verdict\n{log_tail(tmp_path)}")
    r = client.post(f"/api/v1/jobs/{job_id}/approve", headers=fm, json={"machine": "ender-3"})
    assert r.status_code == 200, r.json
    wait_until(lambda: state() in ("completed", "failed"), 240, interval=0.3, what=f"the print\n{log_tail(tmp_path)}")
    assert state() == "completed", log_tail(tmp_path)
    with ctx.session() as s:
        [rec] = s.query(UsageRecord).filter_by(job_id=job_id).all()  # written by the machine worker
        grams, seconds = rec.quantity, rec.running_seconds
    assert rec.unit == "g" and grams > 0.01 and seconds > 0

    # over the month's grams: a printer job is refused at once, naming the limit and the reset
    _, resets = month_window(ctx.spec())
    r = client.post("/api/v1/jobs", headers=member, data={"file": (io.BytesIO(cube(3)), "again.stl"),
                                                          "process": "fdm", "material": "PLA"})
    assert r.status_code == 400 and r.json["code"] == "quota_exceeded", r.json
    p = r.json["params"]
    assert (p["limit"], p["used"], p["allowed"]) == ("grams_per_month", round(grams, 6), 0.01)
    first = dt.datetime.fromisoformat(p["resets"]).astimezone(ZoneInfo(ctx.spec().timezone))
    assert dt.datetime.fromisoformat(p["resets"]) == resets and (first.day, first.hour, first.minute) == (1, 0, 0)
    # the laser counts no grams, but the machine hours are the run's too
    r = client.post("/api/v1/jobs", headers=member, data={"file": (io.BytesIO(SVG), "p.svg"), "process": "laser"})
    assert r.status_code == 400 and r.json["params"]["limit"] == "machine_hours_per_month", r.json
    assert r.json["params"]["used"] == round(seconds / 3600, 6)
