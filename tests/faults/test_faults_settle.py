"""Exactly once across runs, at the driver level: a sender process streaming to a simulated
firmware is killed with lines in flight; on a fresh link the firmware says how far it got
(Marlin: its last line number, from a line-number error; GRBL: idle with its buffers run,
everything the durable mark says was written); a new sender resumes there, and the
simulator received every program line exactly once."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from chaos_kit import line_counts, program
from stack_helpers import wait_until

from drivers import open_driver
from drivers.sent_mark import read_mark
from drivers.settle import settle
from drivers.sim import start_simulator

ROOT = Path(__file__).resolve().parents[2]
SENDER = """
import sys
from drivers import open_driver
from drivers.sent_mark import SentMark
firmware, port, mark = sys.argv[1:4]
lines = open(sys.argv[4]).read().splitlines()
driver = open_driver(firmware, port, 115200)
driver.connect()
driver.sent_mark = SentMark(mark, 7, 0)
driver.stream(lines)
"""


def _plain(received: list[str]) -> list[str]:
    """What the firmware took, without Marlin's line number and checksum."""
    return [re.sub(r"\*\d+$", "", re.sub(r"^N\d+ ", "", r.strip())) for r in received]


def _printer_program(n: int) -> list[str]:
    return ["G21", "G90", "M83"] + [f"G1 X{5 + (i % 40) * 5}.{i % 10} Y{5 + i * 0.001:.3f} E0.01 F1500"
                                    for i in range(n)]


@pytest.mark.parametrize("firmware", ["marlin", "grbl"])
def test_a_killed_sender_leaves_a_count_the_firmware_confirms(firmware: str, tmp_path: Path) -> None:
    lines = _printer_program(400) if firmware == "marlin" else program(400)
    (tmp_path / "program.gcode").write_text("\n".join(lines) + "\n")
    mark = tmp_path / "machine.mark"
    sim = start_simulator(firmware, speed_factor=40.0)
    try:
        sender = subprocess.Popen([sys.executable, "-c", SENDER, firmware, sim.port, str(mark),
                                   str(tmp_path / "program.gcode")], cwd=ROOT)
        try:
            wait_until(lambda: (m := read_mark(mark)) is not None and m.written > 80, 60, interval=0.005,
                       what="the sender to be well into the program")
        finally:
            os.kill(sender.pid, signal.SIGKILL)
            sender.wait(10)
        state = read_mark(mark)
        done = settle(firmware, sim.port, 115200, state)
        received = set(_plain(sim.received_lines()))
        last = max(i for i, line in enumerate(lines) if line.startswith("G1 ") and line in received)
        assert done == last + 1, (done, last + 1, state)  # exact: the firmware's count, not the mark's guess
        t0 = time.monotonic()
        driver = open_driver(firmware, sim.port, 115200)
        driver.connect()
        try:
            driver.stream(lines, start_line=done)
        finally:
            driver.close()
        counts = line_counts(_plain(sim.received_lines()), lines)
        assert len(counts) == sum(line.startswith("G1 ") for line in lines) and set(counts.values()) == {1}
        print(f"\nFIGURE {firmware}: sender killed after {state.written} lines written, firmware had {done}; "
              f"resumed and done in {time.monotonic() - t0:.2f} s, every line once")
    finally:
        sim.stop()


def test_a_g92_offset_set_after_homing_is_redone_on_resume() -> None:
    """A printer program homes, moves, sets G92 X0 Y0 there, and goes on in that frame. The
    printer restarts mid-job (its G92 is gone, position back at home); the resume travels in the
    homed frame and redoes the offset: it ends where an uninterrupted run ends, in both frames."""
    from jobqueue.resume_check import resume_blockers

    lines = ["G28", "G21", "G90", "M83", "G1 X30 Y40 Z0.3 F3000", "G92 X0 Y0",
             *[f"G1 X{i % 7 + 0.5 * i} Y{i % 5} E0.05 F1500" for i in range(30)]]
    k = 20
    assert resume_blockers(lines, k, machine_homed=True) == []
    ends = []
    for interrupted in (False, True):
        sim = start_simulator("marlin", speed_factor=60.0)
        try:
            driver = open_driver("marlin", sim.port, 115200)
            driver.connect()
            driver.stream(lines[:k] if interrupted else lines)
            driver.close()
            if interrupted:
                assert sim.wait_idle(10)
                sim.inject("reset")  # brown-out: offsets gone, the printer at its home
                driver = open_driver("marlin", sim.port, 115200)
                driver.connect()
                driver.stream(lines, start_line=k)
                driver.close()
            assert sim.wait_idle(10)
            st = sim.state()
            ends.append((st["position"]["X"], st["position"]["Y"], round(sim.firmware.offset["X"], 3),
                         round(sim.firmware.offset["Y"], 3)))
        finally:
            sim.stop()
    assert ends[0] == ends[1] and ends[0][2:] == (30.0, 40.0)


@pytest.mark.parametrize("ran", [False, True])
def test_a_sender_killed_inside_a_write_is_settled_by_where_grbl_stopped(ran: bool) -> None:
    """The mark says line k was being written when the sender died: GRBL either ran it or never
    got it. Idle, it stands at the end of line k or of line k - 1: that says which."""
    from drivers.sent_mark import MarkState
    from gcode_reader import modal_state_at

    lines = program(40)
    k = 20
    sim = start_simulator("grbl", speed_factor=60.0)
    try:
        driver = open_driver("grbl", sim.port, 115200)
        driver.connect()
        driver.stream(lines[:k + 1] if ran else lines[:k])
        driver.close()
        mark = MarkState(run=7, start=0, n_first=-1, sending_n=-1, sending_i=k, sent_n=-1, sent_i=k - 1)
        done = settle("grbl", sim.port, 115200, mark,
                      position_after=lambda n: dict(modal_state_at(lines, n).position) or None)
        assert done == (k + 1 if ran else k)
    finally:
        sim.stop()
