"""A drawing's paths cleaned for toolpaths: duplicate points dropped, near-closed paths closed.

Readers keep what the file said; toolpaths need less ambiguity: a polyline whose ends meet
within the drawing's tolerance is a closed contour (DXF often draws them that way), and
a path that collapses to a point has nothing to cut.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from slicing.geometry import Drawing, Path2D


@dataclass
class Contour:
    index: int  # position in drawing.paths, for issue locations
    points: np.ndarray  # (n, 2); closed contours do not repeat their first point
    closed: bool
    path: Path2D

    def location(self) -> dict:
        x, y = (float(v) for v in self.points.min(axis=0))
        return {"source": self.path.source, "layer": self.path.layer, "x": round(x, 3), "y": round(y, 3)}


def clean_points(points: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    pts = np.asarray(points, dtype=float).reshape(-1, 2)
    pts = pts[np.isfinite(pts).all(axis=1)]
    if len(pts) < 2:
        return pts
    keep = np.ones(len(pts), dtype=bool)
    keep[1:] = np.hypot(*np.diff(pts, axis=0).T) > eps
    return pts[keep]


def contours_from(drawing: Drawing) -> list[Contour]:
    close_tol = max(2 * drawing.tolerance_mm, 0.01)
    out: list[Contour] = []
    for i, path in enumerate(drawing.paths):
        pts = clean_points(path.points)
        if len(pts) < 2:
            continue
        closed = bool(path.closed)
        if len(pts) >= 3 and np.hypot(*(pts[0] - pts[-1])) <= close_tol:
            pts = pts[:-1]
            closed = True
        if closed and len(pts) < 3:
            closed = False
        out.append(Contour(i, pts, closed, path))
    return out
