"""The tests' own G-code/HPGL reader: the product's parser must not grade its own programs.

Deliberately minimal: absolute G0/G1 (and GRBL laser S/F words), HPGL PU/PD in plotter
units; enough to measure what a program cuts.
"""

from __future__ import annotations

import math
import re

WORD = re.compile(r"([A-Z])([-+]?[0-9]*\.?[0-9]+)")


def gcode_cuts(lines: list[str]) -> list[tuple[tuple[float, float, float], tuple[float, float, float], float]]:
    """(start, end, S power) of every G1 move, positions in mm."""
    pos = [0.0, 0.0, 0.0]
    motion, power = 0, 0.0
    out = []
    for raw in lines:
        code = re.sub(r"\([^)]*\)", "", raw.split(";", 1)[0]).upper()
        words = dict((k, float(v)) for k, v in WORD.findall(code))
        if "G" in words and words["G"] in (0, 1):
            motion = int(words["G"])
        if "S" in words:
            power = words["S"]
        if not any(a in words for a in "XYZ") or "G" in words and words["G"] not in (0, 1):
            continue
        new = [words.get(a, pos[i]) for i, a in enumerate("XYZ")]
        if motion == 1:
            out.append((tuple(pos), tuple(new), power))
        pos = new
    return out


def cut_length(lines: list[str], xy_only: bool = True) -> float:
    return sum(math.dist(a[:2], b[:2]) if xy_only else math.dist(a, b) for a, b, _ in gcode_cuts(lines))


def hpgl_cut_length(lines: list[str]) -> float:
    """Length drawn pen-down, mm (40 plotter units per mm)."""
    text = ";".join(lines)
    x = y = 0.0
    total = 0.0
    for cmd in text.split(";"):
        cmd = cmd.strip()
        if cmd[:2] not in ("PU", "PD"):
            continue
        nums = [float(v) for v in re.findall(r"[-+]?\d+\.?\d*", cmd[2:])]
        for k in range(0, len(nums) - 1, 2):
            nx, ny = nums[k] / 40.0, nums[k + 1] / 40.0
            if cmd[:2] == "PD":
                total += math.hypot(nx - x, ny - y)
            x, y = nx, ny
    return total
