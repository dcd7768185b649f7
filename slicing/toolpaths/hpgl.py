"""HPGL writer for vinyl cutters: `IN;`, `SP1;`, `VS`, `PU`/`PD`, 40 plotter units per mm.

One command per line so the driver can stream, count and resume by line; coordinates are
integers in plotter units.
"""

from __future__ import annotations

import math

import numpy as np

UNITS_PER_MM = 40


class HpglWriter:
    def __init__(self, speed_mm_min: float) -> None:
        self.lines = ["IN;", "SP1;", f"VS{max(1, round(speed_mm_min / 600.0)):d};"]
        self.pos: tuple[int, int] | None = None
        self.cut_mm = 0.0
        self.rapid_mm = 0.0

    @staticmethod
    def units(x: float, y: float) -> tuple[int, int]:
        return round(x * UNITS_PER_MM), round(y * UNITS_PER_MM)

    def _dist(self, target: tuple[int, int]) -> float:
        if self.pos is None:
            return 0.0
        return math.hypot(target[0] - self.pos[0], target[1] - self.pos[1]) / UNITS_PER_MM

    def travel(self, x: float, y: float) -> None:
        target = self.units(x, y)
        if target == self.pos:
            return
        self.rapid_mm += self._dist(target)
        self.lines.append(f"PU{target[0]},{target[1]};")
        self.pos = target

    def cut(self, points: np.ndarray) -> None:
        self.travel(float(points[0, 0]), float(points[0, 1]))
        for x, y in points[1:]:
            target = self.units(float(x), float(y))
            if target == self.pos:
                continue
            self.cut_mm += self._dist(target)
            self.lines.append(f"PD{target[0]},{target[1]};")
            self.pos = target

    def finish(self) -> list[str]:
        self.travel(0.0, 0.0)
        self.lines.append("SP0;")
        return self.lines
