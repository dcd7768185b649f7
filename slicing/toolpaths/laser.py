"""Laser cutting and engraving: GRBL laser-mode G-code (`$32=1`, `M4` dynamic power).

Engraving comes first (a cut part may shift), then cuts, holes and inner parts before the
contour that holds them. Each path gets its operation's passes back to back. In laser
mode GRBL turns the beam off on `G0`, so travel needs no `M5`; `S` is the operation's
power scaled to `s_max` (GRBL `$30`, 1000 by default).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from slicing.geometry import Drawing
from slicing.machine_spec import Machine, Material
from slicing.toolpaths.containment import nest, path_geometry
from slicing.toolpaths.contours import contours_from
from slicing.toolpaths.fidelity import Made, fidelity_issues
from slicing.toolpaths.gcode import GcodeWriter
from slicing.toolpaths.hatching import hatch
from slicing.toolpaths.issues import make_issue
from slicing.toolpaths.kerf import compensate
from slicing.toolpaths.operations import assign_operations
from slicing.toolpaths.ordering import in_file_order, order_paths, travel_length
from slicing.toolpaths.placement import bounds_of, placement_shift
from slicing.toolpaths.program import PreparedProgram
from slicing.toolpaths.toolpath import Toolpath, drawing_issues


def laser_toolpaths(
    drawing: Drawing, material: Material, options: dict[str, Any]
) -> tuple[list[Toolpath], list[dict[str, Any]]]:
    """Compensated toolpaths in file order, each with its operation; plus the issues found."""
    contours = contours_from(drawing)
    issues = drawing_issues(drawing, contours)
    ops, op_issues = assign_operations([c.path for c in contours], options)
    issues += op_issues
    missing = sorted({op for op in ops if op not in material.operations})
    for op in missing:
        issues.append(
            make_issue("operation_unknown", "error", {"operation": op}, material=material.name, operation=op)
        )
    cut_idx = [k for k, op in enumerate(ops) if op == "cut"]
    cut_pos = {k: pos for pos, k in enumerate(cut_idx)}  # a list's .index() per contour was quadratic
    geoms = [path_geometry(contours[k].points, contours[k].closed) for k in cut_idx]
    nesting = nest(geoms)
    kerf = float(options.get("kerf_mm", 0.0) or 0.0)
    toolpaths: list[Toolpath] = []
    owner_of: dict[int, list[int]] = {}  # contour position -> toolpath positions (cut contours)
    toolpaths += fill_engraving(contours, ops, missing, options)
    made = Made()
    for k, (contour, op) in enumerate(zip(contours, ops, strict=True)):
        if op in missing or (op == "engrave" and contour.path.stroke is None and _fills(contour, options)):
            made.explained.add(id(contour))  # an error of its own, or hatched as a filled shape
            continue
        depth = nesting.depth[cut_pos[k]] if op == "cut" else 0
        rings = compensate(contour, depth, kerf / 2) if op == "cut" else [contour.points]
        for ring in rings:
            made.add(contour, ring, contour.closed, op, kerf / 2 if op == "cut" else 0.0)
        if not rings:
            made.explained.add(id(contour))
            issues.append(
                make_issue("smaller_than_kerf", "warning", contour.location(), kerf=kerf)
            )
        for ring in rings:
            owner_of.setdefault(k, []).append(len(toolpaths))
            toolpaths.append(Toolpath(ring, contour.closed, op, contour))
    # Precedence: a cut toolpath follows every cut toolpath of the paths its contour contains.
    for pos, k in enumerate(cut_idx):
        for inner_pos in nesting.inside[pos]:
            for tp in owner_of.get(k, []):
                for inner_tp in owner_of.get(cut_idx[inner_pos], []):
                    toolpaths[tp].after.add(inner_tp)
    issues += fidelity_issues(drawing, contours, made)
    return toolpaths, issues


def _fills(contour, options: dict[str, Any]) -> bool:
    return bool(options.get("engrave_fill", True)) and contour.closed and bool(contour.path.fill)


def fill_engraving(contours, ops: list[str], missing: list[str], options: dict[str, Any]) -> list[Toolpath]:
    """Hatch lines over filled shapes that are engraved (a logo, lettering): even-odd per fill
    colour, so the counters of letters stay blank."""
    if "engrave" in missing:
        return []
    interval = float(options.get("engrave_interval_mm", 0.1))
    regions: dict[str, tuple[Any, Any]] = {}
    for contour, op in zip(contours, ops, strict=True):
        if op != "engrave" or not _fills(contour, options):
            continue
        poly = path_geometry(contour.points, True)
        if poly is None:
            continue
        region, first = regions.get(contour.path.fill, (None, contour))
        regions[contour.path.fill] = (poly if region is None else region.symmetric_difference(poly), first)
    out = []
    for region, first in regions.values():
        for line in hatch(region, interval, 0.0):
            out.append(Toolpath(line, False, "engrave", first, group="fill"))
    return out


def laser_program(drawing: Drawing, machine: Machine, material: Material, options: dict[str, Any]) -> PreparedProgram:
    toolpaths, issues = laser_toolpaths(drawing, material, options)
    shift = placement_shift([t.points for t in toolpaths], options)
    for t in toolpaths:
        t.points = t.points + shift
    s_max = float(options.get("s_max", 1000))
    two_opt = bool(options.get("two_opt", True))
    ordered = order_groups(toolpaths, ["fill", "engrave", "cut"], two_opt)
    w = GcodeWriter()
    w.comment(f"fablab laser program - machine {machine.id} - material {material.name}")
    w.comment("needs GRBL laser mode $32=1")
    w.raw("G21")
    w.raw("G90")
    air = bool(options.get("air_assist", False))
    if air:
        w.raw("M8")
    w.raw("M4 S0")
    lengths = {"cut": 0.0, "engrave": 0.0}
    passes_total = 0
    for tp_index, points in ordered:
        tp = toolpaths[tp_index]
        op = material.operations[tp.operation]
        power = op.power_pct / 100.0 * s_max
        w.rapid(float(points[0, 0]), float(points[0, 1]))
        for pass_no in range(op.passes):
            # An open path is cut back and forth between passes; a closed one goes round again.
            if pass_no and not tp.closed:
                points = points[::-1]
            start = w.cut_mm
            for x, y in points[1:]:
                w.cut(float(x), float(y), feed=op.speed_mm_min, power=power)
            lengths[tp.operation] = lengths.get(tp.operation, 0.0) + (w.cut_mm - start)
            passes_total += 1
    w.raw("M5")
    if air:
        w.raw("M9")
    w.rapid(0.0, 0.0)
    naive = travel_length(in_file_order([t.points for t in toolpaths], [t.closed for t in toolpaths]))
    metrics = {
        "process": "laser",
        "cut_length_mm": round(lengths.get("cut", 0.0), 2),
        "engrave_length_mm": round(lengths.get("engrave", 0.0), 2),
        "travel_mm": round(w.rapid_mm, 2),
        "travel_file_order_mm": round(naive, 2),
        "paths": len(toolpaths),
        "passes": passes_total,
        "kerf_mm": float(options.get("kerf_mm", 0.0) or 0.0),
        "bounds_mm": bounds_of([t.points for t in toolpaths]),
    }
    return PreparedProgram(lines=w.lines, format="gcode", issues=issues, metrics=metrics)


def order_groups(toolpaths: list[Toolpath], groups: list[str], two_opt: bool = True) -> list[tuple[int, np.ndarray]]:
    """Order each operation group in turn (engrave before cut), continuing from the last point."""
    result: list[tuple[int, np.ndarray]] = []
    pos = (0.0, 0.0)
    names = groups + sorted({t.group or t.operation for t in toolpaths} - set(groups))
    for name in names:
        members = [i for i, t in enumerate(toolpaths) if (t.group or t.operation) == name]
        if not members:
            continue
        local = {g: k for k, g in enumerate(members)}
        after = [{local[a] for a in toolpaths[g].after if a in local} for g in members]
        placed = order_paths(  # hatch lines come nearly sorted: 2-opt would cost much, gain little
            [toolpaths[g].points for g in members], [toolpaths[g].closed for g in members], after, pos,
            two_opt and name != "fill",
        )
        for p in placed:
            result.append((members[p.index], p.points))
        if placed:
            pos = tuple(placed[-1].exit)
    return result
