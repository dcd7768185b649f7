"""GRBL faults, and pause / resume / cancel called from another thread while stream() runs."""

from __future__ import annotations

import random
import time

import pytest
from drivers_testkit import StreamThread, wait_until

from drivers.base import (
    AlarmError,
    Cancelled,
    DisconnectedError,
    DriverTimeout,
    FirmwareError,
    FirmwareResetError,
)

OWN = 2  # the driver's own lines at connect: "" and $I


def cnc_program(n: int) -> list[str]:
    head = ["G21 G90 G54", "M3 S12000", "G0 Z5", "G1 Z-1 F300", "F1200"]
    return head + [f"G1 X{(i % 30) * 1.0:.3f} Y{(i // 30) * 1.0:.3f}" for i in range(n)] + ["G0 Z5", "M5"]


@pytest.mark.parametrize("fault, error", [
    ("alarm", AlarmError), ("reset", FirmwareResetError), ("disconnect", DisconnectedError), ("hang", DriverTimeout),
    ("lost_ok", DriverTimeout),
])
def test_mid_job_faults_end_in_a_defined_state(make_sim, make_driver, fault: str, error: type) -> None:
    sim = make_sim("grbl", speed_factor=100, **{f"{fault}_line" if fault == "lost_ok" else f"{fault}_at_line": 50})
    driver = make_driver("grbl", sim, response_timeout=0.5, status_interval=0.05)
    t = StreamThread(driver, cnc_program(300))
    t.start()
    t.finish(20)
    assert isinstance(t.error, error), t.error
    acked = t.error.lines_acked
    assert t.progress[-1].lines_acked == acked
    answered = 50 - OWN
    if fault == "disconnect":
        assert answered - 8 <= acked <= answered  # answers still in the simulator's UART went with the cable
    elif fault == "lost_ok":
        # GRBL answers carry no line number: every answer after the lost one is counted one line
        # early, so the count is one short of the truth, never more
        assert acked == sim.state()["lines_processed"] - OWN - 1
    else:
        # exact: the simulator fires its fault right after its 50th answer (it used to let a loaded
        # tick answer one more line first, which read as the driver counting one too many)
        assert acked == answered
        if fault != "reset":  # (after a reboot the firmware takes lines still on the wire)
            assert sim.state()["lines_processed"] - OWN == answered
    if fault == "alarm":
        assert t.error.code == 1 and "Hard limit" in t.error.meaning
        assert sim.state()["state"] == "Alarm"  # left in alarm: no automatic $X


def test_stream_refuses_to_start_in_alarm(make_sim, make_driver) -> None:
    sim = make_sim("grbl")
    driver = make_driver("grbl", sim, status_interval=0.05)
    sim.inject("alarm")
    wait_until(lambda: driver.status() and driver.status().state == "Alarm", 5, "the alarm to be seen")
    with pytest.raises(AlarmError):
        driver.stream(cnc_program(10))
    assert sim.state()["lines_processed"] == OWN


@pytest.mark.parametrize("fault, code", [("corrupt_line", 20), ("drop_byte_line", 1)])
def test_a_corrupted_or_dropped_byte_becomes_a_firmware_error(make_sim, make_driver, fault: str, code: int) -> None:
    """GRBL has no checksums: G -> C is an unsupported word (error:20), a lost G leaves a number
    where a letter should be (error:1). The stream stops at that line."""
    sim = make_sim("grbl", **{fault: 20 + OWN})
    driver = make_driver("grbl", sim)
    with pytest.raises(FirmwareError) as info:
        driver.stream(cnc_program(100))
    assert info.value.line_index == 19 and info.value.code == code


