"""2D warnings that depend on the process: features narrower than the laser kerf or the
vinyl blade. What `prepare` refuses (CNC features narrower than the tool, holes smaller than
the cutter, parts too close, islands too small to weed) is not checked here but by
`slicing.toolpaths.rules`, the very rules `prepare` applies.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely

from slicing.analysis.drawing_metrics import polygons
from slicing.geometry import Drawing
from slicing.machine_spec import Machine
from slicing.toolpaths.issues import make_issue

MAX_SHAPES = 3000
MAX_LOCATIONS = 20


def _width(machine: Machine) -> tuple[float, str] | None:
    """The narrowest part the machine can make, and what sets it (the issue's variant)."""
    p = machine.process
    if machine.kind == "laser" and p.get("kerf_mm"):
        return float(p["kerf_mm"]), "kerf"
    if machine.kind == "vinyl" and p.get("blade_offset_mm"):
        return 2 * float(p["blade_offset_mm"]), "blade"
    return None


def narrow_issue(drawing: Drawing, machine: Machine) -> dict[str, Any] | None:
    found = _width(machine)
    if found is None:
        return None
    width, what = found
    _, polys = polygons(drawing)
    polys = polys[:MAX_SHAPES]
    if len(polys) == 0:
        return None
    polys = shapely.make_valid(polys)
    r = width / 2
    opened = shapely.buffer(shapely.buffer(polys, -r, join_style="mitre"), r, join_style="mitre")
    lost = shapely.difference(polys, opened)  # material narrower than the width
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
        "features_too_narrow", "warning", {"points": points, "width_mm": width},
        n_narrow=len(narrow), w=w, name=machine.name, variant=what,
    )


def process_issues(drawing: Drawing, machine: Machine) -> list[dict[str, Any]]:
    return [i for i in (narrow_issue(drawing, machine),) if i is not None]
