"""Resume from line N: the machine's state after the restore preamble and lines N.. equals the
state of an uninterrupted run, on GRBL and Marlin simulators; and a cancelled job resumes."""

from __future__ import annotations

import pytest
from drivers_testkit import StreamThread, wait_until

from drivers.base import Cancelled
from drivers.modal import modal_state_at, resume_preamble


def cnc_program() -> list[str]:
    out = ["G21", "G90 G54 G17", "M3 S9000", "G0 Z5", "G0 X10 Y10", "G1 Z-1 F300", "F900"]
    out += [f"G1 X{10 + i} Y{10 + (i % 7)}" for i in range(40)]
    out += ["G0 Z5", "G91", "G0 X5", "G1 Y-3 F450", "G90", "M5", "G20", "G0 X2 Y1", "G21", "M4 S300"]
    out += [f"G1 X{30 - i} Y{20 + i % 3} F1200" for i in range(30)]
    return out + ["M5", "G0 Z5"]


def fdm_program() -> list[str]:
    out = ["M140 S60", "M104 S205", "M190 S60", "M109 S205", "G21", "G90", "M82", "G92 E0", "G1 Z0.2 F600"]
    e = 0.0
    for layer in range(3):
        out.append(f"G1 Z{0.2 * (layer + 1):.1f} F600")
        if layer == 1:
            out += ["M106 S200", "M104 S210"]
        for i in range(25):
            e += 0.05
            out.append(f"G1 X{20 + i} Y{20 + (i + layer) % 5} E{e:.3f} F1500")
    return out + ["M107", "M104 S0"]


def test_modal_state_is_replayed_from_the_program() -> None:
    lines = cnc_program()
    st = modal_state_at(lines, 47)
    assert (st.units, st.distance, st.wcs, st.spindle, st.spindle_speed, st.feed) == ("G21", "G90", "G54", "M3", 9000, 900)
    assert st.position == {"X": 49.0, "Y": 10 + 39 % 7, "Z": -1.0} and st.max_z == 5.0
    st = modal_state_at(lines, 50)  # inside the G91 section
    assert st.distance == "G91" and st.position == {"X": 54.0, "Y": 14.0, "Z": 5.0}
    fdm = modal_state_at(fdm_program(), 45, "marlin")
    assert (fdm.hotend, fdm.bed, fdm.fan, fdm.extrude) == (210, 60, 200, "M82")
    assert fdm.e == pytest.approx(0.05 * 32)  # 25 moves of layer 0, 7 of layer 1


def test_grbl_preamble_lifts_before_travelling_and_plunges_last() -> None:
    pre = resume_preamble(cnc_program(), 30, "grbl")
    assert pre[0].startswith("G21 G90 G54") and "M5" in pre
    z_up = pre.index("G0 Z5")
    travel = next(i for i, p in enumerate(pre) if p.startswith("G0 X"))
    spindle = pre.index("M3 S9000")
    plunge = next(i for i, p in enumerate(pre) if p.startswith("G1 Z-1"))
    assert z_up < travel < spindle < plunge
    assert resume_preamble(cnc_program(), 0, "grbl") == []


def _grbl_state(sim) -> dict:  # noqa: ANN001
    assert sim.wait_idle(10)
    s = sim.state()
    return {"modal": s["modal"], "feed": s["feed"], "spindle": s["spindle_speed"],
            "position": {k: round(v, 3) for k, v in s["position"].items()}}


def _marlin_state(sim) -> dict:  # noqa: ANN001
    assert sim.wait_idle(10)
    s = sim.state()
    keys = ("units", "distance", "extrude", "feed", "hotend_target", "bed_target", "fan")
    return {**{k: s[k] for k in keys}, "position": {k: round(v, 3) for k, v in s["position"].items()}}


@pytest.mark.parametrize("n", [6, 30, 49, 53, 62, 80])
def test_grbl_resumed_state_equals_an_uninterrupted_run(make_sim, make_driver, n: int) -> None:
    lines = cnc_program()
    end = min(len(lines), n + 5)
    whole = make_sim("grbl")
    make_driver("grbl", whole).stream(lines[:end])
    resumed = make_sim("grbl")
    result = make_driver("grbl", resumed).stream(lines[:end], start_line=n)
    assert result.lines_acked == end
    assert _grbl_state(resumed) == _grbl_state(whole)


@pytest.mark.parametrize("n", [5, 20, 40, 60, 81])
def test_marlin_resumed_state_equals_an_uninterrupted_run(make_sim, make_driver, n: int) -> None:
    lines = fdm_program()
    end = min(len(lines), n + 4)
    whole = make_sim("marlin")
    make_driver("marlin", whole).stream(lines[:end])
    resumed = make_sim("marlin")
    result = make_driver("marlin", resumed).stream(lines[:end], start_line=n)
    assert result.lines_acked == end
    assert _marlin_state(resumed) == _marlin_state(whole)


@pytest.mark.parametrize("firmware, program", [("grbl", cnc_program), ("marlin", fdm_program)])
def test_a_cancelled_job_resumes_from_its_last_acknowledged_line(make_sim, make_driver, firmware, program) -> None:
    lines = program()
    whole = make_sim(firmware)
    make_driver(firmware, whole).stream(lines)
    sim = make_sim(firmware, speed_factor=5 if firmware == "grbl" else 60)
    driver = make_driver(firmware, sim, status_interval=0.05)
    t = StreamThread(driver, lines)
    t.start()
    wait_until(lambda: sim.state()["lines_processed"] > 30, 20, "the job to start")
    driver.cancel()
    t.finish(20)
    assert isinstance(t.error, Cancelled)
    acked = t.error.lines_acked
    assert 0 < acked < len(lines)
    assert driver.stream(lines, start_line=acked).lines_acked == len(lines)
    snapshot = _grbl_state if firmware == "grbl" else _marlin_state
    assert snapshot(sim) == snapshot(whole)
