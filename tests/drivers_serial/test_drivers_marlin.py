"""Marlin driver against the Marlin simulator: checksums, resends, ADVANCED_OK or ping-pong,
lost `ok`, busy keepalive, temperatures, and every Marlin fault ending in a defined state."""

from __future__ import annotations

import pytest
from drivers_testkit import StreamThread, wait_until

from drivers import marlin_protocol as mp
from drivers.base import (
    AlarmError,
    Cancelled,
    DisconnectedError,
    DriverError,
    DriverTimeout,
    FirmwareResetError,
)


def fdm_program(n: int) -> list[str]:
    head = ["M140 S60", "M104 S200", "G21", "G90", "M83", "G92 E0", "M106 S128", "G1 Z0.2 F600", "G1 F1800"]
    body = [f"G1 X{(i % 40) * 0.5:.2f} Y{(i // 40) * 0.5:.2f} E0.0125 ; move {i}" for i in range(n)]
    return head + body + ["M107"]


def own_lines(driver) -> int:  # noqa: ANN001
    """The driver's own commands at connect: M110, M115, M155."""
    return 3 if driver.capabilities.get("AUTOREPORT_TEMP") else 2


def test_parsers_read_one_line_each() -> None:
    assert mp.parse_line("ok") == mp.Ok()
    assert mp.parse_line("ok N12 P15 B3") == mp.Ok(12, 15, 3)
    ok = mp.parse_line("ok T:210.0 /210.0 B:60.1 /60.0 @:0 B@:0")
    assert ok.temperatures == {"hotend": 210.0, "hotend_target": 210.0, "bed": 60.1, "bed_target": 60.0}
    assert mp.parse_line("Resend: 42") == mp.Resend(42)
    assert mp.parse_line("rs 42") == mp.Resend(42)
    err = mp.parse_line("Error:checksum mismatch, Last Line: 41")
    assert err == mp.LineError("checksum mismatch, Last Line: 41", 41)
    assert isinstance(mp.parse_line("Error:Thermal Runaway, system stopped! Heater_ID: 0"), mp.Fatal)
    assert isinstance(mp.parse_line("Error:Printer halted. kill() called!"), mp.Fatal)
    assert isinstance(mp.parse_line("!! Lost communication with MCU"), mp.Fatal)
    assert isinstance(mp.parse_line("Error:Something odd"), mp.FirmwareMessage)
    assert mp.parse_line("echo:busy: processing") == mp.Busy("processing")
    assert mp.parse_line("start") == mp.Start()
    assert mp.parse_line("Cap:AUTOREPORT_TEMP:1") == mp.Capability("AUTOREPORT_TEMP", True)
    assert mp.parse_line(" T:25.00 /0.00 B:24.00 /0.00 @:0 B@:0").values["bed"] == 24.0
    assert isinstance(mp.parse_line("echo:Unknown command: \"G999\""), mp.Info)


def test_line_numbers_and_checksums() -> None:
    line = mp.numbered(12, "G1 X1")
    body, cs = line.rsplit("*", 1)
    expected = 0
    for ch in body.encode():
        expected ^= ch
    assert body == "N12 G1 X1" and int(cs) == expected
    assert mp.clean_line("G1 X1 ; comment * star") == "G1 X1"


@pytest.mark.parametrize("advanced_ok", [True, False])
def test_stream_completes_with_every_line_executed_once(make_sim, make_driver, advanced_ok: bool) -> None:
    sim = make_sim("marlin", advanced_ok=advanced_ok)
    driver = make_driver("marlin", sim)
    assert driver.advanced_ok is advanced_ok
    lines = fdm_program(300)
    events = []
    result = driver.stream(lines, on_progress=events.append)
    assert result.lines_acked == len(lines) and result.extra["resends"] == 0
    assert events[-1].percent == 100.0
    assert sim.wait_idle(10)
    state = sim.state()
    assert state["commands_done"] == len(lines) + own_lines(driver)
    assert state["position"]["X"] == pytest.approx(0.5 * (299 % 40))
    assert state["position"]["E"] == pytest.approx(300 * 0.0125)  # M83: each move adds its E
    assert state["fan"] == 0 and state["hotend_target"] == 200 and state["bed_target"] == 60
    assert state["bytes_dropped"] == 0 and state["errors_sent"] == 0  # never more than the firmware holds
    if advanced_ok:  # lines wait in the RX buffer behind the BUFSIZE command slots, as a windowed host sends
        assert result.extra["max_in_flight"] > driver._window
    else:
        assert result.extra["max_in_flight"] == 1


