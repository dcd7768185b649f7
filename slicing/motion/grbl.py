"""GRBL 1.1's planner, block by block as `plan_buffer_line` builds them.

Per block (planner.c): the unit vector of the move; acceleration and rapid rate as the
largest values no axis exceeds along it (`limit_value_by_axis_maximum`); the nominal speed
is the rapid rate for G0, else F limited by the rapid rate (never below 1 mm/min). The
junction speed with the previous block comes from junction deviation `$11`:

    cos θ = -u_prev · u,  sin(θ/2) = sqrt((1 - cos θ) / 2)
    v_junction² = a_junction · δ · sin(θ/2) / (1 - sin(θ/2))

with `a_junction` the acceleration limit along `u - u_prev`; 0 for a reversal, unlimited
for a straight continuation; the entry speed is also capped by both nominal speeds. The
planner empties (the next block starts from rest) on a dwell G4, a spindle or coolant state
change, a spindle speed change outside laser mode (`$32`), M0/M2/M30.

A line also cannot run before the serial link (machine.connection.baud, 8N1) has delivered
it: dense engraving programs at 115200 baud are link-bound, and the estimate says so.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gcode_reader.program import ffill
from gcode_reader.tokens import Words
from slicing.machine_spec import Machine
from slicing.motion.arcs import ArcSplitter
from slicing.motion.estimate import ProgramEstimate, assemble, stops_before
from slicing.motion.gcode_program import Program, interpret
from slicing.motion.planner import GRBL_LOOKAHEAD, plan_times

MINIMUM_FEED_RATE = 1.0  # mm/min, planner.h
MINIMUM_JUNCTION_SPEED = 0.0  # mm/min, config.h


@dataclass
class GrblSettings:
    max_rate_mm_min: np.ndarray  # $110-$112
    accel_mm_s2: np.ndarray  # $120-$122
    junction_deviation_mm: float  # $11
    arc_tolerance_mm: float  # $12
    laser_mode: bool  # $32

    @classmethod
    def from_machine(cls, machine: Machine, overrides: dict[int, float] | None = None) -> GrblSettings:
        m = machine.motion
        s = cls(
            max_rate_mm_min=np.array([m.max_rate_mm_min.x, m.max_rate_mm_min.y, m.max_rate_mm_min.z], dtype=float),
            accel_mm_s2=np.array([m.acceleration_mm_s2.x, m.acceleration_mm_s2.y, m.acceleration_mm_s2.z], dtype=float),
            junction_deviation_mm=m.junction_deviation_mm if m.junction_deviation_mm is not None else 0.01,
            arc_tolerance_mm=m.arc_tolerance_mm,
            laser_mode=machine.kind == "laser",
        )
        s.apply(overrides or {})
        return s

    def apply(self, values: dict[int, float]) -> None:
        for key, value in values.items():
            if 110 <= key <= 112 and value > 0:
                self.max_rate_mm_min[key - 110] = value
            elif 120 <= key <= 122 and value > 0:
                self.accel_mm_s2[key - 120] = value
            elif key == 11 and value >= 0:
                self.junction_deviation_mm = value
            elif key == 12 and value > 0:
                self.arc_tolerance_mm = value
            elif key == 32:
                self.laser_mode = bool(value)


def axis_limited(limits: np.ndarray, unit: np.ndarray) -> np.ndarray:
    """`limit_value_by_axis_maximum`: min over moving axes of limit / |unit component|.
    `limits` is one value per axis, or one row per block. Column by column: numpy reduces a
    short last axis slowly."""
    limits = np.asarray(limits, dtype=float)
    with np.errstate(divide="ignore"):
        out = limits[..., 0] / np.abs(unit[:, 0])
        for k in range(1, unit.shape[1]):
            np.minimum(out, limits[..., k] / np.abs(unit[:, k]), out=out)
    return out


def row_norm(v: np.ndarray) -> np.ndarray:
    out = v[:, 0] * v[:, 0]
    for k in range(1, v.shape[1]):
        out += v[:, k] * v[:, k]
    return np.sqrt(out)


def junction_speed2(unit: np.ndarray, accel_limits: np.ndarray, deviation: float | np.ndarray,
                    block_accel: np.ndarray | None = None) -> np.ndarray:
    """Maximum speed² at the junction into each block (entry 0 gets 0: nothing before it).
    `accel_limits` (per axis, or a row per block) and `deviation` (or one per block) may change
    along the program, as Marlin's M201 and M205 J change them."""
    n = len(unit)
    out = np.zeros(n)
    if n < 2:
        return out
    prev, cur = unit[:-1], unit[1:]
    cos_theta = -(prev[:, 0] * cur[:, 0])
    for k in range(1, cur.shape[1]):
        cos_theta -= prev[:, k] * cur[:, k]
    junction = cur - prev
    norm = row_norm(junction)
    junction = junction / np.where(norm > 0, norm, 1.0)[:, None]
    limits = np.asarray(accel_limits, dtype=float)
    a = axis_limited(limits[1:] if limits.ndim == 2 else limits, junction)
    if np.ndim(deviation):
        deviation = np.asarray(deviation)[1:]
    if block_accel is not None:  # Marlin starts from the block's own acceleration
        a = np.minimum(a, block_accel[1:])
    sin_half = np.sqrt(np.clip(0.5 * (1.0 - cos_theta), 0.0, 1.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        v2 = a * deviation * sin_half / (1.0 - sin_half)
    v2 = np.maximum(MINIMUM_JUNCTION_SPEED**2, v2)
    v2 = np.where(cos_theta > 0.999999, MINIMUM_JUNCTION_SPEED**2, np.where(cos_theta < -0.999999, np.inf, v2))
    out[1:] = v2
    return out


def _stop_lines(program: Program, laser_mode: bool) -> tuple[np.ndarray, np.ndarray]:
    """Lines that empty the planner (protocol_buffer_synchronize), and dwell seconds per line."""
    n = program.words.n_lines
    stops = [program.lines_with("G", 4), program.lines_with("M", 0), program.lines_with("M", 2), program.lines_with("M", 30)]
    spindle = np.full(n, np.nan)
    for code, state in ((3, 1.0), (4, 2.0), (5, 0.0)):
        spindle[program.lines_with("M", code)] = state
    after = ffill(spindle, 0.0)
    before = np.concatenate(([0.0], after[:-1]))
    stops.append(np.flatnonzero(after != before))  # spindle state change: always synced
    speed = ffill(program.column("S"), 0.0)
    speed_before = np.concatenate(([0.0], speed[:-1]))
    changed = (speed != speed_before) & (before != 0)
    if laser_mode:
        changed &= ~program.moving  # laser mode passes the new power with the motion
    stops.append(np.flatnonzero(changed))
    coolant = np.full(n, np.nan)
    for code, state in ((7, 1.0), (8, 2.0), (9, 0.0)):
        coolant[program.lines_with("M", code)] = state
    c_after = ffill(coolant, 0.0)
    stops.append(np.flatnonzero(c_after != np.concatenate(([0.0], c_after[:-1]))))
    dwell = np.zeros(n)
    g4 = program.lines_with("G", 4)
    if len(g4):
        p = program.column("P")[g4]
        dwell[g4] = np.where(np.isnan(p), 0.0, np.maximum(p, 0.0))  # GRBL: P in seconds
    return np.unique(np.concatenate(stops)), dwell


def estimate_grbl(words: Words, machine: Machine, overrides: dict[int, float] | None = None) -> ProgramEstimate:
    settings = GrblSettings.from_machine(machine)
    settings.apply({key: value for _, key, value in words.settings})  # `$N=v` lines of the program
    settings.apply(overrides or {})
    program = interpret(words, "grbl", ArcSplitter("grbl", settings.arc_tolerance_mm))
    b = program.blocks
    length = b.path_mm
    unit = b.delta[:, :3] / length[:, None]
    accel = axis_limited(settings.accel_mm_s2, unit)
    rapid_rate = axis_limited(settings.max_rate_mm_min, unit)  # mm/min
    feed = np.where(np.isnan(b.feed), rapid_rate, b.feed)  # no F yet: GRBL refuses the line; take rapid
    nominal = np.maximum(np.where(b.rapid, rapid_rate, np.minimum(feed, rapid_rate)), MINIMUM_FEED_RATE) / 60.0
    cap = junction_speed2(unit, settings.accel_mm_s2, settings.junction_deviation_mm)
    prev_nominal = np.concatenate(([0.0], nominal[:-1]))
    cap = np.minimum(cap, np.minimum(nominal, prev_nominal) ** 2)
    stop_lines, dwell = _stop_lines(program, settings.laser_mode)
    stop = stops_before(b.line, stop_lines)
    seconds, _, _ = plan_times(length, accel, nominal, cap, GRBL_LOOKAHEAD, stop)
    naive = float((length / (np.where(b.rapid, rapid_rate, feed) / 60.0)).sum())
    link = machine.connection.baud / 10.0 if machine.connection.baud else None  # 8N1: 10 bits a byte
    return assemble(words.n_lines, b.line, seconds, dwell, naive, "grbl", dwell_seconds=float(dwell.sum()),
                    unread=words.bad_lines, link_bytes=words.line_bytes, link_bytes_per_s=link)
