"""The time model started beside prepare's checks (`estimate_ahead`) gives what the model
computed afterwards gives, bit for bit, and is taken only for the very lines and machine it
was started for."""

from __future__ import annotations

import numpy as np
import pytest

from gcode_reader import tokenize
from slicing import motion
from slicing.machine_spec import Machine
from slicing.motion import estimate_ahead, estimate_program

PROGRAM = ["G21", "G90", "M83", "M104 S200", "M140 S60", "G28", "M190 S60", "M109 S200", "G92 E0",
           *[f"G1 X{10 + (k % 7) * 3.5:.3f} Y{20 + (k % 5) * 2.25:.3f} E{0.02 * (k % 3):.4f} F{1800 + 60 * (k % 4)}"
             for k in range(400)],
           "G1 E-0.8 F2100", "G0 Z10", "M104 S0", "M84"]


@pytest.fixture(autouse=True)
def _threaded_from_the_first_line(monkeypatch) -> None:  # noqa: ANN001 - pytest's
    monkeypatch.setattr(motion, "AHEAD_MIN_LINES", 0)  # a program this short runs the thread too


def test_short_programs_are_estimated_when_asked(mk3: Machine, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setattr(motion, "AHEAD_MIN_LINES", len(PROGRAM) + 1)
    words = tokenize(PROGRAM)
    estimate_ahead(PROGRAM, mk3, words)
    assert "estimate_ahead" not in words.memo
    assert estimate_program(PROGRAM, mk3, words=words).seconds == estimate_program(PROGRAM, mk3).seconds


def test_started_estimate_is_the_estimate(mk3: Machine) -> None:
    lines = list(PROGRAM)
    words = tokenize(lines)
    estimate_ahead(lines, mk3, words)
    ahead = estimate_program(lines, mk3, words=words)
    fresh = estimate_program(list(PROGRAM), mk3, words=tokenize(PROGRAM))
    assert ahead.seconds == fresh.seconds and ahead.blocks == fresh.blocks
    assert np.array_equal(ahead.cumulative_seconds, fresh.cumulative_seconds)
    assert np.array_equal(ahead.block_seconds, fresh.block_seconds)


def test_taken_only_for_its_lines_and_machine(mk3: Machine, laser: Machine) -> None:
    lines = list(PROGRAM)
    words = tokenize(lines)
    estimate_ahead(lines, mk3, words)
    other = estimate_program(lines, laser, words=words)  # another machine: computed for it
    assert other.flavour == "grbl"
    assert other.seconds == estimate_program(lines, laser, words=tokenize(lines)).seconds
    assert estimate_program(lines, mk3, words=words, flavour="grbl").flavour == "grbl"  # asked otherwise
