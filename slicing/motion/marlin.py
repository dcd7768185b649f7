"""Marlin's planner (classic jerk, as Marlin 1.1 and Prusa's firmware; or junction deviation,
Marlin 2), with the settings a program changes for itself and its heating waits.

Per block (planner.cpp `_buffer_steps`): the length is the XYZ distance, or |E| for an
extruder-only move; the feed is F (at least M205 S/T), scaled down so no axis, E included,
passes its M203 rate; the acceleration is M204 P (printing), T (travel: no E) or R
(extruder only), lowered until no axis passes its M201 limit. Junctions:

- classic jerk: the "safe" speed is the speed at which every axis may start or stop at
  once within its jerk; between two blocks the velocity change per axis (coasting or
  reversal) must stay within that axis's jerk, which scales the smaller nominal speed;
  if both blocks' safe speeds exceed the result the safe speed is used (Marlin 1.1.9);
- junction deviation (M205 J, or `junction_deviation_mm` when the machine has no jerk): the
  GRBL formula, starting from the block's own acceleration.

M220 S scales the feed rates that follow, as the firmware's feed override does.

The planner empties on G4, M400, G28, M109/M190 (the heating waits, modelled from the
machine's heat-up rates and the temperatures set so far) and M0/M1/M600 (operator waits,
counted as zero).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gcode_reader.tokens import Words
from slicing.machine_spec import Machine
from slicing.motion.arcs import ArcSplitter
from slicing.motion.estimate import ProgramEstimate, assemble, stops_before
from slicing.motion.gcode_program import Program, interpret
from slicing.motion.grbl import axis_limited, junction_speed2
from slicing.motion.heating import heating_waits
from slicing.motion.planner import MARLIN_LOOKAHEAD, plan_times

MINIMUM_PLANNER_SPEED = 0.05  # mm/s, Configuration_adv.h
DEFAULT_FEEDRATE = 25.0  # mm/s before any F (Marlin's feedrate_mm_s at boot: 1500 mm/min)
HOMING_FEEDRATE = np.array([50.0, 50.0, 4.0])  # mm/s, HOMING_FEEDRATE_MM_M
HOMING_BUMP_MM = np.array([5.0, 5.0, 2.0])
HOMING_BUMP_DIVISOR = np.array([2.0, 2.0, 4.0])


@dataclass
class _Settings:
    """Per-block limits after the program's own M201/M203/M204/M205 lines. Each is one value
    (or one row of 4 axes) when it holds for the whole program, as when a program sets none:
    numpy broadcasts it, with the same results as a copy per block."""

    max_accel: np.ndarray  # [B, 4] or [4] mm/s²
    max_rate: np.ndarray  # [B, 4] or [4] mm/s
    accel_print: np.ndarray | float
    accel_travel: np.ndarray | float
    accel_retract: np.ndarray | float
    jerk: np.ndarray | None  # [B, 4] or [4] mm/s, None in junction-deviation mode
    junction_deviation: np.ndarray | float
    min_feed: np.ndarray | float
    min_travel_feed: np.ndarray | float


def _setting(program: Program, code: int, letter: str, default: float, lines: np.ndarray) -> np.ndarray | float:
    """The value of `M<code> <letter>` in force at each of `lines`, else `default`."""
    if not len(program.lines_with("M", code)):
        return default
    return _setting_from(program, code, program.column(letter), default, lines)


def _setting_from(program: Program, code: int, column: np.ndarray, default: float,
                  lines: np.ndarray) -> np.ndarray | float:
    """`_setting` from a column; one float when one value holds for all `lines` (in order)."""
    at = program.lines_with("M", code)
    values = column[at]
    given = ~np.isnan(values)
    at, values = at[given], values[given]
    if not len(at) or not len(lines):
        return default
    first, last = np.searchsorted(at, lines[[0, -1]], side="right") - 1  # the latest setting line at or before
    if first == last:
        return float(values[first]) if first >= 0 else default
    last = np.searchsorted(at, lines, side="right") - 1
    return np.where(last >= 0, values[np.maximum(last, 0)], default)


def _per_axis(values: list[np.ndarray | float], n: int) -> np.ndarray:
    """Four axes' settings as [4] when each holds for the whole program, else [n, 4]."""
    if all(isinstance(v, float) for v in values):
        return np.array(values)
    return np.stack([np.broadcast_to(v, (n,)) for v in values], axis=1)


