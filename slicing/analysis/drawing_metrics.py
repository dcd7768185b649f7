"""2D figures: cut length per operation, enclosed and engraved areas, pierces, bounding box.

Operations follow the machine's `process` maps (SVG stroke colour -> operation, DXF layer ->
operation), anything unmapped is cut: `slicing.toolpaths.operations` decides, for both.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely

from slicing.geometry import Drawing
from slicing.machine_spec import Machine
from slicing.toolpaths.operations import assign_operations


def operations(drawing: Drawing, machine: Machine | None) -> list[str]:
    """Each path's operation, by the very rule the toolpaths will apply (one source of truth)."""
    if machine is None:
        return ["cut"] * len(drawing.paths)
    return assign_operations(drawing.paths, machine.process)[0]


def polygons(drawing: Drawing) -> tuple[list[int], np.ndarray]:
    """(indices of closed paths with area, their shapely Polygons)."""
    idx = [i for i, p in enumerate(drawing.paths) if p.closed and len(p.points) >= 3]
    if not idx:
        return [], np.array([], dtype=object)
    coords = np.vstack([drawing.paths[i].points for i in idx])
    ring_of = np.repeat(np.arange(len(idx)), [len(drawing.paths[i].points) for i in idx])
    polys = shapely.polygons(shapely.linearrings(coords, indices=ring_of))
    keep = shapely.area(polys) > 1e-9
    idx = [i for i, k in zip(idx, keep, strict=True) if k]
    polys = polys[keep]
    return idx, polys


def nesting_depth(polys: np.ndarray) -> np.ndarray:
    """How many other closed contours surround each one (even: material, odd: hole).

    Whole shapes are compared, not a point of each: a hole and the part inside it have the
    same centre, and a probe there once put both at the same depth."""
    if len(polys) == 0:
        return np.zeros(0, dtype=int)
    valid = shapely.make_valid(polys)
    tree = shapely.STRtree(valid)
    pairs = tree.query(valid, predicate="within")
    own = pairs[0] == pairs[1]
    return np.bincount(pairs[0][~own], minlength=len(polys))


def _areas(drawing: Drawing, machine: Machine | None) -> tuple[float, float]:
    """(area the cut outlines enclose, filled area engraved), mm², from the chained contours
    the toolpaths use: outlines drawn as LINE/ARC pieces count, a shape drawn twice counts
    once, and a part in a hole in a part adds while the hole subtracts (even/odd depth)."""
    from slicing.toolpaths.contours import contours_from

    closed = [c for c in contours_from(drawing) if c.closed and len(c.points) >= 3]
    if not closed:
        return 0.0, 0.0
    coords = np.vstack([c.points for c in closed])
    ring_of = np.repeat(np.arange(len(closed)), [len(c.points) for c in closed])
    polys = shapely.polygons(shapely.linearrings(coords, indices=ring_of))
    polys = np.array([p if p.is_valid else shapely.make_valid(p) for p in polys], dtype=object)
    areas = shapely.area(polys)
    keep = areas > 1e-9
    closed, polys, areas = [c for c, k in zip(closed, keep, strict=True) if k], polys[keep], areas[keep]
    ops = operations(Drawing(paths=[c.path for c in closed]), machine)
    engraved = np.array([op == "engrave" for op in ops], dtype=bool)
    filled = np.array([bool(c.path.fill) for c in closed], dtype=bool)

    def even_odd(pick: np.ndarray) -> float:  # depth among the outlines of one kind only
        if not pick.any():
            return 0.0
        sign = np.where(nesting_depth(polys[pick]) % 2 == 0, 1.0, -1.0)
        return max(float((areas[pick] * sign).sum()), 0.0)

    return even_odd(~engraved), even_odd(engraved & filled)


def drawing_metrics(drawing: Drawing, machine: Machine | None) -> dict[str, Any]:
    paths = drawing.paths
    lengths: dict[str, float] = {}
    ops = operations(drawing, machine)
    for p, op in zip(paths, ops, strict=True):
        lengths[op] = lengths.get(op, 0.0) + p.length_mm()
    enclosed, engrave_area = _areas(drawing, machine)
    bounds = drawing.bounds()
    w, h = (bounds[2] - bounds[0], bounds[3] - bounds[1]) if bounds else (0.0, 0.0)
    cut_ops = {op: v for op, v in lengths.items() if op != "engrave"}
    return {
        "paths": len(paths),
        "closed_paths": sum(1 for p in paths if p.closed),
        "cut_length_mm": round(sum(cut_ops.values()), 2),
        "length_by_operation_mm": {op: round(v, 2) for op, v in sorted(lengths.items())},
        "enclosed_area_mm2": round(enclosed, 2),
        "engrave_area_mm2": round(max(engrave_area, 0.0), 2),
        "pierce_count": sum(1 for p in paths if len(p.points) >= 2),
        "bbox_mm": [round(w, 2), round(h, 2)],
        "bbox_min_mm": [round(bounds[0], 2), round(bounds[1], 2)] if bounds else [0.0, 0.0],
        "sheet_area_used_mm2": round(w * h, 2),
        "texts": len(drawing.texts),
        "images": len(drawing.images),
        "units_declared": drawing.units,
    }
