"""The simulator's planner counts the time it sat empty between blocks (what bench/stream.py
reports as idle while the driver still had lines): before the first block and holds do not count."""

from __future__ import annotations

import pytest

from drivers.sim.motion import Planner


def test_gaps_between_blocks_are_counted_and_nothing_else() -> None:
    p = Planner(capacity=4, speed_factor=1.0, axes=("X", "Y"))
    p.add({"X": 1.0}, 60.0, now=5.0)  # 1 mm at 1 mm/s: ends at 6.0; the wait before it is not idle
    p.update(6.5)  # ended at 6.0, empty since then
    assert p.idle and p.starved_s == 0.0
    p.add({"X": 2.0}, 60.0, now=6.5)  # 0.5 s starved
    p.add({"X": 3.0}, 60.0, now=6.6)  # queued behind: no gap
    p.update(8.5)
    assert p.starved_s == pytest.approx(0.5) and p.starvations == 1
    p.hold(8.6)
    p.release(9.0)
    p.add({"X": 4.0}, 60.0, now=9.0)  # the hold was asked for: not starvation
    assert p.starved_s == pytest.approx(0.5 + 0.0)
    p.clear()
    p.add({"X": 5.0}, 60.0, now=20.0)  # after a stop: not starvation
    assert p.starvations == 1


def test_a_move_that_goes_nowhere_is_no_block() -> None:
    """`G1 F3000` before the first segment: GRBL and Marlin plan nothing for it, so the wait for
    the first real move is not counted as a gap after a zero-length block."""
    p = Planner(capacity=4, speed_factor=1.0, axes=("X", "Y"))
    p.add({"X": 0.0, "Y": 0.0}, 3000.0, now=1.0)
    assert p.idle and p.blocks_done == 0
    p.update(1.2)
    p.add({"X": 1.0}, 60.0, now=1.2)
    assert p.starved_s == 0.0 and p.starvations == 0