def _settings(program: Program, machine: Machine, lines: np.ndarray) -> _Settings:
    m = machine.motion
    acc = m.acceleration_mm_s2
    rate = m.max_rate_mm_min
    axes = "XYZE"
    max_accel = _per_axis([_setting(program, 201, a, float(getattr(acc, a.lower())), lines) for a in axes], len(lines))
    max_rate = _per_axis([_setting(program, 203, a, getattr(rate, a.lower()) / 60.0, lines) for a in axes], len(lines))
    print_default = m.print_acceleration_mm_s2 or min(acc.x, acc.y)
    travel_default = m.travel_acceleration_mm_s2 or print_default
    retract_default = m.retract_acceleration_mm_s2 or print_default
    # M204 S (legacy firmware) sets printing and travel; then T means retract (as PrusaSlicer reads it).
    legacy = _setting(program, 204, "S", np.nan, lines)
    accel_print = np.where(np.isnan(legacy), _setting(program, 204, "P", print_default, lines), legacy)
    accel_travel = np.where(np.isnan(legacy), _setting(program, 204, "T", travel_default, lines), legacy)
    accel_retract = _setting(program, 204, "R", retract_default, lines)
    m205 = program.lines_with("M", 205)
    junction_deviation_set = bool(len(m205)) and bool(np.any(~np.isnan(program.column("J")[m205])))
    jerk = None
    if m.jerk_mm_s is not None and not junction_deviation_set:
        j = m.jerk_mm_s
        x_word = program.column("X")
        # M205 X sets the X and Y jerk (Y only if given too), as Marlin 1.x and PrusaSlicer read it.
        y_word = np.where(np.isnan(program.column("Y")), x_word, program.column("Y")) if len(m205) else x_word
        jerk = _per_axis([
            _setting_from(program, 205, x_word, float(j.x), lines),
            _setting_from(program, 205, y_word, float(j.y), lines),
            _setting(program, 205, "Z", float(j.z), lines),
            _setting(program, 205, "E", float(j.e), lines),
        ], len(lines))
    deviation = _setting(program, 205, "J", m.junction_deviation_mm or 0.013, lines)
    return _Settings(
        max_accel=max_accel,
        max_rate=max_rate,
        accel_print=accel_print,
        accel_travel=accel_travel,
        accel_retract=accel_retract,
        jerk=jerk,
        junction_deviation=deviation,
        min_feed=_setting(program, 205, "S", 0.0, lines),
        min_travel_feed=_setting(program, 205, "T", 0.0, lines),
    )


def _axis(values: np.ndarray, k: int, rows: slice | np.ndarray) -> np.ndarray | float:
    """Axis `k` of a per-axis setting ([4]: one value) or of one row per block, at `rows`."""
    return values[k] if values.ndim == 1 else values[rows, k]


def _rows(candidate: np.ndarray) -> slice | np.ndarray:
    """The rows to compute: a few picked ones, or all of them (a view, no copies)."""
    count = int(np.count_nonzero(candidate))
    return np.flatnonzero(candidate) if count < len(candidate) // 2 else slice(None)


def _safe_speed(nominal: np.ndarray, axis_speed: np.ndarray, jerk: np.ndarray) -> np.ndarray:
    """Marlin 1.1.9: the speed each axis may jump to from rest within its jerk. Only the
    blocks where an axis passes its jerk change (Z and E: a few), so only those are computed."""
    safe = nominal.copy()
    limited = np.zeros(len(nominal), dtype=bool)
    for k in range(4):
        speed = np.abs(axis_speed[:, k])
        over = np.flatnonzero(speed > _axis(jerk, k, slice(None)))
        if not len(over):
            continue
        jerk_k, speed = _axis(jerk, k, over), speed[over]
        with np.errstate(divide="ignore", invalid="ignore"):
            scaled = np.where(speed > 0, jerk_k * nominal[over] / speed, np.inf)
        safe[over] = np.where(limited[over], np.minimum(safe[over], scaled), jerk_k)
        limited[over] = True
    return safe


