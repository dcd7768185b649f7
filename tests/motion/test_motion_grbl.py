"""GRBL planner model against hand-computed answers (laser-1: 24000 mm/min, 2000 mm/s², δ 0.01)."""

from __future__ import annotations

import math

import pytest

from slicing.motion import estimate_program

A = 2000.0  # mm/s², $120 = $121
DELTA = 0.01  # mm, $11


def test_trapezoid_single_move(laser):
    # 100 mm at F6000 = 100 mm/s from rest to rest: accelerate over v²/2a = 2.5 mm, cruise 95 mm,
    # decelerate 2.5 mm.  t = 2·v/a + (L - v²/a)/v = L/v + v/a.
    v, length = 100.0, 100.0
    expected = 2 * v / A + (length - v * v / A) / v
    est = estimate_program(["G1 X100 F6000"], laser)
    assert est.seconds == pytest.approx(expected, rel=1e-9)
    assert est.naive_seconds == pytest.approx(length / v)
    assert est.lines == 1


def test_triangle_too_short_to_reach_feed(laser):
    # 2 mm at 100 mm/s: reaching 100 mm/s needs 2.5 mm each way, more than the move.  The peak
    # is where accelerating and braking meet: v_p² = a·L, t = 2·v_p/a.
    length = 2.0
    v_peak = math.sqrt(A * length)
    assert v_peak < 100.0
    est = estimate_program(["G1 X2 F6000"], laser)
    assert est.seconds == pytest.approx(2 * v_peak / A, rel=1e-9)


def test_right_angle_limited_by_junction_deviation(laser):
    # X then Y at 100 mm/s.  cos θ = -u1·u2 = 0, sin(θ/2) = √½.  The junction vector u2 - u1 =
    # (-1, 1)/√2, so its acceleration limit is 2000 / (1/√2) = 2000·√2.
    # v_j² = a_j·δ·sin(θ/2) / (1 - sin(θ/2)).
    sin_half = math.sqrt(0.5)
    a_j = A * math.sqrt(2)
    vj2 = a_j * DELTA * sin_half / (1 - sin_half)
    vj = math.sqrt(vj2)
    v, length = 100.0, 100.0

    def block(v0: float, v1: float) -> float:
        d_acc = (v * v - v0 * v0) / (2 * A)
        d_dec = (v * v - v1 * v1) / (2 * A)
        return (v - v0) / A + (v - v1) / A + (length - d_acc - d_dec) / v

    est = estimate_program(["G1 X100 F6000", "G1 Y100"], laser)
    assert est.seconds == pytest.approx(block(0, vj) + block(vj, 0), rel=1e-9)
    assert est.cumulative_seconds[0] == pytest.approx(block(0, vj), rel=1e-9)
    assert vj == pytest.approx(8.2636, abs=1e-3)


def test_full_circle_g2_split_by_arc_tolerance(laser):
    # r = 10, $12 = 0.002: segments = floor(|½·2π·r| / √(tol·(2r - tol))) = 157 chords of
    # 2r·sin(π/157).  At 10 mm/s the corners between chords (turning 2π/157) allow far more
    # than 10 mm/s, so the time is the chord length at 10 mm/s plus the start and stop ramps,
    # each v/2a.  The first and last chords leave (-r, 0) and come back to it at π/157 off the
    # Y axis: u = (sin(π/157), cos(π/157)), so their acceleration is 2000 / cos(π/157).
    r, tol, v = 10.0, 0.002, 10.0
    segments = math.floor(abs(0.5 * 2 * math.pi * r) / math.sqrt(tol * (2 * r - tol)))
    assert segments == 157
    chords = segments * 2 * r * math.sin(math.pi / segments)
    a_end = A / math.cos(math.pi / segments)
    est = estimate_program(["G2 X0 Y0 I10 J0 F600"], laser)
    assert est.blocks == segments
    assert est.seconds == pytest.approx(chords / v + 2 * v / (2 * a_end), rel=1e-9)
    assert est.naive_seconds == pytest.approx(chords / v, rel=1e-9)


def test_diagonal_limited_by_slowest_axis(laser, machine_variant):
    # Y is 4x weaker: 6000 mm/min, 500 mm/s².  Along (1, 1)/√2 each axis carries 1/√2 of the
    # motion, so the block gets a = min(2000, 500)·√2 and v = min(24000, 6000)·√2 / 60.
    slow_y = machine_variant(laser, max_rate_mm_min={"y": 6000}, acceleration_mm_s2={"y": 500})
    a = 500 * math.sqrt(2)
    v = 6000 * math.sqrt(2) / 60
    length = 100 * math.sqrt(2)
    est = estimate_program(["G1 X100 Y100 F60000"], slow_y)
    assert est.seconds == pytest.approx(length / v + v / a, rel=1e-9)
    assert est.seconds == pytest.approx(1.2, rel=1e-9)


