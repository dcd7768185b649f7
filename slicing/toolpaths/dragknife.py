"""Drag-knife compensation: the blade tip trails the knife's axis by the blade offset.

To put the tip on the drawn line, the axis runs ahead of it by the offset along the
direction of travel; at a corner sharper than `min_angle_deg` the axis swings around the
corner on an arc of that radius (the swivel) so the blade turns in place instead of
dragging across the corner. Gentle bends of flattened curves need no swivel.
"""

from __future__ import annotations

import math

import numpy as np


def with_overcut(ring: np.ndarray, overcut: float) -> np.ndarray:
    """A closed ring as an open polyline that runs `overcut` mm past its start to close the cut."""
    closed = np.vstack([ring, ring[:1]])
    if overcut <= 0:
        return closed
    extra = [ring[0]]
    left = overcut
    k = 0
    n = len(ring)
    while left > 1e-9 and k < 10 * n:
        a, b = ring[k % n], ring[(k + 1) % n]
        seg = float(np.hypot(*(b - a)))
        if seg >= left:
            extra.append(a + (b - a) * (left / seg))
            break
        extra.append(b)
        left -= seg
        k += 1
    return np.vstack([closed, np.asarray(extra[1:])])


def blade_compensate(points: np.ndarray, offset: float, min_angle_deg: float = 15.0, arc_step_deg: float = 10.0) -> np.ndarray:
    """The knife-axis polyline for a blade tip that must follow `points` (open polyline)."""
    pts = np.asarray(points, dtype=float)
    if offset <= 0 or len(pts) < 2:
        return pts
    seg = np.diff(pts, axis=0)
    lengths = np.hypot(seg[:, 0], seg[:, 1])
    keep = lengths > 1e-9
    seg, lengths = seg[keep], lengths[keep]
    pts = np.vstack([pts[:1], pts[1:][keep]])
    if len(seg) == 0:
        return pts
    dirs = seg / lengths[:, None]
    out = [pts[0] + offset * dirs[0]]
    for i in range(len(dirs)):
        corner = pts[i + 1]
        out.append(corner + offset * dirs[i])
        if i + 1 < len(dirs):
            a0 = math.atan2(dirs[i][1], dirs[i][0])
            a1 = math.atan2(dirs[i + 1][1], dirs[i + 1][0])
            turn = (a1 - a0 + math.pi) % (2 * math.pi) - math.pi
            if abs(math.degrees(turn)) >= min_angle_deg:
                steps = max(1, int(abs(math.degrees(turn)) // arc_step_deg))
                for k in range(1, steps + 1):
                    a = a0 + turn * k / steps
                    out.append(corner + offset * np.array([math.cos(a), math.sin(a)]))
            else:
                out.append(corner + offset * dirs[i + 1])
    return np.asarray(out)