def _jerk_junction(nominal: np.ndarray, axis_speed: np.ndarray, jerk: np.ndarray, safe: np.ndarray) -> np.ndarray:
    """Marlin 1.1.9 classic-jerk junction speed into each block (index 0: its safe speed).

    An axis's jerk at a junction is at most the larger of its two speeds (both are scaled by
    factors within [0, 1] when no jerk is below 0), so the junctions where neither passes the
    axis's jerk are left as they are: for Z and E, most of them."""
    out = safe.copy()
    if len(nominal) < 2:
        return out
    prev_nom, cur_nom = nominal[:-1], nominal[1:]
    vmax = np.minimum(prev_nom, cur_nom)
    smaller = vmax / np.maximum(prev_nom, 1e-12)
    factor = np.ones(len(vmax))
    limited = np.zeros(len(vmax), dtype=bool)
    jerk_next = jerk if jerk.ndim == 1 else jerk[1:]
    bounded = bool(np.all(jerk_next >= 0))  # factors stay within [0, 1] (a program may set a jerk below 0)
    for k in range(4):
        before, after = axis_speed[:-1, k], axis_speed[1:, k]
        rows = (_rows(np.maximum(np.abs(before), np.abs(after)) > _axis(jerk_next, k, slice(None))) if bounded
                else slice(None))
        v_exit, v_entry = before[rows] * smaller[rows], after[rows]
        if limited.any():  # a factor of 1 changes nothing: skipped until one is below 1
            f = factor[rows]
            v_exit, v_entry = v_exit * f, v_entry * f
        jerk_k = _axis_jerk(v_exit, v_entry, bounded)
        limit = _axis(jerk_next, k, rows)
        over = np.flatnonzero(jerk_k > limit)
        if not len(over):
            continue
        at = over if isinstance(rows, slice) else rows[over]
        factor[at] = factor[at] * (limit if np.ndim(limit) == 0 else limit[over]) / jerk_k[over]
        limited[at] = True
    vmax = np.where(limited, vmax * factor, vmax)
    threshold = vmax * 0.99
    vmax = np.where((safe[:-1] > threshold) & (safe[1:] > threshold), safe[1:], vmax)
    vmax = np.where(prev_nom > 1e-4, vmax, safe[1:])
    out[1:] = vmax
    return out


def _axis_jerk(v_exit: np.ndarray, v_entry: np.ndarray, bounded: bool) -> np.ndarray:
    """Marlin's four cases: the change of speed when both have one sign, else the larger one.
    With no jerk below 0 only values above 0 matter, and the short form serves; otherwise
    Marlin's own form (its zeros keep their sign, which a division by them shows)."""
    if bounded:
        jerk_k = np.abs(v_exit - v_entry)
        crossing = np.flatnonzero(~(((v_exit > 0) & (v_entry > 0)) | ((v_exit < 0) & (v_entry < 0))))
        jerk_k[crossing] = np.maximum(np.abs(v_exit[crossing]), np.abs(v_entry[crossing]))
        return jerk_k
    return np.where(
        v_exit > v_entry,
        np.where((v_entry > 0) | (v_exit < 0), v_exit - v_entry, np.maximum(v_exit, -v_entry)),
        np.where((v_entry < 0) | (v_exit > 0), v_entry - v_exit, np.maximum(-v_exit, v_entry)),
    )


def _homing_seconds(program: Program, machine: Machine) -> np.ndarray:
    """G28: each named axis (all when none is named) travels home, backs off and bumps again."""
    n = program.words.n_lines
    out = np.zeros(n)
    lines = program.lines_with("G", 28)
    if not len(lines):
        return out
    named = np.stack([~np.isnan(program.column(a)[lines]) for a in "XYZ"], axis=1)
    named[~named.any(axis=1)] = True
    pos = program.position
    before = np.where(lines[:, None] > 0, pos[np.maximum(lines - 1, 0), :3], 0.0)
    first_move = np.flatnonzero(program.moving)
    unknown = lines < (first_move[0] if len(first_move) else n)
    # Where the head rests before the first homing is unknown: take the middle of the bed.
    area = machine.work_area
    before[unknown] = [area.x / 2, area.y / 2, 5.0]
    bump = HOMING_BUMP_MM / HOMING_FEEDRATE + HOMING_BUMP_MM / (HOMING_FEEDRATE / HOMING_BUMP_DIVISOR)
    seconds = np.abs(before) / HOMING_FEEDRATE + bump
    out[lines] = (seconds * named).sum(axis=1)
    return out


