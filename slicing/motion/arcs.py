"""G2/G3 arcs split into straight segments the way each firmware splits them.

GRBL (`mc_arc`): `segments = floor(|angle * r / 2| / sqrt(tol * (2r - tol)))` with the arc
tolerance `$12`, segment ends on the circle, full circle when the target equals the start.
Marlin (`plan_arc`, 2.x defaults): segments of at most 1 mm and at least 72 per full turn.
The GRBL points are computed exactly rather than with its third-order rotation (the two agree
to far better than a step), the planner only sees their lengths and angles.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

ARC_ANGULAR_TRAVEL_EPSILON = 5e-7  # GRBL config.h
MARLIN_MAX_ARC_SEGMENT_MM = 1.0
MARLIN_MIN_CIRCLE_SEGMENTS = 72


@dataclass
class ArcSplitter:
    flavour: str  # "grbl" | "marlin"
    tolerance_mm: float = 0.002  # GRBL $12

    def segment_count(self, angle: float, radius: float, linear_mm: float) -> int:
        if self.flavour == "grbl":
            tol = self.tolerance_mm
            if radius <= 0 or 2 * radius <= tol:
                return 1
            return max(1, math.floor(abs(0.5 * angle * radius) / math.sqrt(tol * (2 * radius - tol))))
        travel = math.hypot(angle * radius, linear_mm)
        by_length = math.floor(travel / MARLIN_MAX_ARC_SEGMENT_MM)
        by_turn = math.ceil(MARLIN_MIN_CIRCLE_SEGMENTS * abs(angle) / (2 * math.pi))
        return max(1, by_length, by_turn)

    def points(self, start, target, center, plane, clockwise: bool) -> np.ndarray:
        """End points of the segments, [k, 4], the last one exactly `target`."""
        a0, a1, lin = plane
        r0, r1 = start[a0] - center[0], start[a1] - center[1]
        t0, t1 = target[a0] - center[0], target[a1] - center[1]
        angle = math.atan2(r0 * t1 - r1 * t0, r0 * t0 + r1 * t1)
        if clockwise:
            if angle >= -ARC_ANGULAR_TRAVEL_EPSILON:
                angle -= 2 * math.pi
        elif angle <= ARC_ANGULAR_TRAVEL_EPSILON:
            angle += 2 * math.pi
        radius = math.hypot(r0, r1)
        linear = target[lin] - start[lin]
        count = self.segment_count(angle, radius, linear)
        frac = np.arange(1, count + 1) / count
        theta = angle * frac
        pts = np.empty((count, 4))
        pts[:] = start + np.outer(frac, np.asarray(target) - np.asarray(start))  # linear axis and E
        pts[:, a0] = center[0] + r0 * np.cos(theta) - r1 * np.sin(theta)
        pts[:, a1] = center[1] + r0 * np.sin(theta) + r1 * np.cos(theta)
        pts[-1] = target
        return pts


def arc_center_from_radius(x0: float, y0: float, x1: float, y1: float, r: float, clockwise: bool) -> tuple[float, float]:
    """Centre of an R-format arc (GRBL gcode.c): negative R asks for the arc over 180°."""
    dx, dy = x1 - x0, y1 - y0
    h_x2_div_d = 4.0 * r * r - dx * dx - dy * dy
    chord = math.hypot(dx, dy)
    if chord == 0:
        return x0, y0  # no centre defined: degenerate arc, treated as a point
    h_x2_div_d = -math.sqrt(max(h_x2_div_d, 0.0)) / chord
    if not clockwise:
        h_x2_div_d = -h_x2_div_d
    if r < 0:
        h_x2_div_d = -h_x2_div_d
    i = 0.5 * (dx - dy * h_x2_div_d)
    j = 0.5 * (dy + dx * h_x2_div_d)
    return x0 + i, y0 + j
