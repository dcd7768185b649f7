"""CNC router programs: GRBL G-code with depth passes, tabs, safe Z and spindle control.

Milling direction: with a clockwise (M3) spindle, climb milling keeps the material on the
tool's right, so a loop with material inside runs clockwise and one with material outside
runs counter-clockwise; conventional milling is the opposite.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from shapely.geometry import LineString

from slicing.geometry import Drawing
from slicing.machine_spec import Machine, Material
from slicing.toolpaths.cnc_plan import CncItem, CncSettings, cnc_settings, plan_cnc
from slicing.toolpaths.gcode import GcodeWriter
from slicing.toolpaths.offsets import is_clockwise
from slicing.toolpaths.ordering import in_file_order, order_paths, travel_length
from slicing.toolpaths.placement import bounds_of, placement_shift
from slicing.toolpaths.program import PreparedProgram
from slicing.toolpaths.ramps import Ramp, ramp_entry
from slicing.toolpaths.tabs import split_at, tab_intervals

GROUP_ORDER = {"engrave": 0, "pocket": 1, "on": 2, "inside": 2, "outside": 2}


def depth_levels(total: float, stepdown: float) -> list[float]:
    """Pass depths (positive, mm below the surface) down to `total` in equal steps <= stepdown."""
    count = max(1, math.ceil(total / stepdown - 1e-9))
    return [total * (k + 1) / count for k in range(count)]


def _oriented(points: np.ndarray, material_inside: bool, climb: bool) -> np.ndarray:
    want_clockwise = material_inside == climb
    return points if is_clockwise(points) == want_clockwise else points[::-1].copy()


def cnc_program(drawing: Drawing, machine: Machine, material: Material, options: dict[str, Any]) -> PreparedProgram:
    settings, issues = cnc_settings(material, options)
    if settings is None:
        return PreparedProgram(lines=[], format="gcode", issues=issues)
    items, plan_issues = plan_cnc(drawing, settings, options)
    issues += plan_issues
    shift = placement_shift([p for it in items for p, _ in it.rings], options)
    for it in items:
        it.rings = [(_oriented(p + shift, inside, settings.climb) if it.closed else p + shift, inside) for p, inside in it.rings]
    ordered = _order(items, bool(options.get("two_opt", True)))
    w = GcodeWriter()
    w.comment(f"fablab CNC program - machine {machine.id} - material {material.name}")
    w.comment(f"tool {settings.tool_diameter:g} mm, Z0 = top of the sheet, {settings.thickness:g} mm thick")
    w.raw("G21")
    w.raw("G90")
    w.raw("G17")
    w.rapid(z=settings.safe_z)
    w.raw(f"M3 S{settings.rpm:.0f}")
    w.raw("G4 P3")
    plunges = 0
    ramps = 0
    passes = 0
    for item, first_ring in ordered:
        rings = [r for r, _ in item.rings] if item.operation == "pocket" else [first_ring]
        levels = depth_levels(item.depth, settings.stepdown)
        for level_no, depth in enumerate(levels):
            for ri, ring in enumerate(rings):
                if item.operation == "pocket":
                    ring = _start_near(ring, (w.x, w.y))
                path = np.vstack([ring, ring[:1]]) if item.closed else (ring if level_no % 2 == 0 else ring[::-1])
                start = (float(path[0, 0]), float(path[0, 1]))
                if (w.x, w.y) != start:
                    if item.reach is not None and w.z is not None and w.z < 0 and _inside(item.reach, (w.x, w.y), start):
                        w.cut(*start, feed=settings.feed)  # stay down: the link only crosses cleared pocket
                    else:
                        w.rapid(z=settings.safe_z)
                        w.rapid(*start)
                if w.z is None or abs(w.z + depth) > 1e-9:
                    ramp = _ramp(w, path, depth, item, settings)
                    if ramp is None:
                        w.cut(z=-depth, feed=settings.plunge)
                        plunges += 1
                    else:
                        for x, y, z in ramp.descent:
                            w.cut(float(x), float(y), float(z), feed=settings.plunge)
                        path = ramp.loop
                        rings[ri] = ramp.loop[:-1]  # the next pass starts where this one ends
                        ramps += 1
                _cut_loop(w, path, depth, item, settings)
                passes += 1
        w.rapid(z=settings.safe_z)
    w.raw("M5")
    w.rapid(0.0, 0.0)
    naive = travel_length(in_file_order([it.rings[0][0] for it in items], [it.closed for it in items]))
    all_points = [p for it in items for p, _ in it.rings]
    metrics = {
        "process": "cnc",
        "cut_length_mm": round(w.cut_mm, 2),
        "travel_mm": round(w.rapid_mm, 2),
        "travel_file_order_mm": round(naive, 2),
        "paths": len(items),
        "passes": passes,
        "plunges": plunges,
        "ramps": ramps,
        "tool_diameter_mm": settings.tool_diameter,
        "depth_mm": round(max((it.depth for it in items), default=0.0), 3),
        "stepdown_mm": settings.stepdown,
        "bounds_mm": bounds_of(all_points),
    }
    return PreparedProgram(lines=w.lines, format="gcode", issues=issues, metrics=metrics)


def _start_near(ring: np.ndarray, pos: tuple[float | None, float | None]) -> np.ndarray:
    if pos[0] is None or pos[1] is None:
        return ring
    k = int(np.argmin(np.hypot(ring[:, 0] - pos[0], ring[:, 1] - pos[1])))
    return np.roll(ring, -k, axis=0)


def _inside(reach, a: tuple[float, float], b: tuple[float, float]) -> bool:
    return bool(reach.covers(LineString([a, b])))


def _ramp(w: GcodeWriter, path: np.ndarray, depth: float, item: CncItem, s: CncSettings) -> Ramp | None:
    """A ramp down to `depth` along a closed loop, unless tabs shape this pass or it is too short."""
    tabs_here = item.tabs and -depth < -(s.thickness - s.tab_height)
    if not item.closed or tabs_here or s.ramp_angle <= 0:
        return None
    z_from = min(w.z if w.z is not None else 0.0, s.ramp_clearance)
    ramp = ramp_entry(path, z_from, -depth, s.ramp_angle)
    if ramp is not None and (w.z is None or w.z > z_from):
        w.rapid(z=z_from)
    return ramp


def _cut_loop(w: GcodeWriter, path: np.ndarray, depth: float, item: CncItem, s: CncSettings) -> None:
    tab_z = -(s.thickness - s.tab_height)
    if item.tabs and -depth < tab_z:
        length = float(np.hypot(*np.diff(path, axis=0).T).sum())
        runs = split_at(path, tab_intervals(length, s.tab_width, s.tool_diameter, s.tab_spacing))
    else:
        runs = [(path, False)]
    for pts, lifted in runs:
        z = tab_z if lifted else -depth
        if w.z is not None and abs(w.z - z) > 1e-9:
            w.cut(z=z, feed=s.plunge)
        for x, y in pts[1:]:
            w.cut(float(x), float(y), feed=s.feed)
    if w.z is not None and abs(w.z + depth) > 1e-9:
        w.cut(z=-depth, feed=s.plunge)


def _order(items: list[CncItem], two_opt: bool) -> list[tuple[CncItem, np.ndarray]]:
    """Engraving, then pockets, then profiles; inside first; travel shortened within each group."""
    result: list[tuple[CncItem, np.ndarray]] = []
    pos = (0.0, 0.0)
    for group in sorted(set(GROUP_ORDER.values())):
        members = [i for i, it in enumerate(items) if GROUP_ORDER.get(it.operation, 2) == group]
        if not members:
            continue
        local = {g: k for k, g in enumerate(members)}
        after = [{local[a] for a in items[g].after if a in local} for g in members]
        paths = [items[g].rings[0][0] for g in members]
        closed = [items[g].closed and items[g].operation != "pocket" for g in members]
        for p in order_paths(paths, closed, after, pos, two_opt):
            item = items[members[p.index]]
            first = p.points[:-1] if closed[p.index] else p.points
            result.append((item, first))
            pos = tuple(p.exit)
    return result
