"""Vinyl cutter programs: drag-knife paths with blade-offset swivels and overcut, holes and
letter counters before their outlines, an optional weeding border, HPGL or GRBL G-code.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely

from slicing.geometry import Drawing
from slicing.machine_spec import Machine, Material
from slicing.toolpaths.containment import nest, path_geometry
from slicing.toolpaths.contours import Contour, contours_from
from slicing.toolpaths.dragknife import blade_compensate, end_direction, with_overcut
from slicing.toolpaths.fidelity import Made, fidelity_issues
from slicing.toolpaths.gcode import GcodeWriter
from slicing.toolpaths.hpgl import UNITS_PER_MM, HpglWriter
from slicing.toolpaths.issues import make_issue
from slicing.toolpaths.ordering import in_file_order, order_paths, travel_length
from slicing.toolpaths.placement import bounds_of, placement_shift
from slicing.toolpaths.program import PreparedProgram
from slicing.toolpaths.toolpath import drawing_issues

MIN_ISLAND_MM = 2.0  # smaller closed shapes tear or come off with the waste when weeding


def _num(options: dict[str, Any], key: str, default: float) -> float:
    value = options.get(key, default)
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else default


def weeding_border(paths: list[np.ndarray], margin: float) -> np.ndarray | None:
    """A rectangle `margin` mm around the design, so the waste peels off in one sheet."""
    if not paths or margin <= 0:
        return None
    allp = np.vstack(paths)
    (x0, y0), (x1, y1) = allp.min(axis=0) - margin, allp.max(axis=0) + margin
    return np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]])


def _resolution(points: np.ndarray, tol: float = 0.5 / UNITS_PER_MM) -> np.ndarray:
    """Points closer than the plotter's step merged (Douglas-Peucker within half a step): a
    curve exported as 0.005 mm segments would otherwise be cut as a 0.025 mm staircase."""
    if len(points) < 3:
        return points
    return np.asarray(shapely.simplify(shapely.linestrings(points), tol).coords)


def island_issues(contours: list[Contour], min_island: float) -> list[dict[str, Any]]:
    """Closed shapes smaller than `min_island` mm: too small to weed (analysis and prepare alike)."""
    issues = []
    for c in contours:
        size = c.points.max(axis=0) - c.points.min(axis=0)
        if min_island and c.closed and float(size.max()) < min_island:
            issues.append(make_issue("too_small_to_weed", "warning", c.location(), max=round(float(size.max()), 1),
                                     min_island=min_island))
    return issues


def vinyl_program(drawing: Drawing, machine: Machine, material: Material, options: dict[str, Any]) -> PreparedProgram:
    contours = contours_from(drawing)
    issues = drawing_issues(drawing, contours)
    op = material.operations.get("cut")
    if op is None:
        issues.append(
            make_issue("operation_unknown", "error", {"operation": "cut"}, material=material.name, operation="cut")
        )
        return PreparedProgram(lines=[], format="gcode", issues=issues)
    blade = _num(options, "blade_offset_mm", 0.25)
    overcut = _num(options, "overcut_mm", 1.0)
    min_island = _num(options, "min_island_mm", MIN_ISLAND_MM)
    border_on = bool(options.get("weeding_border", True))
    margin = _num(options, "weeding_border_mm", 0.0) if border_on else 0.0
    issues += island_issues(contours, min_island)
    geoms = [path_geometry(c.points, c.closed) for c in contours]
    nesting = nest(geoms)
    paths = [c.points for c in contours]
    closed = [c.closed for c in contours]
    after = [set() for _ in contours]
    for k, inner in enumerate(nesting.inside):
        after[k].update(inner)
    border = weeding_border(paths, margin)
    if border is not None:  # cut last: it holds the sheet together while the rest is cut
        after.append(set(range(len(paths))))
        paths.append(border)
        closed.append(True)
    placed = order_paths(paths, closed, after, (0.0, 0.0), bool(options.get("two_opt", True)))
    knife_paths = []
    blade_points = np.array([1.0, 0.0])  # assumed after the cutter's own start-up move
    made = Made()
    for p in placed:
        tip = _resolution(with_overcut(p.points[:-1], overcut) if closed[p.index] else p.points)
        knife_paths.append(blade_compensate(tip, blade, start_direction=blade_points))
        blade_points = end_direction(tip) if end_direction(tip) is not None else blade_points
        if p.index < len(contours):  # the weeding border is no drawn contour
            made.add(contours[p.index], knife_paths[-1], False, "cut", blade, overcut + (np.pi + 2) * blade)
    issues += fidelity_issues(drawing, contours, made)
    shift = placement_shift(knife_paths, options)
    knife_paths = [k + shift for k in knife_paths]
    output = str(options.get("output", "hpgl"))
    if output == "hpgl":
        hw = HpglWriter(op.speed_mm_min)
        for k in knife_paths:
            hw.cut(k)
        lines, cut_mm, rapid_mm, fmt = hw.finish(), hw.cut_mm, hw.rapid_mm, "hpgl"
    else:
        lines, cut_mm, rapid_mm = _gcode(knife_paths, machine, material, op.speed_mm_min, options)
        fmt = "gcode"
    metrics = {
        "process": "vinyl",
        "cut_length_mm": round(cut_mm, 2),
        "travel_mm": round(rapid_mm, 2),
        "travel_file_order_mm": round(travel_length(in_file_order(paths, closed)), 2),
        "paths": len(knife_paths),
        "blade_offset_mm": blade,
        "overcut_mm": overcut,
        "weeding_border_mm": margin if border is not None else 0.0,
        "bounds_mm": bounds_of(knife_paths),
    }
    return PreparedProgram(lines=lines, format=fmt, issues=issues, metrics=metrics)


def _gcode(knife_paths: list[np.ndarray], machine: Machine, material: Material, speed: float, options: dict[str, Any]):
    """GRBL cutters lift the knife on Z: up for travel, down (the holder sets the depth) to cut."""
    up = _num(options, "knife_up_z_mm", 2.0)
    down = _num(options, "knife_down_z_mm", 0.0)
    z_feed = min(machine.motion.max_rate_mm_min.z, 600.0)
    w = GcodeWriter()
    w.comment(f"fablab vinyl program - machine {machine.id} - material {material.name}")
    w.raw("G21")
    w.raw("G90")
    w.rapid(z=up)
    for k in knife_paths:
        w.rapid(z=up)
        w.rapid(float(k[0, 0]), float(k[0, 1]))
        w.cut(z=down, feed=z_feed)
        for x, y in k[1:]:
            w.cut(float(x), float(y), feed=speed)
    w.rapid(z=up)
    w.rapid(0.0, 0.0)
    return w.lines, w.cut_mm, w.rapid_mm
