"""HPGL cutters and plotters: PU/PD/PA/PR moves at the `VS` speed with the machine's acceleration.

40 plotter units per mm; `VS` is in cm/s and applies to every move (the cutters we drive
use one speed for pen-up and pen-down moves), limited by the machine's axis rates; before any
VS the machine's maximum rate is used. Corners use the same junction-deviation planner as
GRBL with the machine's `junction_deviation_mm`, and a pen (blade) lift or drop stops the
motion and takes `PEN_SECONDS`. `IN` resets pen, position and speed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from slicing.machine_spec import Machine
from slicing.motion.estimate import ProgramEstimate, assemble, stops_before
from slicing.motion.grbl import axis_limited, junction_speed2
from slicing.motion.planner import GRBL_LOOKAHEAD, plan_times

UNITS_PER_MM = 40.0
PEN_SECONDS = 0.05  # solenoid lift or drop: an assumption, cutters do not report it
_SIMPLE = re.compile(r"\s*(P[UDAR])\s*(-?\d+)\s*,\s*(-?\d+)\s*;?\s*$", re.I)
_COMMAND = re.compile(r"([A-Za-z]{2})([^A-Za-z;]*)")
_LABEL = re.compile(r"LB[^\x03]*\x03?", re.I)  # label text, up to its terminator: not commands


def _numbers(args: str) -> list[float] | None:
    parts = [p for p in re.split(r"[,\s]+", args.strip()) if p]
    try:
        return [float(p) for p in parts]
    except ValueError:
        return None


def estimate_hpgl(lines: Sequence[str], machine: Machine) -> ProgramEstimate:
    motion = machine.motion
    rates = np.array([motion.max_rate_mm_min.x, motion.max_rate_mm_min.y]) / 60.0
    accels = np.array([motion.acceleration_mm_s2.x, motion.acceleration_mm_s2.y])
    default_speed = float(rates.min())
    x = y = 0.0
    pen = False
    absolute = True
    speed = default_speed
    move_line: list[int] = []
    targets: list[tuple[float, float]] = []
    pens: list[bool] = []
    speeds: list[float] = []
    pen_lines: list[int] = []
    bad: list[int] = []

    for n, raw in enumerate(lines):
        simple = _SIMPLE.match(raw)
        if simple:
            commands = [(simple.group(1).upper(), [float(simple.group(2)), float(simple.group(3))])]
        else:
            commands = []
            text = _LABEL.sub(";", raw) if "LB" in raw.upper() else raw
            for cmd, args in _COMMAND.findall(text):
                nums = _numbers(args)
                if nums is None:
                    bad.append(n)
                    break
                commands.append((cmd.upper(), nums))
        for cmd, nums in commands:
            if cmd in ("PU", "PD"):
                down = cmd == "PD"
                if down != pen:
                    pen_lines.append(n)
                pen = down
            elif cmd == "PA":
                absolute = True
            elif cmd == "PR":
                absolute = False
            elif cmd == "VS":
                speed = nums[0] * 10.0 if nums and nums[0] > 0 else default_speed
                continue
            elif cmd == "IN":
                if pen:
                    pen_lines.append(n)
                x = y = 0.0
                pen, absolute, speed = False, True, default_speed
                continue
            else:
                continue  # SP, LT, ... do not move
            if len(nums) % 2:
                bad.append(n)
                continue
            for k in range(0, len(nums), 2):
                nx, ny = nums[k] / UNITS_PER_MM, nums[k + 1] / UNITS_PER_MM
                if not absolute:
                    nx, ny = x + nx, y + ny
                move_line.append(n)
                targets.append((nx, ny))
                pens.append(pen)
                speeds.append(speed)
                x, y = nx, ny

    n_lines = len(lines)
    pts = np.array(targets, dtype=float).reshape(-1, 2)
    start = np.vstack((np.zeros((1, 2)), pts[:-1]))
    delta = pts - start
    length = np.hypot(delta[:, 0], delta[:, 1])
    keep = length > 0
    line = np.array(move_line, dtype=np.int64)[keep]
    delta, length = delta[keep], length[keep]
    speed_arr = np.array(speeds, dtype=float)[keep]
    unit = delta / length[:, None] if len(length) else np.zeros((0, 2))
    accel = axis_limited(accels, unit)
    nominal = np.minimum(speed_arr, axis_limited(rates, unit))
    cap = junction_speed2(unit, accels, motion.junction_deviation_mm or 0.05)
    prev_nominal = np.concatenate(([0.0], nominal[:-1]))
    cap = np.minimum(cap, np.minimum(nominal, prev_nominal) ** 2)
    stop = stops_before(line, np.array(pen_lines, dtype=np.int64))
    seconds, _, _ = plan_times(length, accel, nominal, cap, GRBL_LOOKAHEAD, stop)
    extra = np.zeros(n_lines)
    np.add.at(extra, np.array(pen_lines, dtype=np.int64), PEN_SECONDS)
    naive = float((length / speed_arr).sum()) if len(length) else 0.0
    return assemble(n_lines, line, seconds, extra, naive, "hpgl", unread=np.array(sorted(set(bad)), dtype=np.int64))
