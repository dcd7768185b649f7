"""Emergency stop on the real stack: the machine worker streams to a Marlin simulator behind a
pty; the fabmanager's POST reaches the streaming loop through Redis and the driver sends M112.
The simulated printer is then halted with its heaters off, the job failed, the machine needs
attention and takes no job until acknowledged."""

from __future__ import annotations

import pytest
from machday_helpers import job_with_program
from stack_helpers import log_tail, wait_until

from drivers.sim import start_simulator
from jobqueue import machine_status

pytestmark = pytest.mark.slow
HEAT_AND_MOVE = ["M140 S60", "M104 S210", "M190 S60", "M109 S210", "G28"] + [
    f"G1 X{10 + (i % 2) * 80} Y{10 + (i % 3) * 40} F1200" for i in range(400)]


def test_emergency_stop_halts_the_printer_with_heaters_off(fablab_env, accounts, client, spawn, tmp_path) -> None:  # noqa: ANN001
    ctx = fablab_env
    link = ctx.settings.simulator_link("prusa-mk3")
    link.parent.mkdir(parents=True, exist_ok=True)
    sim = start_simulator("marlin", link_path=str(link), speed_factor=5)
    try:
        job_id = job_with_program(ctx, "prusa-mk3", HEAT_AND_MOVE)
        spawn("worker-prusa", "worker", "--machine", "prusa-mk3")
        fm = accounts["fabmanager"].headers
        wait_until(lambda: sim.state()["hotend_target"] > 0, 60, what=f"heating\n{log_tail(tmp_path)}")
        r = client.post("/api/v1/machines/prusa-mk3/emergency-stop", headers=fm)
        assert r.status_code == 202 and r.json["sent_to"] == "job", r.json
        job = wait_until(lambda: (j := client.get(f"/api/v1/jobs/{job_id}", headers=fm).json)["state"] in
                         ("failed", "cancelled", "completed") and j, 60, what=f"the job's end\n{log_tail(tmp_path)}")
        assert (job["state"], job["reason"]) == ("failed", "emergency_stop")
        state = sim.state()
        assert state["dead"] and state["hotend_target"] == 0 and state["bed_target"] == 0
        machines = {m["id"]: m for m in client.get("/api/v1/machines", headers=fm).json["machines"]}
        assert machines["prusa-mk3"]["state"] == "needs_attention"
        assert machines["prusa-mk3"]["attention"]["code"] == "emergency_stop"
        with ctx.session() as s:
            assert not machine_status.claim(s, "prusa-mk3", 999)  # nothing dispatched until acknowledged
    finally:
        sim.stop()
