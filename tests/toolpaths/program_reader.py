"""The tests' own G-code/HPGL reader: the product's reader (`gcode_reader`, used by the checks,
previews and time model) must not grade its own programs, or a bug could hide in both.

Deliberately minimal and written independently, line by line with one regular expression:
G0/G1 (an arc is taken as a straight move to its end), G90/G91, M82/M83, G92, G28, F/S/E
words, `;LAYER:n` marks, HPGL PU/PD in plotter units; enough to measure what a program cuts.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

WORD = re.compile(r"([A-Z])([-+]?[0-9]*\.?[0-9]+)")
Point = tuple[float, float, float]


@dataclass(frozen=True)
class Move:
    line: int  # 0-based
    kind: str  # "rapid" (G0) | "feed" (G1-G3)
    start: Point
    end: Point
    feed: float | None  # mm/min
    power: float | None  # S (laser power, spindle speed) in force
    extrude: float  # filament pushed, mm
    layer: int | None


def _words(raw: str) -> dict[str, float]:
    code = re.sub(r"\([^)]*\)", "", raw.split(";", 1)[0]).upper()
    return {k: float(v) for k, v in WORD.findall(code)}


def moves(lines: list[str]) -> list[Move]:
    """Every move of a G-code program (absolute positions in mm), in program order."""
    pos, e = [0.0, 0.0, 0.0], 0.0
    motion, feed, power, layer = 0, None, None, None
    absolute, e_absolute = True, True
    out = []
    for n, raw in enumerate(lines):
        if raw.startswith(";LAYER:"):
            layer = int(raw[7:])
        words = _words(raw)
        g, m = words.get("G"), words.get("M")
        if m in (82, 83):
            e_absolute = m == 82
        if g in (90, 91):
            absolute = e_absolute = g == 90
        if "F" in words:
            feed = words["F"]
        if "S" in words and m not in (104, 109, 140, 190, 106):
            power = words["S"]
        if g == 92:
            pos = [words.get(a, pos[i]) for i, a in enumerate("XYZ")]
            e = words.get("E", e)
            continue
        if g == 28:
            named = [a for a in "XYZ" if a in words] or list("XYZ")
            pos = [0.0 if a in named else pos[i] for i, a in enumerate("XYZ")]
            continue
        if g in (0, 1, 2, 3):
            motion = int(g)
        elif g is not None or m is not None:
            continue
        if not any(a in words for a in "XYZE"):
            continue
        new = [(words[a] if absolute else pos[i] + words[a]) if a in words else pos[i] for i, a in enumerate("XYZ")]
        pushed = 0.0
        if "E" in words:
            pushed = words["E"] - e if e_absolute else words["E"]
            e += pushed
        out.append(Move(n, "rapid" if motion == 0 else "feed", (pos[0], pos[1], pos[2]), (new[0], new[1], new[2]),
                        feed, power, pushed, layer))
        pos = new
    return out


def hpgl_moves(lines: list[str]) -> list[Move]:
    """PU/PD/PA moves of an HPGL program in mm (40 plotter units per mm), kind "feed" pen down."""
    x = y = 0.0
    down = False
    out = []
    for n, raw in enumerate(lines):
        for cmd in raw.split(";"):
            cmd = cmd.strip().upper()
            if cmd[:2] not in ("PU", "PD", "PA"):
                continue
            if cmd[:2] != "PA":
                down = cmd[:2] == "PD"
            nums = [float(v) for v in re.findall(r"[-+]?\d+\.?\d*", cmd[2:])]
            for k in range(0, len(nums) - 1, 2):
                nx, ny = nums[k] / 40.0, nums[k + 1] / 40.0
                out.append(Move(n, "feed" if down else "rapid", (x, y, 0.0), (nx, ny, 0.0), None, None, 0.0, None))
                x, y = nx, ny
    return out


def gcode_cuts(lines: list[str]) -> list[tuple[Point, Point, float]]:
    """(start, end, S power) of every cutting move (G1), positions in mm."""
    return [(m.start, m.end, m.power or 0.0) for m in moves(lines) if m.kind == "feed"]


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
