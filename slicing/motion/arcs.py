"""G2/G3 arcs split into straight segments the way each firmware splits them.

GRBL (`mc_arc`): `segments = floor(|angle * r / 2| / sqrt(tol * (2r - tol)))` with the arc
tolerance `$12`, segment ends on the circle, full circle when the target equals the start.
Marlin (`plan_arc`, 2.x defaults): segments of at most 1 mm and at least 72 per full turn.
The GRBL points are computed exactly rather than with its third-order rotation (the two agree
to far better than a step), the planner only sees their lengths and angles.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

ARC_ANGULAR_TRAVEL_EPSILON = 5e-7  # GRBL config.h
MARLIN_MAX_ARC_SEGMENT_MM = 1.0
MARLIN_MIN_CIRCLE_SEGMENTS = 72


@dataclass
class ArcSplitter:
    flavour: str  # "grbl" | "marlin"
    tolerance_mm: float = 0.002  # GRBL $12

    def segment_counts(self, angle: np.ndarray, radius: np.ndarray, linear_mm: np.ndarray) -> np.ndarray:
        if self.flavour == "grbl":
            tol = self.tolerance_mm
            with np.errstate(invalid="ignore", divide="ignore"):
                count = np.floor(np.abs(0.5 * angle * radius) / np.sqrt(tol * (2 * radius - tol)))
            count = np.where(2 * radius > tol, count, 1)
        else:
            travel = np.hypot(angle * radius, linear_mm)
            count = np.maximum(np.floor(travel / MARLIN_MAX_ARC_SEGMENT_MM),
                               np.ceil(MARLIN_MIN_CIRCLE_SEGMENTS * np.abs(angle) / (2 * np.pi)))
        return np.maximum(np.nan_to_num(count, nan=1.0, posinf=1.0), 1).astype(np.int64)

    def split(self, start: np.ndarray, target: np.ndarray, center: np.ndarray, plane: np.ndarray,
              clockwise: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """All arcs at once: (segments per arc, [Σ segments, 4] end points, each arc's last one
        exactly its target). `start`/`target` [k, 4]; `center` [k, 2] in the plane's axes;
        `plane` [k, 3] axis indices (axis 0, axis 1, linear axis)."""
        k = len(start)
        rows = np.arange(k)
        a0, a1, lin = plane[:, 0], plane[:, 1], plane[:, 2]
        r0, r1 = start[rows, a0] - center[:, 0], start[rows, a1] - center[:, 1]
        t0, t1 = target[rows, a0] - center[:, 0], target[rows, a1] - center[:, 1]
        angle = np.arctan2(r0 * t1 - r1 * t0, r0 * t0 + r1 * t1)
        angle = np.where(clockwise & (angle >= -ARC_ANGULAR_TRAVEL_EPSILON), angle - 2 * np.pi, angle)
        angle = np.where(~clockwise & (angle <= ARC_ANGULAR_TRAVEL_EPSILON), angle + 2 * np.pi, angle)
        radius = np.hypot(r0, r1)
        counts = self.segment_counts(angle, radius, target[rows, lin] - start[rows, lin])
        arc_of = np.repeat(rows, counts)
        first = np.cumsum(counts) - counts
        step = np.arange(len(arc_of)) - first[arc_of] + 1
        frac = step / counts[arc_of]
        pts = start[arc_of] + frac[:, None] * (target - start)[arc_of]  # linear axis and E
        theta = angle[arc_of] * frac
        cos, sin = np.cos(theta), np.sin(theta)
        seg = np.arange(len(arc_of))
        pts[seg, a0[arc_of]] = center[arc_of, 0] + r0[arc_of] * cos - r1[arc_of] * sin
        pts[seg, a1[arc_of]] = center[arc_of, 1] + r0[arc_of] * sin + r1[arc_of] * cos
        pts[first + counts - 1] = target
        return counts, pts


def arc_centers_from_radius(start0, start1, end0, end1, r, clockwise) -> tuple[np.ndarray, np.ndarray]:
    """Centres of R-format arcs (GRBL gcode.c): a negative R asks for the arc over 180°."""
    dx, dy = end0 - start0, end1 - start1
    chord = np.hypot(dx, dy)
    h = -np.sqrt(np.maximum(4.0 * r * r - dx * dx - dy * dy, 0.0)) / np.where(chord > 0, chord, 1.0)
    h = np.where(clockwise, h, -h)
    h = np.where(r < 0, -h, h)
    i = np.where(chord > 0, 0.5 * (dx - dy * h), 0.0)  # no chord: no centre, a degenerate point
    j = np.where(chord > 0, 0.5 * (dy + dx * h), 0.0)
    return start0 + i, start1 + j
