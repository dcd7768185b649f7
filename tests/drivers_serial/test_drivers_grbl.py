"""GRBL driver against the GRBL simulator behind a real pty: character counting, $I sizes,
status, errors, and what happens to a host that ignores the RX buffer."""

from __future__ import annotations

import time

import pytest
import serial
from drivers_testkit import StreamThread, wait_until

from drivers.base import Cancelled, DriverTimeout, FirmwareError
from drivers.grbl import GrblDriver
from drivers.grbl_protocol import Alarm, Banner, BuildOptions, Error, Ok, Status, Unknown, parse_line


def program(n: int, laser: bool = True) -> list[str]:
    head = ["G21 G90 G54", "M4 S0" if laser else "M3 S12000", "F3000"]
    body = [f"G1 X{(i % 40) * 0.5:.3f} Y{(i // 40) * 0.5:.3f}" + (f" S{i % 900}" if laser else "") for i in range(n)]
    return head + body + ["M5"]


def test_parsers_are_pure_functions_of_one_line() -> None:
    assert parse_line("ok") == Ok()
    err = parse_line("error:22")
    assert isinstance(err, Error) and err.code == 22 and "Feed rate" in err.meaning
    alarm = parse_line("ALARM:1")
    assert isinstance(alarm, Alarm) and "Hard limit" in alarm.meaning
    assert parse_line("Grbl 1.1h ['$' for help]") == Banner("1.1h")
    st = parse_line("<Hold:0|MPos:1.000,2.500,-3.000|Bf:15,128|FS:1200,8000|WCO:1.000,0.000,0.000|Ov:100,90,100>")
    assert isinstance(st, Status)
    assert (st.state, st.substate, st.mpos, st.feed, st.spindle) == ("Hold", 0, (1.0, 2.5, -3.0), 1200, 8000)
    assert (st.planner_free, st.rx_free, st.wco, st.overrides) == (15, 128, (1.0, 0.0, 0.0), (100, 90, 100))
    assert parse_line("[OPT:VNMHTSL,35,1024,3,0]") == BuildOptions("VNMHTSL", 35, 1024)
    assert isinstance(parse_line("\x00garbage"), Unknown)
    assert isinstance(parse_line("error:abc"), Error)  # a garbled code still reads as an error
    assert isinstance(parse_line("<|>"), Unknown)