def estimate_marlin(words: Words, machine: Machine) -> ProgramEstimate:
    program = interpret(words, "marlin", ArcSplitter("marlin"))
    b = program.blocks
    homing = program.homing[b.line]
    keep = ~homing  # G28 moves are timed as homing cycles, not planned
    if keep.all():
        line, delta, length, xyz, block_feed = b.line, b.delta, b.path_mm, b.xyz_mm, b.feed
    else:
        line, delta, length, xyz, block_feed = b.line[keep], b.delta[keep], b.path_mm[keep], b.xyz_mm[keep], b.feed[keep]
    s = _settings(program, machine, line)
    e_only = xyz == 0
    has_e = delta[:, 3] != 0
    feed = np.where(np.isnan(block_feed), DEFAULT_FEEDRATE * 60.0, block_feed) / 60.0
    feed = feed * _setting(program, 220, "S", 100.0, line) / 100.0  # M220: feed rate percentage
    feed = np.maximum(feed, np.where(has_e, s.min_feed, s.min_travel_feed))
    direction = np.empty(delta.shape, order="F")  # axis by axis (contiguous columns) below
    np.divide(delta, length[:, None], out=direction)  # per mm of path: E/L for printing moves, ±1 for E-only
    axis_speed = feed[:, None] * direction  # column-major like `direction`
    scale = np.minimum(1.0, axis_limited(s.max_rate, axis_speed))
    nominal = feed * scale
    axis_speed *= scale[:, None]
    accel = np.where(~has_e, s.accel_travel, np.where(e_only, s.accel_retract, s.accel_print))
    accel = np.minimum(accel, axis_limited(s.max_accel, direction))

    stop_lines = np.concatenate([program.lines_with(c, v) for c, v in
                                 (("G", 4), ("G", 28), ("G", 29), ("M", 400), ("M", 109), ("M", 190),
                                  ("M", 0), ("M", 1), ("M", 600))])
    stop = stops_before(line, stop_lines)
    if s.jerk is not None:
        safe = _safe_speed(nominal, axis_speed, s.jerk)
        junction = _jerk_junction(nominal, axis_speed, s.jerk, safe) ** 2
        start2 = safe**2
    else:
        unit = np.where(e_only[:, None], np.array([0, 0, 0, 1.0]), np.concatenate((delta[:, :3] / np.maximum(xyz, 1e-12)[:, None], np.zeros((len(xyz), 1))), axis=1))
        junction = junction_speed2(unit, s.max_accel, s.junction_deviation, accel)
        prev_nominal = np.concatenate(([0.0], nominal[:-1]))
        junction = np.minimum(junction, np.minimum(nominal, prev_nominal) ** 2)
        start2 = MINIMUM_PLANNER_SPEED**2
    seconds, _, _ = plan_times(length, accel, nominal, junction, MARLIN_LOOKAHEAD, stop, start2)

    n = words.n_lines
    dwell = np.zeros(n)
    g4 = program.lines_with("G", 4)
    if len(g4):
        p, sec = program.column("P")[g4], program.column("S")[g4]
        dwell[g4] = np.maximum(0.0, np.where(~np.isnan(p), p / 1000.0, np.where(~np.isnan(sec), sec, 0.0)))
    extra = dwell + _homing_seconds(program, machine)
    motion_by_line = np.bincount(line, weights=seconds, minlength=n)
    heat = heating_waits(program, machine, motion_by_line + extra)
    naive_feed = np.where(np.isnan(block_feed), DEFAULT_FEEDRATE * 60.0, block_feed) / 60.0
    naive = float((length / naive_feed).sum())
    return assemble(n, line, seconds, extra + heat, naive, "marlin", dwell_seconds=float(dwell.sum()),
                    heat_seconds=float(heat.sum()), unread=words.bad_lines)
