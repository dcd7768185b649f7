"""Marlin model (prusa-mk3: 200 mm/s, 1000 mm/s² print, 1250 travel/retract, jerk X/Y 8, E 4.5)."""

from __future__ import annotations

import math

import pytest

from slicing.motion import estimate_program
from slicing.motion.heating import AMBIENT_C, RESIDENCY_S


def _block(length: float, v: float, a: float, v0: float, v1: float) -> float:
    d_acc = (v * v - v0 * v0) / (2 * a)
    d_dec = (v * v - v1 * v1) / (2 * a)
    return (v - v0) / a + (v - v1) / a + (length - d_acc - d_dec) / v


def test_travel_starts_at_jerk_speed(mk3):
    # No E: travel acceleration 1250, but M201 X (1000) caps it along X.  Classic jerk lets the
    # move start at its safe speed: the X jerk, 8 mm/s (X at 100 mm/s exceeds it).  The planner
    # brings it to rest at the end.
    est = estimate_program(["G1 X100 F6000"], mk3)
    assert est.seconds == pytest.approx(_block(100, 100, 1000, 8, 0), rel=1e-9)


def test_program_changes_acceleration_and_jerk(mk3):
    # M204 T500 lowers the travel acceleration, M205 X4 the X (and Y) jerk.
    est = estimate_program(["M204 T500", "M205 X4", "G1 X100 F6000"], mk3)
    assert est.seconds == pytest.approx(_block(100, 100, 500, 4, 0), rel=1e-9)
    # M201 X200 caps the X axis itself below the travel acceleration.
    est = estimate_program(["M201 X200", "G1 X100 F6000"], mk3)
    assert est.seconds == pytest.approx(_block(100, 100, 200, 8, 0), rel=1e-9)
    # M203 X50 caps the feed of X to 50 mm/s.
    est = estimate_program(["M203 X50", "G1 X100 F6000"], mk3)
    assert est.seconds == pytest.approx(_block(100, 50, 1000, 8, 0), rel=1e-9)


def test_extruder_only_move_uses_retract_limits(mk3):
    # G1 E-2 F2400: 2 mm of filament at 40 mm/s, retract acceleration 1250, E jerk 4.5.
    est = estimate_program(["G1 E-2 F2400"], mk3)
    assert est.seconds == pytest.approx(_block(2, 40, 1250, 4.5, 0), rel=1e-9)
    assert est.naive_seconds == pytest.approx(2 / 40)


def test_printing_move_limited_by_extruder_rate(mk3):
    # 10 mm of X with 10 mm of E at 100 mm/s would push E at 100 mm/s; M203 E20 scales the
    # whole move to 20 mm/s.  Acceleration: printing 1000 (E's 5000 allows it).  Start at the
    # safe speed: X at 20 mm/s exceeds its jerk 8 (first limited axis: 8), E at 20 exceeds 4.5:
    # min(8, 4.5 · 20 / 20) = 4.5.
    est = estimate_program(["M83", "M203 E20", "G1 X10 E10 F6000"], mk3)
    assert est.seconds == pytest.approx(_block(10, 20, 1000, 4.5, 0), rel=1e-9)


def test_heating_waits_from_heat_up_rates(mk3):
    # Bed 0.6 °C/s from ambient to 60 °C, then Marlin's residency.
    bed = (60 - AMBIENT_C) / 0.6 + RESIDENCY_S
    est = estimate_program(["M190 S60"], mk3)
    assert est.seconds == pytest.approx(bed, rel=1e-9)
    # M104 starts heating the hotend (2.5 °C/s); a 10 s dwell later, M109 waits for the rest.
    est = estimate_program(["M104 S215", "G4 S10", "M109 S215"], mk3)
    hotend_after_dwell = AMBIENT_C + 2.5 * 10
    assert est.heat_seconds == pytest.approx((215 - hotend_after_dwell) / 2.5 + RESIDENCY_S, rel=1e-9)
    assert est.seconds == pytest.approx(10 + est.heat_seconds, rel=1e-9)


def test_junction_deviation_machine(mk3, machine_variant):
    # Without jerk the Marlin 2 junction deviation applies: a right angle, both blocks at
    # 100 mm/s; travel acceleration 1250 capped to 1000 by each axis.  The junction vector
    # allows 1000·√2, so the block's own 1000 is the junction acceleration.
    jd = machine_variant(mk3, jerk_mm_s=None, junction_deviation_mm=0.02)
    sin_half = math.sqrt(0.5)
    vj = math.sqrt(1000 * 0.02 * sin_half / (1 - sin_half))
    est = estimate_program(["G1 X100 F6000", "G1 Y100"], jd)
    v0 = 0.05  # MINIMUM_PLANNER_SPEED: where Marlin 2 starts after an empty planner
    assert est.seconds == pytest.approx(_block(100, 100, 1000, v0, vj) + _block(100, 100, 1000, vj, 0), rel=1e-9)
    # M205 J0.08 from the program: four times the deviation, twice the corner speed.
    vj4 = math.sqrt(1000 * 0.08 * sin_half / (1 - sin_half))
    est = estimate_program(["M205 J0.08", "G1 X100 F6000", "G1 Y100"], jd)
    assert vj4 == pytest.approx(2 * vj)
    assert est.seconds == pytest.approx(_block(100, 100, 1000, v0, vj4) + _block(100, 100, 1000, vj4, 0), rel=1e-9)


def test_octoprint_driver_means_marlin(motion_spec):
    machine = motion_spec.machine("prusa-mk3").model_copy(update={"driver": "octoprint"})
    assert estimate_program(["G1 X100 F6000"], machine).flavour == "marlin"


def test_feed_override_m220(mk3):
    # M220 S50 halves F6000 to 50 mm/s (start at the X jerk, 8 mm/s; acceleration 1000 along X).
    est = estimate_program(["M220 S50", "G1 X100 F6000"], mk3)
    assert est.seconds == pytest.approx(_block(100, 50, 1000, 8, 0), rel=1e-9)
