"""Live figures and the idle emergency stop, on the real stack: a machine worker in its own
process, simulators behind ptys. While a job runs, the machines API shows the run's temperatures
and position (the job's driver: `M155` auto-report, GRBL `?`); while the machine is idle, the
worker's monitor asks it (`M114`, GRBL `?`) and keeps the figures fresh, without touching a
run's lines. An emergency stop on an idle machine goes through its queue to the driver."""

from __future__ import annotations

import re

import pytest
from machday_helpers import job_with_program
from stack_helpers import log_tail, wait_until

from drivers import open_driver
from drivers.sim import start_simulator
from jobqueue import live
from jobqueue.models import Job

pytestmark = pytest.mark.slow
MONITOR = {"FABLAB_MONITOR_S": "0.5"}
# The run is busy while M190 heats the bed; the moves after it are acked as the planner takes them,
# so the job completes with them queued and the idle position (X50) waits for them to be done:
# short moves (0.2 s each at speed 4) rather than 150 mm ones (0.7 s each, 8 s of drain).
PRINT = ["M104 S200", "M140 S35", "G28", "G1 X10 Y10 F3000", "M190 S35"] + [f"G1 X{40 if i % 2 else 10} Y{40 if i % 2 else 10} F3000"
                                            for i in range(12)] + ["G1 X50 Y40 F3000"]


def _machine(client, fm, machine_id: str) -> dict:  # noqa: ANN001
    return {m["id"]: m for m in client.get("/api/v1/machines", headers=fm).json["machines"]}[machine_id]


def _commands(sim) -> list[str]:  # noqa: ANN001
    """What the firmware received, without line numbers and checksums (`N12 G1 X1*97`)."""
    return [re.sub(r"^N\d+ ", "", line).split("*", 1)[0].strip() for line in sim.received_lines()]


def _sim(ctx, machine_id: str, firmware: str, speed: float):  # noqa: ANN001, ANN202
    link = ctx.settings.simulator_link(machine_id)
    link.parent.mkdir(parents=True, exist_ok=True)
    return start_simulator(firmware, link_path=str(link), speed_factor=speed)


def test_printer_figures_live_then_idle_emergency_stop(fablab_env, accounts, client, spawn, tmp_path) -> None:  # noqa: ANN001
    ctx, fm = fablab_env, accounts["fabmanager"].headers
    sim = _sim(ctx, "prusa-mk3", "marlin", 4)
    try:
        job_id = job_with_program(ctx, "prusa-mk3", PRINT)
        spawn("worker-prusa", "worker", "--machine", "prusa-mk3", env=MONITOR)
        during = wait_until(lambda: (m := _machine(client, fm, "prusa-mk3"))["state"] == "busy"
                            and (m["temperatures"] or {}).get("hotend_target") == 200 and m["position"] and m,
                            60, what=f"the run's figures {_machine(client, fm, 'prusa-mk3')}\n{log_tail(tmp_path)}")
        assert during["current_job"] == job_id and during["temperatures"]["bed_target"] == 35
        wait_until(lambda: client.get(f"/api/v1/jobs/{job_id}", headers=fm).json["state"] == "completed", 90,
                   what=f"the print\n{log_tail(tmp_path)}")
        with ctx.session() as s:
            assert s.get(Job, job_id).lines_acked == len(PRINT)
        moves = [c for c in _commands(sim) if c.startswith("G1 ")]
        assert moves == [line for line in PRINT if line.startswith("G1 ")]  # each once, the monitor's own apart
        # idle: the monitor's figures, fresh (M114 through the driver; temperatures from the first
        # auto-report, M155 S2, which comes up to 2 s after the monitor's link opens)
        idle = wait_until(lambda: (m := _machine(client, fm, "prusa-mk3"))["state"] == "to_be_cleared"
                          and m["position"] and m["position"]["X"] == 50 and m["temperatures"] and m, 30,
                          what=f"the idle figures\n{log_tail(tmp_path)}")
        assert idle["temperatures"]["hotend_target"] == 200 and idle["link_error"] is None
        first = live.machine_status(ctx.redis(), "prusa-mk3")["telemetry_at"]
        wait_until(lambda: live.machine_status(ctx.redis(), "prusa-mk3")["telemetry_at"] > first, 10,
                   what="a fresher look at the idle printer")
        assert "M114" in _commands(sim)
        # emergency stop of the idle printer: through its queue, the driver sends M112
        r = client.post("/api/v1/machines/prusa-mk3/emergency-stop", headers=fm)
        assert r.status_code == 202 and r.json["sent_to"] == "idle", r.json
        wait_until(lambda: sim.state()["dead"], 30, what=f"M112\n{log_tail(tmp_path)}")
        state = sim.state()
        assert (state["hotend_target"], state["bed_target"]) == (0, 0)
        after = wait_until(lambda: (m := _machine(client, fm, "prusa-mk3"))["link_error"] and m, 30,
                           what="the monitor to see a printer that answers no more")
        assert after["state"] == "needs_attention" and after["attention"]["code"] == "emergency_stop"
        assert after["link_error"]["code"] == "link_failed"
    finally:
        sim.stop()


def test_grbl_idle_position_then_emergency_stop(fablab_env, accounts, client, spawn, tmp_path) -> None:  # noqa: ANN001
    ctx, fm = fablab_env, accounts["fabmanager"].headers
    sim = _sim(ctx, "cnc-1", "grbl", 50)
    try:
        driver = open_driver("grbl", sim.port, 115200)
        driver.connect()
        for line in ("G0 X20 Y10", "M3 S10000"):  # left spinning where someone set it up by hand
            driver.command(line)
        driver.close()
        spawn("worker-cnc", "worker", "--machine", "cnc-1", env=MONITOR)
        idle = wait_until(lambda: (m := _machine(client, fm, "cnc-1"))["position"] and m["position"]["X"] == 20 and m,
                          30, what=f"the idle position\n{log_tail(tmp_path)}")
        assert idle["position"]["Y"] == 10 and idle["firmware_state"] == "Idle" and idle["state"] == "idle"
        assert sim.state()["modal"]["spindle"] == "M3"
        r = client.post("/api/v1/machines/cnc-1/emergency-stop", headers=fm)
        assert r.status_code == 202 and r.json["sent_to"] == "idle", r.json
        wait_until(lambda: sim.state()["modal"]["spindle"] == "M5", 30, what=f"the soft reset\n{log_tail(tmp_path)}")
        assert sim.state()["spindle_speed"] == 0
        machine = _machine(client, fm, "cnc-1")
        assert machine["state"] == "needs_attention" and machine["attention"]["code"] == "emergency_stop"
    finally:
        sim.stop()
