"""Marlin G-code for the built-in slicer: relative extrusion, retraction on travel,
`;LAYER:n` and `;TYPE:` comments, `M73` progress with the remaining minutes.

The remaining time written in `M73 R` is a plain length/feed sum (what a firmware
progress display needs); the acceleration-aware estimate is the motion model's job.
"""

from __future__ import annotations

import math

import numpy as np
from shapely.geometry import LineString

from slicing.toolpaths.fdm.settings import FdmSettings
from slicing.toolpaths.numbers import fmt


class MarlinWriter:
    def __init__(self, s: FdmSettings) -> None:
        self.s = s
        self.lines: list[str] = []
        self.x = self.y = 0.0
        self.z = 0.0
        self.feed: float | None = None
        self.retracted = False
        self.filament_mm = 0.0
        self.extruded_by_type: dict[str, float] = {}
        self.seconds = 0.0
        self.kind = ""
        self.safe_zone = None  # prepared shapely area where travel needs no retraction (inside the walls)

    def raw(self, line: str) -> None:
        self.lines.append(line)

    def type(self, kind: str) -> None:
        if kind != self.kind:
            self.lines.append(f";TYPE:{kind}")
            self.kind = kind

    def _f(self, feed: float) -> str:
        if self.feed is not None and abs(feed - self.feed) < 0.5:
            return ""
        self.feed = feed
        return f" F{fmt(feed, 0)}"

    def retract(self) -> None:
        if not self.retracted and self.s.retract_length > 0:
            self.lines.append(f"G1 E-{fmt(self.s.retract_length, 4)}{self._f(self.s.retract_speed)}")
            self.seconds += self.s.retract_length / self.s.retract_speed * 60
            self.retracted = True

    def unretract(self) -> None:
        if self.retracted:
            self.lines.append(f"G1 E{fmt(self.s.retract_length, 4)}{self._f(self.s.retract_speed)}")
            self.seconds += self.s.retract_length / self.s.retract_speed * 60
            self.retracted = False

    def travel(self, x: float, y: float) -> None:
        d = math.hypot(x - self.x, y - self.y)
        if d < 1e-4:
            return
        # Like PrusaSlicer's "only retract when crossing perimeters": a travel that stays
        # inside the walls leaves any ooze inside the part, where nobody sees it.
        inside = self.safe_zone is not None and self.safe_zone.covers(LineString([(self.x, self.y), (x, y)]))
        if d > self.s.retract_min_travel and not inside:
            self.retract()
        self.lines.append(f"G0 X{fmt(x)} Y{fmt(y)}{self._f(self.s.speed_travel)}")
        self.seconds += d / self.s.speed_travel * 60
        self.x, self.y = x, y

    def move_z(self, z: float) -> None:
        self.lines.append(f"G0 Z{fmt(z)}{self._f(min(self.s.speed_travel, 600.0))}")
        self.seconds += abs(z - self.z) / 600.0 * 60
        self.z = z

    def extrude_path(self, pts: np.ndarray, feed: float, height: float) -> None:
        """Travel to the path's start, then print along it."""
        self.travel(float(pts[0, 0]), float(pts[0, 1]))
        self.unretract()
        per_mm = self.s.e_per_mm(height)
        for x, y in pts[1:]:
            d = math.hypot(x - self.x, y - self.y)
            if d < 1e-4:
                continue
            e = d * per_mm
            self.lines.append(f"G1 X{fmt(x)} Y{fmt(y)} E{fmt(e, 5)}{self._f(feed)}")
            self.filament_mm += e
            self.extruded_by_type[self.kind] = self.extruded_by_type.get(self.kind, 0.0) + e
            self.seconds += d / feed * 60
            self.x, self.y = float(x), float(y)