def test_rapid_uses_max_rate_and_dwell_stops(laser):
    # G0 ignores F: 24000 mm/min = 400 mm/s.  G4 P2 waits 2 s after stopping, so the next
    # move starts from rest again.
    v = 400.0
    one = 300 / v + v / A
    est = estimate_program(["G0 X300 F100", "G4 P2", "G0 X0"], laser)
    assert est.seconds == pytest.approx(2 * one + 2.0, rel=1e-9)
    assert est.dwell_seconds == 2.0


def test_grbl_settings_override_machine(laser):
    # $110=6000 (100 mm/s), $120=100 mm/s²: 100 mm needs 50 mm to reach 100 mm/s, 50 to stop.
    est = estimate_program(["G1 X100 F6000"], laser, grbl_settings={110: 6000, 120: 100})
    assert est.seconds == pytest.approx(2.0, rel=1e-9)


def test_spindle_speed_change_stops_outside_laser_mode(laser):
    # gcode.c: a new S with the spindle on syncs the planner, unless laser mode passes it
    # along with the motion of the same line.
    lines = ["M3 S1000", "G1 X50 F6000", "G1 X100 S2000"]
    not_laser = estimate_program(lines, laser, grbl_settings={32: 0})
    laser_mode = estimate_program(lines, laser, grbl_settings={32: 1})
    one = 50 / 100 + 100 / A
    assert not_laser.seconds == pytest.approx(2 * one, rel=1e-9)  # stopped before the S change
    assert laser_mode.seconds == pytest.approx(100 / 100 + 100 / A, rel=1e-9)  # straight through
    alone = estimate_program(["M3 S1000", "G1 X50 F6000", "S2000", "G1 X100"], laser, grbl_settings={32: 1})
    assert alone.seconds == pytest.approx(2 * one, rel=1e-9)  # S on a line of its own syncs even so


def test_relative_moves_inches_and_radius_arc(laser):
    metric = estimate_program(["G1 X25.4 F600"], laser)
    inches = estimate_program(["G20", "G91", "G1 X0.5 F23.622", "G1 X0.5"], laser)
    assert inches.seconds == pytest.approx(metric.seconds, rel=1e-3)
    half = estimate_program(["G2 X20 Y0 R10 F600"], laser)  # half circle, r = 10
    assert half.naive_seconds == pytest.approx(math.pi * 10 / 10, rel=1e-3)


def test_dense_program_is_bound_by_the_serial_link(motion_spec):
    # 115200 baud, 8N1: 11520 bytes/s.  2000 segments of 0.05 mm at 100 mm/s are ~2 s of motion
    # (the 14-block look-ahead over 0.7 mm holds the speed near 53 mm/s), but each line is like
    # "G1 X12.350 Y0.000 S500" (+ newline): GRBL cannot run a line before it has arrived, so the
    # program ends no sooner than the last line arrives (the clock starting when the first one
    # has), plus that line's own short move.
    machine = motion_spec.machine("laser-1")
    lines = ["M4 S500", "G1 F6000"] + [f"G1 X{0.05 * (i + 1):.3f} Y0.000 S500" for i in range(2000)]
    arrived_last = sum(len(line) + 1 for line in lines[1:]) / 11520
    est = estimate_program(lines, machine)
    assert arrived_last > 3.5
    assert arrived_last <= est.seconds <= arrived_last + 0.01
    fast = machine.model_copy(update={"connection": machine.connection.model_copy(update={"baud": 10**12})})
    planner_only = estimate_program(lines, fast)
    assert planner_only.link_wait_seconds == pytest.approx(0.0, abs=1e-6)
    assert planner_only.seconds < arrived_last
    assert est.link_wait_seconds == pytest.approx(est.seconds - planner_only.seconds)


def test_arc_planes_radius_signs_and_marlin_segments(laser, mk3):
    xy = estimate_program(["G2 X0 Y0 I10 J0 F600"], laser)
    xz = estimate_program(["G18", "G2 X0 Z0 I10 K0 F600"], laser)
    assert xz.blocks == xy.blocks == 157
    assert xz.naive_seconds == pytest.approx(xy.naive_seconds, rel=1e-9)
    # R = ±15 from (0, 0) to (20, 0): half-angle asin(10/15); +R takes the short arc, -R the long.
    half = math.asin(10 / 15)
    short = estimate_program(["G2 X20 Y0 R15 F600"], laser)
    long = estimate_program(["G2 X20 Y0 R-15 F600"], laser)
    assert short.naive_seconds == pytest.approx(15 * 2 * half / 10, rel=1e-4)
    assert long.naive_seconds == pytest.approx(15 * (2 * math.pi - 2 * half) / 10, rel=1e-4)
    # Marlin: segments of at most 1 mm, at least 72 a turn: a 62.8 mm circle gets 72.
    assert estimate_program(["G2 X0 Y0 I10 J0 F600"], mk3).blocks == 72
    many = estimate_program(["G1 X10 F600"] + ["G2 X10 Y0 I-5 J0", "G3 X10 Y0 I-5 J0"] * 500, laser)
    assert many.blocks == 1 + 1000 * math.floor(math.pi * 5 / math.sqrt(0.002 * (10 - 0.002)))
