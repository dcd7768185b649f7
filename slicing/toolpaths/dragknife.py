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


def _swivel(corner: np.ndarray, d_from: np.ndarray, d_to: np.ndarray, offset: float, min_angle_deg: float,
            arc_step_deg: float) -> list[np.ndarray]:
    """Axis points turning the blade around `corner` from one direction to the next (end included)."""
    a0 = math.atan2(d_from[1], d_from[0])
    a1 = math.atan2(d_to[1], d_to[0])
    turn = (a1 - a0 + math.pi) % (2 * math.pi) - math.pi
    if abs(math.degrees(turn)) < min_angle_deg:
        return [corner + offset * d_to]
    steps = max(1, int(abs(math.degrees(turn)) // arc_step_deg))
    return [corner + offset * np.array([math.cos(a0 + turn * k / steps), math.sin(a0 + turn * k / steps)])
            for k in range(1, steps + 1)]


def blade_compensate(
    points: np.ndarray,
    offset: float,
    min_angle_deg: float = 15.0,
    arc_step_deg: float = 10.0,
    start_direction: np.ndarray | None = None,
) -> np.ndarray:
    """The knife-axis polyline for a blade tip that must follow `points` (open polyline).

    `start_direction` is where the blade points when it comes down (the direction of the
    previous cut): the blade is first swivelled on the spot to the path's first direction.
    """
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
    if start_direction is not None:
        start = np.asarray(start_direction, dtype=float)
        out = [pts[0] + offset * start] + _swivel(pts[0], start, dirs[0], offset, min_angle_deg, arc_step_deg)
    else:
        out = [pts[0] + offset * dirs[0]]
    for i in range(len(dirs)):
        corner = pts[i + 1]
        out.append(corner + offset * dirs[i])
        if i + 1 < len(dirs):
            out.extend(_swivel(corner, dirs[i], dirs[i + 1], offset, min_angle_deg, arc_step_deg))
    return np.asarray(out)


def end_direction(points: np.ndarray) -> np.ndarray | None:
    """The unit direction of a polyline's last non-zero segment (where the blade points after it)."""
    seg = np.diff(np.asarray(points, dtype=float), axis=0)
    lengths = np.hypot(seg[:, 0], seg[:, 1])
    nonzero = np.nonzero(lengths > 1e-9)[0]
    if len(nonzero) == 0:
        return None
    k = nonzero[-1]
    return seg[k] / lengths[k]
