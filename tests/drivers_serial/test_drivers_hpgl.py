"""HPGL cutter driver against the cutter simulator: XON/XOFF and RTS/CTS hold the host back when
the cutter is slower than the link; without flow control, a careless host loses commands."""

from __future__ import annotations

import pytest
import serial
from drivers_testkit import StreamThread, wait_until

from drivers.base import Cancelled, DisconnectedError, DriverTimeout
from drivers.hpgl import resume_preamble, split_commands

BAUD = 38400
SLOW = 10.0  # the cutter runs slower than the link carries commands: its buffer fills


def squares(n: int) -> list[str]:
    out = ["IN;", "SP1;", "VS40;", "FS60;"]
    for i in range(n):
        x, y = (i % 10) * 1400, (i // 10) * 1400
        out += [f"PU{x},{y};", f"PD{x + 1200},{y},{x + 1200},{y + 1200},{x},{y + 1200},{x},{y};"]
    return out + ["PU0,0;", "SP0;"]


CUT_PER_SQUARE_MM = 4 * 1200 / 40


def test_commands_split_and_resume_preamble() -> None:
    assert split_commands("PU10,20;PD30,40,50,60;") == [("PU", [10, 20]), ("PD", [30, 40, 50, 60])]
    assert split_commands("IN;SP1;") == [("IN", []), ("SP", [1])]
    lines = squares(3)
    assert resume_preamble(lines, 0) == []
    assert resume_preamble(lines, 7) == ["IN;", "SP1;", "VS40;", "FS60;", "PU1400,0;"]  # knife up where it stopped


@pytest.mark.slow
@pytest.mark.parametrize("flow", ["xonxoff", "rtscts", "none"])
def test_flow_control_keeps_every_command(make_sim, make_driver, flow: str) -> None:
    sim = make_sim("hpgl", baud=BAUD, speed_factor=SLOW)
    driver = make_driver("hpgl", sim, flow_control=flow)
    assert driver.buffer_size == 1024  # answered ESC.B
    lines = squares(60)
    result = driver.stream(lines)
    assert result.lines_acked == len(lines)
    assert sim.wait_idle(20)
    state = sim.state()
    assert state["bytes_dropped"] == 0
    assert state["commands_done"] == len(lines)
    assert state["cut_mm"] == pytest.approx(60 * CUT_PER_SQUARE_MM)
    if flow == "xonxoff":
        assert state["xoff_count"] >= 1  # the cutter did say stop, and the host obeyed


def test_a_host_ignoring_flow_control_overflows_the_cutter(make_sim) -> None:
    sim = make_sim("hpgl", baud=BAUD, speed_factor=SLOW)
    data = "".join(squares(80)).encode()
    with serial.serial_for_url(sim.port, BAUD, timeout=0.2) as port:
        port.write(data)
        wait_until(lambda: sim.state()["bytes_in"] >= len(data), 10, "the bytes to cross the wire")
    assert sim.state()["bytes_dropped"] > 0


@pytest.mark.slow
def test_cancel_aborts_the_cutter_buffer_and_lifts_the_knife(make_sim, make_driver) -> None:
    sim = make_sim("hpgl", baud=BAUD, speed_factor=SLOW)
    driver = make_driver("hpgl", sim)
    lines = squares(80)
    t = StreamThread(driver, lines)
    t.start()
    wait_until(lambda: sim.state()["commands_done"] > 20, 10, "the cut to start")
    driver.cancel()
    t.finish(10)
    assert isinstance(t.error, Cancelled)
    assert t.error.as_reason()[1]["done"] == ["buffer_aborted", "knife_up"]
    assert sim.wait_idle(5)
    state = sim.state()
    assert state["aborts"] == 1 and state["pen_down"] is False
    assert state["commands_done"] < len(lines)
    done = state["commands_done"]
    wait_until(lambda: True, 0.3)
    assert sim.state()["commands_done"] == done
    # resume from the last line written: the cut ends where an uninterrupted one does
    assert driver.stream(lines, start_line=t.error.lines_acked).lines_acked == len(lines)
    assert sim.wait_idle(20)
    assert sim.state()["position"] == (0, 0) and sim.state()["tool"] == 0


@pytest.mark.slow
def test_pause_stops_writing_and_resume_finishes(make_sim, make_driver) -> None:
    sim = make_sim("hpgl", baud=BAUD, speed_factor=SLOW)
    driver = make_driver("hpgl", sim)
    lines = squares(60)
    t = StreamThread(driver, lines)
    t.start()
    wait_until(lambda: sim.state()["commands_done"] > 10, 10, "the cut to start")
    driver.pause()
    assert sim.wait_idle(10)  # the cutter finishes its buffer, then waits
    held = sim.state()["commands_done"]
    assert held < len(lines) and driver.status().state == "paused"
    driver.resume()
    t.finish(20)
    assert t.error is None and t.result.lines_acked == len(lines)


def test_a_hung_cutter_times_out(make_sim, make_driver) -> None:
    sim = make_sim("hpgl", baud=BAUD, speed_factor=SLOW, hang_at_line=10)
    driver = make_driver("hpgl", sim, write_timeout=1.0)
    with pytest.raises(DriverTimeout) as info:
        driver.stream(squares(200))
    assert 0 < info.value.lines_acked < 404


def test_a_pulled_cable_is_a_disconnect(make_sim, make_driver) -> None:
    sim = make_sim("hpgl", baud=BAUD, speed_factor=SLOW)
    driver = make_driver("hpgl", sim)
    t = StreamThread(driver, squares(80))
    t.start()
    wait_until(lambda: sim.state()["commands_done"] > 10, 10, "the cut to start")
    sim.inject("disconnect")
    t.finish(10)
    assert isinstance(t.error, DisconnectedError)
