"""2D checks that depend on the process: features narrower than the laser kerf, the CNC tool
or the vinyl blade; vinyl islands too small to weed.

A feature narrower than `w` is what a morphological opening (shrink by w/2, grow back) of
the shape removes; shapely does both buffers. Shapes are taken one closed contour at a
time, and capped, so a drawing of thousands of parts stays quick.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely

from slicing.analysis.drawing_metrics import nesting_depth, polygons
from slicing.geometry import Drawing
from slicing.machine_spec import Machine
from slicing.toolpaths.issues import make_issue

MAX_SHAPES = 3000
MAX_LOCATIONS = 20


def _width(machine: Machine) -> tuple[float, str, str] | None:
    p = machine.process
    if machine.kind == "laser" and p.get("kerf_mm"):
        return float(p["kerf_mm"]), "le trait de coupe du laser", "the laser kerf"
    if machine.kind == "cnc" and p.get("tool_diameter_mm"):
        return float(p["tool_diameter_mm"]), "le diamètre de la fraise", "the cutter diameter"
    if machine.kind == "vinyl" and p.get("blade_offset_mm"):
        return 2 * float(p["blade_offset_mm"]), "la lame (deux fois son décalage)", "the blade (twice its offset)"
    return None


def narrow_issue(drawing: Drawing, machine: Machine) -> dict[str, Any] | None:
    found = _width(machine)
    if found is None:
        return None
    width, what_fr, what_en = found
    _, polys = polygons(drawing)
    polys = polys[:MAX_SHAPES]
    if len(polys) == 0:
        return None
    polys = shapely.make_valid(polys)
    r = width / 2
    opened = shapely.buffer(shapely.buffer(polys, -r, join_style="mitre"), r, join_style="mitre")
    lost = shapely.difference(polys, opened)  # material narrower than the width
    if machine.kind == "cnc":
        # A router goes round a part: thin parts are fine, but notches and slots narrower than
        # the cutter (what a closing adds) cannot be cleared; holes are cut inside, so a hole
        # narrower than the cutter (what an opening removes) cannot be cut at all.
        closed = shapely.buffer(shapely.buffer(polys, r, join_style="mitre"), -r, join_style="mitre")
        notches = shapely.difference(closed, polys)
        holes = nesting_depth(polys) % 2 == 1
        lost = np.where(holes, lost, notches)
    lost_area = shapely.area(lost)
    # Sharp corners lose about w² to the buffers: more than twice that, or most of a small
    # shape (a hole smaller than the cutter), is a real narrow feature.
    narrow = np.flatnonzero((lost_area > max(2 * width * width, 1e-6)) | (lost_area > 0.5 * shapely.area(polys)))
    if len(narrow) == 0:
        return None
    points = [[round(float(c), 2) for c in shapely.get_coordinates(shapely.point_on_surface(lost[i]))[0]]
              for i in narrow[:MAX_LOCATIONS]]
    w = f"{width:.2f}".rstrip("0").rstrip(".")
    return make_issue(
        "features_too_narrow",
        "warning",
        {"points": points, "width_mm": width},
        n_narrow=len(narrow),
        what_en=what_en,
        w=w,
        name=machine.name,
        what_fr=what_fr,
    )


def islands_issue(drawing: Drawing, machine: Machine) -> dict[str, Any] | None:
    if machine.kind != "vinyl":
        return None
    smallest = float(machine.process.get("min_island_mm", 2.0))
    idx, polys = polygons(drawing)
    if not len(polys):
        return None
    bounds = shapely.bounds(polys)
    size = np.maximum(bounds[:, 2] - bounds[:, 0], bounds[:, 3] - bounds[:, 1])
    tiny = np.flatnonzero(size < smallest)
    if len(tiny) == 0:
        return None
    s = f"{smallest:.1f}".rstrip("0").rstrip(".")
    return make_issue(
        "vinyl_islands_too_small",
        "warning",
        {"points": [[round(float(bounds[i, 0]), 2), round(float(bounds[i, 1]), 2)] for i in tiny[:MAX_LOCATIONS]],
         "sources": [drawing.paths[idx[i]].source for i in tiny[:MAX_LOCATIONS]]},
        n_tiny=len(tiny),
        s=s,
    )


def process_issues(drawing: Drawing, machine: Machine) -> list[dict[str, Any]]:
    return [i for i in (narrow_issue(drawing, machine), islands_issue(drawing, machine)) if i is not None]
