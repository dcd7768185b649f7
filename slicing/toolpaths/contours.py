"""A drawing's paths cleaned for toolpaths: duplicate points dropped, loose segments
chained, near-closed paths closed.

Readers keep what the file said; toolpaths need less ambiguity. DXF outlines often come as
separate LINE/ARC entities that merely touch: they are chained (same layer and colour,
ends within the drawing's tolerance) so that the outline is one contour with an inside,
which kerf and tool compensation need. A polyline whose ends meet is closed, and a path
that collapses to a point has nothing to cut.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import shapely
from shapely.ops import linemerge

from slicing.geometry import Drawing, Path2D
from slicing.toolpaths.joints import joints


@dataclass
class Contour:
    index: int  # position in drawing.paths, for issue locations
    points: np.ndarray  # (n, 2); closed contours do not repeat their first point
    closed: bool
    path: Path2D
    duplicates: int = 0  # identical copies dropped (drawn twice: cutting twice burns the edge)
    duplicate_mm: float = 0.0  # their length, so the program's length can be checked against the drawing's

    def copied(self) -> Contour:
        """A copy with its own points (`dataclasses.replace` did the same at 3x the cost: 0.5 s
        for the two callers of a 100,000-contour sheet)."""
        return Contour(self.index, self.points.copy(), self.closed, self.path, self.duplicates, self.duplicate_mm)

    def location(self) -> dict:
        x, y = (float(v) for v in self.points.min(axis=0))
        return {"source": self.path.source, "layer": self.path.layer, "x": round(x, 3), "y": round(y, 3)}


MAX_COORDINATE_MM = 100_000.0  # 100 m: beyond this a coordinate is a unit or file error


def absurd(points: np.ndarray) -> bool:
    """True when a path reaches further than any machine could (NaN/inf are dropped instead)."""
    pts = np.asarray(points, dtype=float).reshape(-1, 2)
    if not len(pts):
        return False
    top = float(np.abs(pts).max())
    if math.isfinite(top):  # every point finite (the usual case): no row filtering needed
        return top > MAX_COORDINATE_MM
    finite = pts[np.isfinite(pts).all(axis=1)]
    return bool(len(finite)) and float(np.abs(finite).max()) > MAX_COORDINATE_MM


def clean_points(points: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    pts = np.asarray(points, dtype=float).reshape(-1, 2)
    pts = pts[np.isfinite(pts).all(axis=1)]
    if len(pts) < 2:
        return pts
    keep = np.ones(len(pts), dtype=bool)
    step = pts[1:] - pts[:-1]  # np.diff's arithmetic without its per-call overhead
    keep[1:] = np.hypot(step[:, 0], step[:, 1]) > eps
    return pts[keep]


def _chain(indexed: list[tuple[int, np.ndarray]], tol: float) -> list[tuple[int, np.ndarray]]:
    """Join open polylines end to end at their joints (see `joints`): coincident ends, and
    loose ends within `tol` of each other."""
    if len(indexed) < 2:
        return indexed
    sizes = np.array([len(pts) for _, pts in indexed])
    coords = np.vstack([pts for _, pts in indexed])
    first = np.r_[0, np.cumsum(sizes)[:-1]]
    last = first + sizes - 1
    seg = np.r_[np.hypot(*np.diff(coords, axis=0).T), 0.0]
    lengths = np.add.reduceat(seg, first) - seg[last]  # less the jump from each path to the next
    ends = np.column_stack([coords[first], coords[last]]).reshape(-1, 2)
    node = joints(ends, tol, lengths)
    sums = np.zeros((node.max() + 1, 2))
    np.add.at(sums, node, ends)
    snapped = (sums / np.bincount(node)[:, None])[node]
    coords[first], coords[last] = snapped[0::2], snapped[1::2]
    dash = (sizes == 2) & (node[0::2] == node[1::2])  # shorter than the gap it closed: nothing to cut
    keep = np.repeat(~dash, sizes)
    if not keep.any():
        return []
    lines = shapely.linestrings(coords[keep], indices=np.repeat(np.arange(len(sizes)), sizes)[keep])
    owner: dict[tuple[float, float], int] = {}
    for k, (idx, _) in enumerate(indexed):
        if not dash[k]:
            owner.setdefault(tuple(snapped[2 * k]), idx)
            owner.setdefault(tuple(snapped[2 * k + 1]), idx)
    merged = linemerge(shapely.multilinestrings(lines))
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
    if len(pts) >= 3 and math.hypot(*(pts[0] - pts[-1])) <= close_tol:
        pts = pts[:-1]
        closed = True
    if closed and len(pts) < 3:
        closed = False
    return Contour(i, pts, closed, path)


class _Cleaned(NamedTuple):
    kept: np.ndarray  # indices of the paths left with two points or more
    pieces: list[np.ndarray]  # their points
    n: np.ndarray  # their point counts
    first: np.ndarray  # (m, 2) their first points
    last: np.ndarray  # (m, 2) their last points


def _cleaned(drawing: Drawing) -> _Cleaned:
    """Every path's finite points without repeats, in one numpy pass (drawings of ten
    thousand LINEs are common); paths reaching absurdly far are left out (reported apart)."""
    sizes = np.array([len(p.points) for p in drawing.paths], dtype=np.int64)
    if not len(sizes) or not sizes.sum():
        none = np.zeros((0, 2))
        return _Cleaned(np.zeros(0, dtype=np.int64), [], np.zeros(0, dtype=np.int64), none, none)
    allp = np.vstack([np.asarray(p.points, dtype=float).reshape(-1, 2) for p in drawing.paths if len(p.points)])
    owner = np.repeat(np.arange(len(sizes)), sizes)
    finite = np.isfinite(allp).all(axis=1)
    far = np.zeros(len(sizes), dtype=bool)
    far[owner[finite & (np.abs(np.where(np.isfinite(allp), allp, 0.0)).max(axis=1) > MAX_COORDINATE_MM)]] = True
    allp, owner = allp[finite], owner[finite]
    keep = np.ones(len(allp), dtype=bool)
    keep[1:] = (owner[1:] != owner[:-1]) | (np.hypot(*np.diff(allp, axis=0).T) > 1e-6)
    allp, owner = allp[keep], owner[keep]
    counts = np.bincount(owner, minlength=len(sizes))
    ends = np.cumsum(counts)
    pieces = np.split(allp, ends[:-1])
    kept = np.flatnonzero((counts >= 2) & ~far)
    return _Cleaned(kept, [pieces[i] for i in kept.tolist()], counts[kept], allp[ends[kept] - counts[kept]],
                    allp[ends[kept] - 1])


def _finished_all(cleaned: _Cleaned, drawing: Drawing, close_tol: float) -> list[Contour]:
    """`_finish` of every cleaned path at once: the same rules on arrays of their ends (a
    100,000-entity sheet spent 2.5 s in `_finish` one path at a time)."""
    kept, pieces, n, first, last = cleaned
    if not len(kept):
        return []
    same = (first == last).all(axis=1)
    gap = np.hypot(*(first - last).T)
    edge = np.flatnonzero(np.abs(gap - close_tol) <= 1e-9 * max(close_tol, 1.0))
    gap[edge] = [math.hypot(*(first[k] - last[k])) for k in edge]  # `_finish`'s own arithmetic there
    closed = np.array([bool(drawing.paths[i].closed) for i in kept.tolist()], dtype=bool) | ((n >= 4) & same)
    drop_last = (n >= 3) & (gap <= close_tol)
    closed = (closed | drop_last) & (n - drop_last >= 3)
    return [Contour(i, pts[:-1] if d else pts, c, drawing.paths[i])
            for i, pts, d, c in zip(kept.tolist(), pieces, drop_last.tolist(), closed.tolist(), strict=True)]


def contours_from(drawing: Drawing) -> list[Contour]:
    """The drawing's contours, made once per drawing: a file's analysis needs them for its
    figures (drawing_metrics) and again for its plan (laser, vinyl, CNC), ~17 % of the analysis
    of a 20,000-entity sheet. Every call gets its own copies (points included), so no caller
    sees another's changes. Kept on the drawing, keyed by its list of paths and their count
    and the tolerance: readers only append to a drawing, and `Drawing.scaled` makes a new one."""
    key = (id(drawing.paths), len(drawing.paths), drawing.tolerance_mm)
    memo = drawing.__dict__.get("_contours_memo")
    if memo is None or memo[0] != key:
        memo = (key, _made(drawing))
        drawing.__dict__["_contours_memo"] = memo
    return [c.copied() for c in memo[1]]


def _made(drawing: Drawing) -> list[Contour]:
    close_tol = max(2 * drawing.tolerance_mm, 0.01)
    raw = _finished_all(_cleaned(drawing), drawing, close_tol)
    unique = _drop_duplicates(raw)  # before chaining: a segment drawn twice is not a loop
    dropped = sum(c.duplicates for c in unique)
    dropped_mm = sum(c.duplicate_mm for c in unique)
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
        c.duplicates, c.duplicate_mm = 0, 0.0
    if carrier is not None:
        carrier.duplicates, carrier.duplicate_mm = dropped, dropped_mm
    return out


DUPLICATE_GRID_MM = 1e-3  # two paths are one when every vertex matches to a micrometre


def _signature(c: Contour) -> tuple[str, bytes]:
    """The same shape whatever its start point and direction gives the same signature.

    The grid is far finer than any real segment: a coarse grid (the closing tolerance) once
    made consecutive 0.005 mm LINEs of one outline look like copies of each other.
    """
    snapped = np.round(c.points / DUPLICATE_GRID_MM).astype(np.int64)
    if not c.closed:
        return ("open", min(snapped.tobytes(), snapped[::-1].tobytes()))
    k = int(np.lexsort((snapped[:, 1], snapped[:, 0]))[0])
    forward = np.concatenate([snapped[k:], snapped[:k]])  # np.roll(snapped, -k, axis=0), cheaper per call
    backward = np.concatenate([forward[:1], forward[:0:-1]])
    return ("closed", min(forward.tobytes(), backward.tobytes()))


def _drop_duplicates(contours: list[Contour]) -> list[Contour]:
    """Paths drawn twice on top of each other (same layer and colour) are kept once."""
    kept: dict[tuple, Contour] = {}
    for c in contours:
        key = (c.path.layer, c.path.stroke, _signature(c))
        if key in kept:
            kept[key].duplicates += 1
            kept[key].duplicate_mm += path_length(c.points, c.closed)
        else:
            kept[key] = c
    return list(kept.values())


def path_length(points: np.ndarray, closed: bool) -> float:
    pts = np.concatenate([points, points[:1]]) if closed and len(points) > 2 else points
    if len(pts) < 2:
        return 0.0
    step = pts[1:] - pts[:-1]
    return float(np.hypot(step[:, 0], step[:, 1]).sum())
