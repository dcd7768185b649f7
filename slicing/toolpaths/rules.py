"""The process rules of one 2D machine, run by `prepare` and by the analysis alike.

A file must never be "usable" at upload and then refused by `prepare` on the same machine:
so the analysis does not keep checks of its own for what the toolpaths refuse. It runs the
very planning step `prepare` runs (chained contours, operations, kerf or tool offsets,
narrow features, parts too close, islands too small to weed) and keeps its issues; only
writing the program and checking its lines is left to `prepare`.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from slicing.geometry import Drawing
from slicing.machine_spec import Machine
from slicing.toolpaths.issues import cap_repeats
from slicing.toolpaths.options import coerce_all


def process_margin(machine: Machine, options: dict[str, Any]) -> float:
    """What a process adds around the drawing on the bed, mm (both sides together): the vinyl
    weeding border, the CNC tool, the laser kerf. The fit check adds it, at analysis and prepare."""
    def num(key: str) -> float:
        value = options.get(key)
        return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0

    if machine.kind == "vinyl":
        return 2 * num("weeding_border_mm") if options.get("weeding_border", True) else 0.0
    if machine.kind == "cnc":
        return num("tool_diameter_mm")
    if machine.kind == "laser":
        return num("kerf_mm")
    return 0.0


def fitted(drawing: Drawing, machine: Machine, options: dict[str, Any]) -> tuple[Drawing, list[dict[str, Any]]]:
    """The drawing as it goes on the bed: as drawn, or turned by 90° when only that fits (the
    analysis promised it would be placed so); `drawing_too_big` when neither fits."""
    from slicing.analysis.drawing_issues import fit_issues
    from slicing.toolpaths.contours import absurd

    kept = [p.points for p in drawing.paths if len(p.points) and not absurd(p.points)]
    pts = np.vstack(kept) if kept else np.zeros((0, 2))
    pts = pts[np.isfinite(pts).all(axis=1)]  # NaN points are dropped by the toolpaths, far ones reported
    if not len(pts):
        return drawing, []
    w, h = (float(v) for v in pts.max(axis=0) - pts.min(axis=0))
    issues = fit_issues([round(w, 2), round(h, 2)], [machine], {machine.id: process_margin(machine, options)})
    if any(i["code"] == "drawing_needs_rotation" for i in issues) and options.get("placement") != "keep":
        turned = [replace(p, points=np.column_stack([-p.points[:, 1], p.points[:, 0]]).reshape(-1, 2))
                  for p in drawing.paths]
        drawing = replace(drawing, paths=turned)
    return drawing, issues


# What the planning step says about the drawing that the analysis already says its own way.
DRAWING_LEVEL = {"text_not_cut", "image_not_engraved", "duplicate_paths", "operation_defaulted"}


def plan_issues(drawing: Drawing, machine: Machine, material: str | None = None,
                options: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """The issues `prepare` would raise while planning toolpaths for `machine` (no program written)."""
    opts = {**machine.process, **coerce_all(options)}
    try:
        mat = machine.material(material)
    except KeyError:
        mat = machine.material(None)
    if machine.kind == "laser":
        from slicing.toolpaths.laser import laser_toolpaths

        _, issues = laser_toolpaths(drawing, mat, opts)
    elif machine.kind == "cnc":
        from slicing.toolpaths.cnc_plan import cnc_settings, plan_cnc

        settings, issues = cnc_settings(mat, opts)
        if settings is not None:
            issues += plan_cnc(drawing, settings, opts)[1]
    elif machine.kind == "vinyl":
        from slicing.toolpaths.contours import contours_from
        from slicing.toolpaths.toolpath import drawing_issues
        from slicing.toolpaths.vinyl import MIN_ISLAND_MM, _num, island_issues

        contours = contours_from(drawing)
        issues = drawing_issues(drawing, contours) + island_issues(contours, _num(opts, "min_island_mm", MIN_ISLAND_MM))
    else:
        return []
    return cap_repeats([i for i in issues if i["code"] not in DRAWING_LEVEL])
