"""The program against the drawing: nothing drawn may vanish between the file and the machine.

Once toolpaths are made, what they cover is compared with what the analysis measured on
the drawing (`drawing_metrics`: the figures the member was quoted on):

- contours: the drawn length must survive cleaning and chaining, less the copies removed
  as duplicates (counted), and at least as many closed contours as the analysis found;
- toolpaths: each kept contour's path (one pass) must be as long as the contour give or
  take what its offset (kerf, tool radius, blade swivels) and overcut explain: a mitred
  corner adds at most `2 d tan(turn/2)` (capped by the mitre limit), a rounded offset 2πd;
- bounds: the toolpaths must reach the drawing's extent less the offset.

A contour a process skipped with an issue of its own (a hole smaller than the kerf, a
slot narrower than the tool) is explained. Anything else is a `geometry_lost` error with
the operation, the lengths and the first missing contour's place: a wrong program that
passes its checks costs a sheet; a refused one costs a message.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from slicing.geometry import Drawing
from slicing.toolpaths.contours import Contour, path_length
from slicing.toolpaths.issues import make_issue
from slicing.toolpaths.offsets import MITRE_LIMIT

RELATIVE = 0.005  # flattening and chaining change a length by far less than half a percent
ABSOLUTE_MM = 0.1


@dataclass
class Made:
    """What a process made of its contours: paths per contour (by identity) and how far it offset them."""

    paths: dict[int, list[np.ndarray]] = field(default_factory=dict)  # id(contour) -> paths (one pass)
    closed: dict[int, bool] = field(default_factory=dict)
    operation: dict[int, str] = field(default_factory=dict)
    offset: dict[int, float] = field(default_factory=dict)  # |offset| in mm (kerf/2, tool radius, blade)
    extra_mm: dict[int, float] = field(default_factory=dict)  # overcut, lead-ins: added on purpose
    explained: set[int] = field(default_factory=set)  # contours skipped or changed with their own issue

    def add(self, contour: Contour, points: np.ndarray, closed: bool, operation: str, offset: float = 0.0,
            extra_mm: float = 0.0) -> None:
        key = id(contour)
        self.paths.setdefault(key, []).append(np.asarray(points, dtype=float))
        self.closed[key] = closed
        self.operation[key] = operation
        self.offset[key] = max(self.offset.get(key, 0.0), abs(offset))
        self.extra_mm[key] = max(self.extra_mm.get(key, 0.0), extra_mm)


def _corner_allowance(points: np.ndarray, closed: bool, d: float) -> float:
    """How much an offset by d may lengthen or shorten a contour: 2πd plus the mitres."""
    if d <= 0 or len(points) < 3:
        return 0.0
    ring = np.vstack([points[-1:], points, points[:1]]) if closed else points
    v = np.diff(ring, axis=0)
    a = np.arctan2(v[:, 1], v[:, 0])
    turn = np.abs((np.diff(a) + np.pi) % (2 * np.pi) - np.pi)
    mitre = 2 * d * np.minimum(np.tan(np.minimum(turn, 3.0) / 2), MITRE_LIMIT)
    return float(2 * np.pi * d + mitre.sum())


def drawn_length(drawing: Drawing) -> float:
    from slicing.toolpaths.contours import absurd

    return float(sum(p.length_mm() for p in drawing.paths
                     if len(p.points) >= 2 and np.isfinite(p.points).all() and not absurd(p.points)))


def _lost(what: str, operation: str, expected: float, got: float, location: dict, **more) -> dict:
    """`what`: the stage that lost it (contours, closed_contours, toolpaths, bounds); `operation`:
    the operation's name, `all` or `none` (codes: the web says them in words)."""
    return make_issue(
        "geometry_lost",
        "error",
        {**location, "stage": what, "operation": operation, "drawn_mm": round(expected, 2),
         "program_mm": round(got, 2), **more},
        stage=what,
        operation=operation,
        expected=round(expected, 1),
        got=round(got, 1),
    )


