"""Holding tabs: short stretches of a through-cut where the tool stays up, so the part
stays attached to the sheet until the end of the job and cannot be thrown by the bit."""

from __future__ import annotations

import numpy as np


def cumulative(points: np.ndarray) -> np.ndarray:
    seg = np.hypot(*np.diff(points, axis=0).T)
    return np.concatenate([[0.0], np.cumsum(seg)])


def tab_intervals(length: float, tab_width: float, tool_diameter: float, spacing: float) -> list[tuple[float, float]]:
    """Arc-length intervals where the tool is lifted, evenly spread (none on tiny contours).

    The lifted stretch is the tab width plus the tool diameter, since the tool's edge,
    not its centre, must leave the material in place.
    """
    lifted = tab_width + tool_diameter
    count = int(min(max(round(length / spacing), 2), 8))
    while count and length < count * lifted * 3:
        count -= 1
    step = length / count if count else 0.0
    return [(step * (k + 0.5) - lifted / 2, step * (k + 0.5) + lifted / 2) for k in range(count)]


def split_at(points: np.ndarray, intervals: list[tuple[float, float]]) -> list[tuple[np.ndarray, bool]]:
    """The polyline cut into runs, each flagged True when it lies inside a tab interval."""
    s = cumulative(points)
    marks = sorted({v for iv in intervals for v in iv if 0 < v < s[-1]})
    # Insert a vertex at every interval boundary.
    all_s = np.unique(np.concatenate([s, marks]))
    xs = np.interp(all_s, s, points[:, 0])
    ys = np.interp(all_s, s, points[:, 1])
    mids = (all_s[:-1] + all_s[1:]) / 2
    in_tab = np.array([any(a <= m <= b for a, b in intervals) for m in mids])
    runs: list[tuple[np.ndarray, bool]] = []
    start = 0
    for k in range(1, len(mids) + 1):
        if k == len(mids) or in_tab[k] != in_tab[start]:
            pts = np.column_stack([xs[start : k + 1], ys[start : k + 1]])
            runs.append((pts, bool(in_tab[start])))
            start = k
    return runs