def test_stream_acknowledges_every_line_and_reaches_the_end(make_sim, make_driver) -> None:
    sim = make_sim("grbl")
    driver = make_driver("grbl", sim)
    assert (driver.rx_buffer, driver.planner_blocks) == (128, 15)
    lines = program(400)
    lines.insert(10, "; a comment line")
    lines.insert(20, "")
    events = []
    result = driver.stream(lines, on_progress=events.append)
    assert result.lines_acked == len(lines)
    assert events[-1].lines_acked == len(lines) and events[-1].percent == 100.0
    assert [e.lines_acked for e in events] == sorted(e.lines_acked for e in events)
    assert sim.wait_idle(10)
    state = sim.state()
    assert state["bytes_dropped"] == 0 and state["errors_sent"] == 0
    assert state["position"]["X"] == pytest.approx(0.5 * (399 % 40))
    assert state["position"]["Y"] == pytest.approx(0.5 * (399 // 40))
    assert state["modal"]["spindle"] == "M5"
    sent = [line for line in sim.received_lines() if line.startswith("G1")]
    assert len(sent) == 400  # each program line received exactly once


def test_buffer_size_is_read_from_dollar_i(make_sim, make_driver) -> None:
    sim = make_sim("grbl", rx_buffer=1024, planner_blocks=35)
    driver = make_driver("grbl", sim)
    assert (driver.rx_buffer, driver.planner_blocks) == (1024, 35)
    assert driver.stream(program(300)).lines_acked == 304
    assert sim.state()["bytes_dropped"] == 0


def test_a_host_that_overfills_the_rx_buffer_loses_bytes(make_sim) -> None:
    """No counting: 40 lines written at once. GRBL's UART drops what does not fit, lines merge
    or break, and the firmware answers errors or fewer lines than were sent."""
    sim = make_sim("grbl", speed_factor=5)
    with serial.serial_for_url(sim.port, 115200, timeout=0.2) as port:
        data = "".join(f"G1 X{i}.123 Y{i}.456 F500\n" for i in range(40)).encode()
        port.write(data)
        wait_until(lambda: sim.state()["bytes_in"] >= len(data), 5, "the bytes to cross the wire")
    state = sim.state()
    assert state["bytes_dropped"] > 0
    assert state["lines_received"] < 40


def test_a_driver_counting_against_the_wrong_size_is_caught(make_sim, make_driver) -> None:
    """A driver that believes the buffer is 1024 bytes, on a 128-byte GRBL, overflows it: bytes
    are lost, lines merge (into errors, or into wild moves, as on real hardware)."""
    sim = make_sim("grbl", speed_factor=2)
    driver = make_driver("grbl", sim, rx_buffer=1024, response_timeout=3, status_interval=0.05)
    t = StreamThread(driver, program(200, laser=False))
    t.start()
    wait_until(lambda: sim.state()["bytes_dropped"] > 0 or not t.is_alive(), 20, "an overflow")
    assert sim.state()["bytes_dropped"] > 0
    if t.is_alive():
        driver.cancel()  # merged digits can make a move of metres: stop it
    t.finish(20)
    assert isinstance(t.error, (FirmwareError, DriverTimeout, Cancelled)), t.error


def test_error_stops_the_stream_with_code_meaning_and_line(make_sim, make_driver) -> None:
    sim = make_sim("grbl")
    driver = make_driver("grbl", sim)
    lines = program(60)
    lines[30] = "G1 X1 Q7"  # unsupported word: error:20
    with pytest.raises(FirmwareError) as info:
        driver.stream(lines)
    err = info.value
    assert err.code == 20 and "Unsupported" in err.meaning and err.line_index == 30
    assert "line 31" in str(err)
    # lines already in GRBL's buffer were answered; nothing after them was sent
    acked = err.lines_acked
    assert 31 <= acked < len(lines)
    assert sim.state()["lines_processed"] == acked + 2  # + the driver's own "" and $I


def test_status_is_polled_and_parsed(make_sim, make_driver) -> None:
    sim = make_sim("grbl", speed_factor=20)
    driver = make_driver("grbl", sim, status_interval=0.05)
    t = StreamThread(driver, ["G21 G90", "G1 X30 Y40 F6000"])  # 50 mm at 100 mm/s /20 = 25 ms
    t.start()
    t.finish()
    assert t.error is None
    wait_until(lambda: (driver.status() and driver.status().state == "Idle"
                        and driver.status().position["X"] == 30.0), 5, "an Idle status at the target")
    assert driver.status().position == {"X": 30.0, "Y": 40.0, "Z": 0.0}


def test_check_mode_reports_every_bad_line_and_moves_nothing(make_sim, make_driver) -> None:
    sim = make_sim("grbl")
    driver = make_driver("grbl", sim)
    lines = program(50)
    lines[10] = "G1 X2 Q1"
    lines[20] = "G7"
    errors = driver.check_program(lines)
    assert [(e.line_index, e.code) for e in errors] == [(10, 20), (20, 20)]
    time.sleep(0.1)
    state = sim.state()
    assert state["position"] == {"X": 0.0, "Y": 0.0, "Z": 0.0}
    assert state["check_mode"] is False  # left check mode (GRBL resets on $C off)
    assert driver.stream(program(20)).lines_acked == 24  # and streams normally afterwards


def test_send_response_mode_also_completes(make_sim, make_driver) -> None:
    sim = make_sim("grbl")
    driver = make_driver("grbl", sim, mode="send_response")
    assert driver.stream(program(50)).lines_acked == 54


def test_line_longer_than_grbl_accepts_is_refused_before_sending(make_sim, make_driver) -> None:
    sim = make_sim("grbl")
    driver = make_driver("grbl", sim)
    lines = program(5) + ["G1 X1" + " " * 90 + "Y1"]
    with pytest.raises(FirmwareError) as info:
        driver.stream(lines)
    assert info.value.code == 11 and info.value.line_index == len(lines) - 1
    assert sim.state()["lines_processed"] == 2  # only the driver's own connect lines


def test_grbl_driver_rejects_bad_options() -> None:
    with pytest.raises(ValueError):
        GrblDriver("/dev/null", mode="fast")