def closed_in_drawing(drawing: Drawing) -> int:
    """Closed contours the analysis sees: closed paths, and chains of open paths that close
    (chained per layer and colour, as the toolpaths chain them)."""
    from slicing.analysis.chains import open_chains
    from slicing.toolpaths.contours import absurd, clean_points

    closed = sum(1 for p in drawing.paths
                 if p.closed and len(clean_points(p.points)) >= 3 and not absurd(p.points))
    groups: dict[tuple, list] = {}
    for p in drawing.paths:
        if not p.closed and len(p.points) >= 2 and not absurd(p.points):
            groups.setdefault((p.layer, p.stroke), []).append(p)
    tol = max(drawing.tolerance_mm / 5, 0.001)
    return closed + sum(open_chains(Drawing(paths=g, tolerance_mm=drawing.tolerance_mm), tol).closed_chains
                        for g in groups.values())


def fidelity_issues(drawing: Drawing, contours: list[Contour], made: Made) -> list[dict]:
    """`geometry_lost` errors where the toolpaths do not account for the drawing (none when they do)."""
    issues: list[dict] = []
    drawn = drawn_length(drawing)
    kept = sum(path_length(c.points, c.closed) + c.duplicate_mm for c in contours)
    if kept < drawn * (1 - RELATIVE) - ABSOLUTE_MM:
        issues.append(_lost("contours", "all", drawn, kept, {}))
    closed_expected = closed_in_drawing(drawing)
    closed_now = sum(1 for c in contours if c.closed)
    if closed_now + sum(c.duplicates for c in contours) < closed_expected:
        issues.append(_lost("closed_contours", "all", drawn, kept, {}, closed_drawn=closed_expected,
                            closed_program=closed_now))
    per_op: dict[str, list[float]] = {}  # op -> [expected, got, missing contours]
    first_missing: dict[str, Contour] = {}
    for c in contours:
        key = id(c)
        if key in made.explained:
            continue
        op = made.operation.get(key, "none")  # the process made nothing of it, and said nothing
        expected = path_length(c.points, c.closed)
        got = sum(path_length(p, made.closed[key]) for p in made.paths.get(key, []))
        allowance = (_corner_allowance(c.points, c.closed, made.offset.get(key, 0.0)) + made.extra_mm.get(key, 0.0)
                     + RELATIVE * expected + ABSOLUTE_MM)
        row = per_op.setdefault(op, [0.0, 0.0, 0])
        row[0] += expected
        row[1] += got
        if abs(got - expected) > allowance:
            row[2] += 1
            first_missing.setdefault(op, c)
    for op, (expected, got, missing) in sorted(per_op.items()):
        if missing:
            issues.append(_lost("toolpaths", op, expected, got, first_missing[op].location(),
                                contours_missing=int(missing)))
    issues += _bounds_issues(contours, made)
    return issues


def _bounds_issues(contours: list[Contour], made: Made) -> list[dict]:
    kept = [c for c in contours if id(c) in made.operation and id(c) not in made.explained]
    paths = [p for c in kept for p in made.paths[id(c)]]
    if not kept or not paths:
        return []
    lo = np.vstack([c.points for c in kept]).min(axis=0)
    hi = np.vstack([c.points for c in kept]).max(axis=0)
    got = np.vstack(paths)
    slack = max(made.offset[id(c)] for c in kept) + ABSOLUTE_MM
    if (got.min(axis=0) > lo + slack).any() or (got.max(axis=0) < hi - slack).any():
        return [_lost("bounds", "all", float(sum(path_length(c.points, c.closed) for c in kept)),
                      float(sum(path_length(p, False) for p in paths)), {},
                      drawn_bounds=[round(float(v), 2) for v in (*lo, *hi)],
                      program_bounds=[round(float(v), 2) for v in (*got.min(axis=0), *got.max(axis=0))])]
    return []
