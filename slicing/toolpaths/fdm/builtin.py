"""The built-in FDM slicer: mesh -> layers -> paths -> Marlin G-code.

For printers without PrusaSlicer installed (or `slicer: builtin`). It prints what a
fablab needs for ordinary parts: perimeters, solid floors and roofs, rectilinear infill,
a skirt, retraction and a slower first layer, with the material's temperatures.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import trimesh

from slicing.machine_spec import Machine, Material
from slicing.toolpaths.fdm.layer_paths import LayerPaths, plan_layers
from slicing.toolpaths.fdm.layers import SlicingTooLong, slice_mesh
from slicing.toolpaths.fdm.marlin import MarlinWriter
from slicing.toolpaths.fdm.settings import FdmSettings, fdm_settings
from slicing.toolpaths.issues import make_issue
from slicing.toolpaths.numbers import fmt
from slicing.toolpaths.ordering import order_paths
from slicing.toolpaths.program import PreparedProgram

DEFAULT_TIMEOUT_S = 600.0


def place_on_bed(mesh: trimesh.Trimesh, machine: Machine, options: dict[str, Any]) -> trimesh.Trimesh:
    """The mesh standing on z = 0, centred on the bed (unless `placement: keep`)."""
    placed = mesh.copy()
    lo, hi = placed.bounds
    shift = np.array([0.0, 0.0, -lo[2]])
    if str(options.get("placement", "centre")) != "keep":
        centre = np.array([machine.work_area.x / 2, machine.work_area.y / 2])
        shift[:2] = centre - (lo[:2] + hi[:2]) / 2
    placed.apply_translation(shift)
    return placed


def size_issue(mesh: trimesh.Trimesh, machine: Machine) -> list[dict]:
    """The model does not fit the printer as it stands (no slicer run needed to say so)."""
    size = mesh.extents
    area = machine.work_area
    if size[0] <= area.x and size[1] <= area.y and (not area.z or size[2] <= area.z):
        return []
    return [make_issue(
        "too_big_for_bed",
        "error",
        None,
        size=round(size[0], 1),
        size2=round(size[1], 1),
        size3=round(size[2], 1),
        x=area.x,
        y=area.y,
        z=area.z,
    )]


def sound_mesh(mesh: trimesh.Trimesh) -> bool:
    """Faces, and finite coordinates: the cheap half of `mesh_issues`, whose only error it is."""
    return len(mesh.faces) > 0 and bool(np.isfinite(mesh.vertices).all())


def mesh_issues(mesh: trimesh.Trimesh) -> list[dict]:
    if not sound_mesh(mesh):
        return [make_issue("empty_mesh", "error")]
    if not mesh.is_watertight:
        return [make_issue("not_watertight", "warning")]
    return []


def builtin_program(mesh: trimesh.Trimesh, machine: Machine, material: Material, options: dict[str, Any]) -> PreparedProgram:
    issues = mesh_issues(mesh)
    if any(i["severity"] == "error" for i in issues):
        return PreparedProgram(lines=[], format="gcode", issues=issues)
    s = fdm_settings(machine, material, options)
    too_big = size_issue(mesh, machine)
    if too_big:
        return PreparedProgram(lines=[], format="gcode", issues=issues + too_big)
    placed = place_on_bed(mesh, machine, options)
    deadline = time.monotonic() + float(options.get("slice_timeout_s", DEFAULT_TIMEOUT_S))
    try:
        layers = slice_mesh(placed, s.first_layer_height, s.layer_height, deadline)
        plans = plan_layers(layers, s, deadline)
    except SlicingTooLong:
        issues.append(make_issue("slicing_too_long", "error"))
        return PreparedProgram(lines=[], format="gcode", issues=issues)
    if not any(not lp.layer.region.is_empty for lp in plans):
        issues.append(make_issue("nothing_to_print", "error"))
        return PreparedProgram(lines=[], format="gcode", issues=issues)
    w = write_program(plans, s, machine, material)
    if sum(v for k, v in w.extruded_by_type.items() if k != "SKIRT") <= 0:
        issues.append(make_issue("nothing_to_print", "error", None, too_thin=True))
    grams = w.filament_mm * s.filament_area / 1000.0 * s.density_g_cm3
    metrics = {
        "process": "fdm",
        "slicer": "builtin",
        "layers": len(plans),
        "layer_height_mm": s.layer_height,
        "filament_mm": round(w.filament_mm, 1),
        "filament_g": round(grams, 2),
        "extruded_volume_mm3": round(w.filament_mm * s.filament_area, 1),
        "extruded_by_type_mm": {k: round(v, 1) for k, v in w.extruded_by_type.items()},
        "simple_time_s": round(w.seconds, 1),
        "model_height_mm": round(float(placed.bounds[1][2]), 3),
        "bounds_mm": [round(float(v), 3) for v in (*placed.bounds[0][:2], *placed.bounds[1][:2])],
    }
    return PreparedProgram(lines=w.lines, format="gcode", issues=issues, metrics=metrics)


@dataclass
class _Group:
    """Paths of one kind in one layer, in print order."""

    kind: str
    paths: list[np.ndarray]
    feed: float
    e_per_mm: float
    zone: object  # where travel needs no retraction (inside the walls), or None
    source: object = None  # the plan's list these paths come from (shared by layers alike)


def _layer_groups(lp: LayerPaths, s: FdmSettings, first: bool) -> list[_Group]:
    """What a layer prints, in order, each group's paths ordered from where the last ended
    (skirt, inner then outer walls, bridges, solid and sparse infill)."""
    flow = s.e_per_mm(lp.layer.height, lp.width)
    zone = lp.inner if lp.inner is not None and not lp.inner.is_empty else None
    groups = [_Group("SKIRT", list(lp.skirt), s.speed_first_layer, flow, None)] if lp.skirt else []
    for depth, loops in enumerate(lp.perimeters):
        kind = "WALL-OUTER" if depth == len(lp.perimeters) - 1 else "WALL-INNER"
        groups.append(_Group(kind, [x[:-1] for x in loops], s.speed_first_layer if first else s.speed_perimeter, flow,
                             None, loops))
    for kind, paths, feed, e_per_mm in (("SKIN", lp.bridge, s.speed_solid, s.bridge_e_per_mm),
                                        ("SKIN", lp.solid, s.speed_solid, flow), ("FILL", lp.sparse, s.speed_infill, flow)):
        if paths:
            groups.append(_Group(kind, paths, s.speed_first_layer if first else feed, e_per_mm, zone, paths))
    return groups


def _order(layers: list[list[_Group]]) -> None:
    """Each group's paths put in print order, from where the group before ended (walls are
    closed loops entered at their nearest point; the skirt is printed as it is). Layers alike
    share their plan's lists: the same list ordered from the same point is ordered once (the
    order depends on nothing else; every list stays alive meanwhile, so its id is its own)."""
    pos = (0.0, 0.0)
    done: dict[tuple, list[np.ndarray]] = {}
    for groups in layers:
        for g in groups:
            if g.kind != "SKIRT":
                closed = g.kind.startswith("WALL")
                key = (id(g.source), closed, pos)
                if key not in done:
                    placed = order_paths(g.paths, [closed] * len(g.paths), start=pos, two_opt=False)
                    done[key] = [p.points for p in placed]
                g.paths = done[key]
            if g.paths:
                pos = (float(g.paths[-1][-1, 0]), float(g.paths[-1][-1, 1]))


@dataclass
class _Progress:
    """An M73 line written once the whole program's time is known: seconds done before it."""

    done: float