@pytest.mark.parametrize("fault", [{"corrupt_line": 40}, {"drop_byte_line": 40}, {"corrupt_rate": 0.002, "seed": 3}])
def test_corrupted_or_dropped_bytes_are_resent_and_run_once(make_sim, make_driver, fault: dict) -> None:
    sim = make_sim("marlin", **fault)
    driver = make_driver("marlin", sim)
    lines = fdm_program(300)
    result = driver.stream(lines)
    assert result.lines_acked == len(lines)
    assert result.extra["resends"] >= 1
    assert sim.wait_idle(10)
    state = sim.state()
    assert state["errors_sent"] >= 1
    assert state["commands_done"] == len(lines) + own_lines(driver)  # nothing skipped, nothing twice
    assert state["position"]["X"] == pytest.approx(0.5 * (299 % 40))


@pytest.mark.parametrize("advanced_ok", [True, False])
def test_a_lost_ok_is_recovered_by_timeout_without_running_a_line_twice(make_sim, make_driver, advanced_ok) -> None:
    sim = make_sim("marlin", advanced_ok=advanced_ok, lost_ok_line=60)
    driver = make_driver("marlin", sim, response_timeout=0.5)
    lines = fdm_program(100)
    result = driver.stream(lines)
    assert result.lines_acked == len(lines)
    assert sim.wait_idle(10)
    assert sim.state()["commands_done"] == len(lines) + own_lines(driver)
    if not advanced_ok:
        assert result.extra["timeouts"] >= 1  # with ADVANCED_OK the next `ok N` already covers it


def test_busy_keepalive_holds_off_the_timeout(make_sim, make_driver) -> None:
    sim = make_sim("marlin", speed_factor=1, keepalive_s=0.2)
    driver = make_driver("marlin", sim, response_timeout=0.6, max_timeouts=1)
    result = driver.stream(["G4 S2", "G1 X1 F600"])  # a 2 s dwell: no ok, but busy: every 0.2 s
    assert result.lines_acked == 2 and result.extra["timeouts"] == 0


def test_heating_reports_temperatures_and_waits(make_sim, make_driver) -> None:
    sim = make_sim("marlin", speed_factor=100)
    driver = make_driver("marlin", sim, response_timeout=0.8, max_timeouts=1, temperature_interval=1)
    events = []
    result = driver.stream(["M140 S60", "M104 S210", "M190 S60", "M109 S210", "G1 X5 F600"], on_progress=events.append)
    assert result.lines_acked == 5
    state = sim.state()
    assert state["hotend"] == pytest.approx(210, abs=1) and state["bed"] == pytest.approx(60, abs=1)
    temps = [e.temperatures for e in events if e.temperatures]
    assert temps and "hotend" in temps[-1]


@pytest.mark.parametrize("fault, error", [
    ("thermal_runaway", AlarmError), ("alarm", AlarmError), ("reset", FirmwareResetError),
    ("disconnect", DisconnectedError), ("hang", DriverTimeout),
])
def test_mid_job_faults_end_in_a_defined_state(make_sim, make_driver, fault: str, error: type) -> None:
    sim = make_sim("marlin", speed_factor=50, **{f"{fault}_at_line": 60})
    driver = make_driver("marlin", sim, response_timeout=0.4, max_timeouts=2)
    lines = fdm_program(400)
    t = StreamThread(driver, lines)
    t.start()
    t.finish(20)
    assert isinstance(t.error, error), t.error
    acked = t.error.lines_acked
    assert t.progress[-1].lines_acked == acked
    # the firmware answered 60 lines (the driver's own first); the driver counts those whose
    # answer reached it: all of them, unless the cable went with the last few answers
    answered = 60 - own_lines(driver)
    if fault == "disconnect":
        assert answered - driver._window <= acked <= answered
    else:
        assert acked == answered
    if fault == "thermal_runaway":
        assert "Thermal Runaway" in str(t.error)


def test_resend_storm_is_cut_short(make_sim, make_driver) -> None:
    sim = make_sim("marlin", corrupt_rate=0.2, seed=1)
    driver = make_driver("marlin", sim, resend_limit=5, connect=False)
    with pytest.raises(DriverError):
        driver.connect(timeout=5)
        driver.stream(fdm_program(200))