def test_cancel_holds_resets_and_turns_the_spindle_off(make_sim, make_driver) -> None:
    sim = make_sim("grbl", speed_factor=10)
    driver = make_driver("grbl", sim, status_interval=0.05)
    t = StreamThread(driver, cnc_program(400))
    t.start()
    wait_until(lambda: sim.state()["lines_processed"] > 40, 10, "the job to start")
    driver.cancel()
    t.finish(20)
    assert isinstance(t.error, Cancelled), t.error
    assert t.error.as_reason() == ("driver.cancelled", {"line": t.error.lines_acked,
                                                        "done": ["feed_hold", "soft_reset", "spindle_off"]})
    received = len(sim.received_lines())
    time.sleep(0.2)
    state = sim.state()
    assert state["state"] == "Idle"  # reset after the hold completed: position kept, no alarm
    assert state["modal"]["spindle"] == "M5" and state["planner_free"] == 15
    assert len(sim.received_lines()) == received  # nothing sent after the cancel
    assert sim.received_lines()[-1] == "M5"
    # the reset dropped moves GRBL had acknowledged but not run: the job's checkpoint steps back
    # over them, so a resume re-runs them instead of skipping a piece of the cut
    answered = sim.state()["lines_processed"] - OWN - 1  # less the M5 after the reset
    assert 0 < t.error.lines_acked < answered


def test_pause_holds_motion_and_resume_finishes(make_sim, make_driver) -> None:
    sim = make_sim("grbl", speed_factor=10)
    driver = make_driver("grbl", sim, status_interval=0.05)
    lines = cnc_program(200)
    t = StreamThread(driver, lines)
    t.start()
    wait_until(lambda: sim.state()["lines_processed"] > 30, 10, "the job to start")
    driver.pause()
    wait_until(lambda: sim.state()["state"] == "Hold:0", 5, "the feed hold to complete")
    pos = sim.state()["position"]
    time.sleep(0.2)
    assert sim.state()["position"] == pos  # held: nothing moves
    assert driver.status().state.startswith("Hold")
    driver.resume()
    t.finish(30)
    assert t.error is None and t.result.lines_acked == len(lines)


def test_control_calls_from_another_thread_are_safe(make_sim, make_driver) -> None:
    """The job worker's control loop hammers pause/resume/status while stream() runs."""
    sim = make_sim("grbl", speed_factor=50)
    driver = make_driver("grbl", sim, status_interval=0.05)
    lines = cnc_program(600)
    t = StreamThread(driver, lines)
    t.start()
    rng = random.Random(7)
    while t.is_alive() and len(sim.received_lines()) < 400:
        driver.pause()
        time.sleep(rng.uniform(0.0, 0.02))
        driver.status()
        driver.resume()
        time.sleep(rng.uniform(0.0, 0.02))
    driver.resume()
    t.finish(30)
    assert t.error is None and t.result.lines_acked == len(lines)
    assert sim.wait_idle(10)
    assert sim.state()["lines_processed"] == len(lines) + OWN  # blank-free program: one answer per line
    assert sim.state()["bytes_dropped"] == 0


def test_cancel_while_paused_resets_without_alarm(make_sim, make_driver) -> None:
    sim = make_sim("grbl", speed_factor=10)
    driver = make_driver("grbl", sim, status_interval=0.05)
    t = StreamThread(driver, cnc_program(300))
    t.start()
    wait_until(lambda: sim.state()["lines_processed"] > 30, 10, "the job to start")
    driver.pause()
    wait_until(lambda: sim.state()["state"] == "Hold:0", 5, "the feed hold")
    driver.cancel()
    t.finish(20)
    assert isinstance(t.error, Cancelled)
    assert sim.state()["state"] == "Idle" and sim.state()["modal"]["spindle"] == "M5"


def test_a_long_dwell_is_not_mistaken_for_a_lost_answer(make_sim, make_driver) -> None:
    """During G4 GRBL reports Idle with empty buffers and no answer yet: that is not a loss."""
    sim = make_sim("grbl", speed_factor=1)
    driver = make_driver("grbl", sim, status_interval=0.05, response_timeout=0.5)
    result = driver.stream(["G21 G90", "M3 S1000", "G4 P1.5", "G1 X1 F600"])
    assert result.lines_acked == 4