def write_program(plans: list[LayerPaths], s: FdmSettings, machine: Machine, material: Material) -> MarlinWriter:
    w = MarlinWriter(s)
    w.raw(";FLAVOR:Marlin")
    w.raw(f";fablab built-in slicer - machine {machine.id}")
    w.raw(f";layer height {fmt(s.layer_height)} mm, infill {round(s.infill * 100)} %, {s.perimeters} perimeters")
    w.raw(_Progress(0.0))
    if s.bed_temp:
        w.raw(f"M140 S{fmt(s.bed_temp, 0)}")
    w.raw(f"M104 S{fmt(s.first_layer_nozzle_temp, 0)}")
    if s.bed_temp:
        w.raw(f"M190 S{fmt(s.bed_temp, 0)}")
    w.raw(f"M109 S{fmt(s.first_layer_nozzle_temp, 0)}")
    for line in ("G21", "G90", "M83", "M107", "G28", "G92 E0"):
        w.raw(line)
    w.move_z(s.first_layer_height)
    layers = [_layer_groups(lp, s, i == 0) for i, lp in enumerate(plans)]
    _order(layers)
    paths = [p for groups in layers for g in groups for p in g.paths]
    if paths:
        e_per_mm = np.repeat([g.e_per_mm for groups in layers for g in groups], [len(g.paths) for groups in layers for g in groups])
        zones = [g.zone for groups in layers for g in groups for _ in g.paths]
        batch = w.batch(paths, e_per_mm, zones)
    k = 0
    for i, (lp, groups) in enumerate(zip(plans, layers, strict=True)):
        w.raw(f";LAYER:{i}")
        w.raw(_Progress(w.seconds))
        if i == 1:
            w.raw(f"M104 S{fmt(s.nozzle_temp, 0)}")
            if s.fan > 0:
                w.raw(f"M106 S{round(255 * s.fan)}")
        w.retract()
        w.move_z(lp.layer.z)
        for g in groups:
            w.type(g.kind)
            for _ in g.paths:
                w.emit(batch, k, g.feed)
                k += 1
    w.raw("M73 P100 R0")
    w.retract()
    top = plans[-1].layer.z if plans else 0.0
    w.move_z(min(top + 10.0, machine.work_area.z))
    for line in ("M107", "M104 S0", "M140 S0", "M84"):
        w.raw(line)
    total = max(w.seconds, 1e-9)
    w.finish(lambda p: f"M73 P{round(100 * p.done / total)} R{round((total - p.done) / 60)}")
    return w
