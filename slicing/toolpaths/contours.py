"""A drawing's paths cleaned for toolpaths: duplicate points dropped, loose segments
chained, near-closed paths closed.

Readers keep what the file said; toolpaths need less ambiguity. DXF outlines often come as
separate LINE/ARC entities that merely touch: they are chained (same layer and colour,
ends within the drawing's tolerance) so that the outline is one contour with an inside,
which kerf and tool compensation need. A polyline whose ends meet is closed, and a path
that collapses to a point has nothing to cut.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree
from shapely.geometry import LineString, MultiLineString
from shapely.ops import linemerge

from slicing.geometry import Drawing, Path2D


@dataclass
class Contour:
    index: int  # position in drawing.paths, for issue locations
    points: np.ndarray  # (n, 2); closed contours do not repeat their first point
    closed: bool
    path: Path2D
    duplicates: int = 0  # identical copies dropped (drawn twice: cutting twice burns the edge)

    def location(self) -> dict:
        x, y = (float(v) for v in self.points.min(axis=0))
        return {"source": self.path.source, "layer": self.path.layer, "x": round(x, 3), "y": round(y, 3)}


MAX_COORDINATE_MM = 100_000.0  # 100 m: beyond this a coordinate is a unit or file error


def absurd(points: np.ndarray) -> bool:
    """True when a path reaches further than any machine could (NaN/inf are dropped instead)."""
    pts = np.asarray(points, dtype=float).reshape(-1, 2)
    finite = pts[np.isfinite(pts).all(axis=1)]
    return bool(len(finite)) and float(np.abs(finite).max()) > MAX_COORDINATE_MM


def clean_points(points: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    pts = np.asarray(points, dtype=float).reshape(-1, 2)
    pts = pts[np.isfinite(pts).all(axis=1)]
    if len(pts) < 2:
        return pts
    keep = np.ones(len(pts), dtype=bool)
    keep[1:] = np.hypot(*np.diff(pts, axis=0).T) > eps
    return pts[keep]


def _chain(indexed: list[tuple[int, np.ndarray]], tol: float) -> list[tuple[int, np.ndarray]]:
    """Join open polylines whose ends meet (within tol) at points where exactly two meet."""
    if len(indexed) < 2:
        return indexed
    ends = np.vstack([[pts[0], pts[-1]] for _, pts in indexed])
    pairs = cKDTree(ends).query_pairs(tol, output_type="ndarray")
    root = np.arange(len(ends))

    def find(a: int) -> int:
        while root[a] != a:
            root[a] = root[root[a]]
            a = root[a]
        return a

    for a, b in pairs:
        ra, rb = find(int(a)), find(int(b))
        if ra != rb:
            root[max(ra, rb)] = min(ra, rb)
    snapped = ends[[find(k) for k in range(len(ends))]]
    lines = []
    owner: dict[tuple[float, float], int] = {}
    for k, (idx, pts) in enumerate(indexed):
        pts = pts.copy()
        pts[0], pts[-1] = snapped[2 * k], snapped[2 * k + 1]
        lines.append(LineString(pts))
        owner.setdefault(tuple(pts[0]), idx)
        owner.setdefault(tuple(pts[-1]), idx)
    merged = linemerge(MultiLineString(lines))
    out = []
    for line in getattr(merged, "geoms", [merged]):
        coords = np.asarray(line.coords)
        out.append((owner.get(tuple(coords[0]), indexed[0][0]), coords))
    return out


def _finish(i: int, pts: np.ndarray, path: Path2D, close_tol: float) -> Contour | None:
    pts = clean_points(pts)
    if len(pts) < 2:
        return None
    closed = bool(path.closed) or (len(pts) >= 4 and np.array_equal(pts[0], pts[-1]))
    if len(pts) >= 3 and np.hypot(*(pts[0] - pts[-1])) <= close_tol:
        pts = pts[:-1]
        closed = True
    if closed and len(pts) < 3:
        closed = False
    return Contour(i, pts, closed, path)


def contours_from(drawing: Drawing) -> list[Contour]:
    close_tol = max(2 * drawing.tolerance_mm, 0.01)
    raw = []
    for i, path in enumerate(drawing.paths):
        pts = clean_points(path.points)
        if len(pts) >= 2 and not absurd(pts):
            c = _finish(i, pts, path, close_tol)
            if c is not None:
                raw.append(c)
    unique = _drop_duplicates(raw, close_tol)  # before chaining: a segment drawn twice is not a loop
    dropped = sum(c.duplicates for c in unique)
    out = [c for c in unique if c.closed]
    loose: dict[tuple[str | None, str | None], list[tuple[int, np.ndarray]]] = {}
    for c in unique:
        if not c.closed:
            loose.setdefault((c.path.layer, c.path.stroke), []).append((c.index, c.points))
    for group in loose.values():
        for i, pts in _chain(group, close_tol):
            chained = _finish(i, pts, drawing.paths[i], close_tol)
            if chained is not None:
                out.append(chained)
    out.sort(key=lambda c: c.index)
    # The count of dropped copies travels on one contour (for the location).
    carrier = next((c for c in out if c.duplicates), out[0] if out else None)
    for c in out:
        c.duplicates = 0
    if carrier is not None:
        carrier.duplicates = dropped
    return out


def _signature(c: Contour, grid: float) -> tuple:
    """The same shape whatever its start point and direction gives the same signature."""
    snapped = [tuple(p) for p in np.round(c.points / grid).astype(np.int64).tolist()]
    if c.closed:
        return ("closed", frozenset(snapped), len(snapped))
    return ("open", min(tuple(snapped), tuple(reversed(snapped))))


def _drop_duplicates(contours: list[Contour], tol: float) -> list[Contour]:
    kept: dict[tuple, Contour] = {}
    for c in contours:
        key = (c.path.layer, c.path.stroke, _signature(c, tol))
        if key in kept:
            kept[key].duplicates += 1
        else:
            kept[key] = c
    return list(kept.values())