def test_cancel_from_another_thread_turns_heaters_and_motors_off(make_sim, make_driver) -> None:
    sim = make_sim("marlin", speed_factor=5)
    driver = make_driver("marlin", sim)
    t = StreamThread(driver, fdm_program(400))
    t.start()
    wait_until(lambda: sim.state()["commands_done"] > 40, 10, "the print to start")
    driver.cancel()
    t.finish(20)
    assert isinstance(t.error, Cancelled)
    received = len(sim.received_lines())
    assert sim.wait_idle(5)
    state = sim.state()
    assert (state["hotend_target"], state["bed_target"], state["fan"], state["motors_on"]) == (0, 0, 0, False)
    assert t.error.lines_acked < 400
    code, params = t.error.as_reason()  # a code with parameters, said by the web and the CLI
    assert code == "driver.cancelled" and params["line"] == t.error.lines_acked
    assert params["done"][-4:] == ["hotend_off", "bed_off", "fan_off", "motors_off"]
    assert len(sim.received_lines()) == received  # nothing sent after the cancel sequence


def test_pause_stops_sending_and_resume_finishes(make_sim, make_driver) -> None:
    sim = make_sim("marlin", speed_factor=50)
    driver = make_driver("marlin", sim)
    lines = fdm_program(300)
    t = StreamThread(driver, lines)
    t.start()
    wait_until(lambda: sim.state()["commands_done"] > 30, 10, "the print to start")
    driver.pause()
    wait_until(lambda: sim.wait_idle(0.2), 10, "the firmware to run out of lines")
    held = sim.state()["commands_done"]
    assert driver.status().state == "paused"
    assert sim.state()["commands_done"] == held
    driver.resume()
    t.finish(30)
    assert t.error is None and t.result.lines_acked == len(lines)


def test_m112_kills_the_printer_and_the_stream_reports_it(make_sim, make_driver) -> None:
    sim = make_sim("marlin", speed_factor=5)
    driver = make_driver("marlin", sim, response_timeout=0.5, max_timeouts=1)
    t = StreamThread(driver, fdm_program(300))
    t.start()
    wait_until(lambda: sim.state()["commands_done"] > 20, 10, "the print to start")
    driver.emergency_stop()
    t.finish(10)
    assert isinstance(t.error, AlarmError) and "kill() called" in str(t.error)
    assert sim.state()["dead"] is True


def test_control_calls_from_another_thread_are_safe(make_sim, make_driver) -> None:
    """pause / resume / status hammered from the control thread while stream() runs."""
    import random
    import time

    sim = make_sim("marlin", corrupt_rate=0.0005, seed=11)
    driver = make_driver("marlin", sim)
    lines = fdm_program(500)
    t = StreamThread(driver, lines)
    t.start()
    rng = random.Random(5)
    while t.is_alive() and sim.state()["commands_done"] < 350:
        driver.pause()
        time.sleep(rng.uniform(0.0, 0.02))
        driver.status()
        driver.resume()
        time.sleep(rng.uniform(0.0, 0.02))
    driver.resume()
    t.finish(30)
    assert t.error is None and t.result.lines_acked == len(lines)
    assert sim.wait_idle(10)
    assert sim.state()["commands_done"] == len(lines) + own_lines(driver)


def test_after_a_firmware_reset_the_job_resumes_from_its_last_line(make_sim, make_driver) -> None:
    sim = make_sim("marlin", reset_at_line=80)
    driver = make_driver("marlin", sim)
    lines = fdm_program(200)
    with pytest.raises(FirmwareResetError) as info:
        driver.stream(lines)
    acked = info.value.lines_acked
    result = driver.stream(lines, start_line=acked)  # numbering re-synchronised with M110
    assert result.lines_acked == len(lines)
    assert sim.wait_idle(10)
    assert sim.state()["position"]["X"] == pytest.approx(0.5 * (199 % 40))


def test_cancel_while_paused_still_makes_the_printer_safe(make_sim, make_driver) -> None:
    sim = make_sim("marlin", speed_factor=50)
    driver = make_driver("marlin", sim)
    t = StreamThread(driver, fdm_program(300))
    t.start()
    wait_until(lambda: sim.state()["commands_done"] > 30, 10, "the print to start")
    driver.pause()
    driver.cancel()
    t.finish(20)
    assert isinstance(t.error, Cancelled)
    state = sim.state()
    assert (state["hotend_target"], state["bed_target"], state["motors_on"]) == (0, 0, False)
