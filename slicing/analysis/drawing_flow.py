"""The 2D analysis: issues, metrics and quotes for one drawing."""

from __future__ import annotations

from typing import Any

from slicing.analysis import drawing_issues as di
from slicing.analysis.chains import open_chains
from slicing.analysis.drawing_metrics import drawing_metrics, operations
from slicing.analysis.orientation import fits_flat
from slicing.analysis.targets import Targets
from slicing.geometry import Drawing
from slicing.machine_spec import FablabSpec
from slicing.quote import quotes_for
from slicing.toolpaths.issues import make_issue
from slicing.toolpaths.operations import assign_operations
from slicing.toolpaths.rules import plan_issues, process_margin


def units_issue(question: dict[str, Any] | None) -> dict[str, Any] | None:
    """Unitless DXF and old-Inkscape SVG not answered yet: ask which unit, with the size each gives."""
    if question is None or question.get("chosen") is not None:
        return None
    return make_issue("units_unconfirmed", "warning", {"choices": question["choices"]}, unit=question["default"],
                      variant=question["variant"])


def analyze_drawing(drawing: Drawing, targets: Targets, spec: FablabSpec,
                    unit_question: dict[str, Any] | None = None) -> tuple[list[dict], dict[str, Any], list[dict]]:
    from slicing.analysis.drawing_process import process_issues

    machine = targets.main_machine()
    if not drawing.paths:
        nothing = make_issue("drawing_empty", "error", None, texts_or_images=bool(drawing.texts or drawing.images))
        return [nothing, *di.text_image_issues(drawing)], drawing_metrics(drawing, machine), []
    chains = open_chains(drawing, tol=max(drawing.tolerance_mm / 5, 0.001))
    # Loose ends matter where the machine cuts: an engraved line is meant to stay open.
    cut_paths = [p for p, op in zip(drawing.paths, operations(drawing, machine), strict=True) if op != "engrave"]
    cut_chains = chains if len(cut_paths) == len(drawing.paths) else open_chains(
        Drawing(paths=cut_paths, tolerance_mm=drawing.tolerance_mm), tol=max(drawing.tolerance_mm / 5, 0.001))
    cache: dict[str, dict] = {}

    def metrics_of(m) -> dict:
        if m.id not in cache:
            mm = drawing_metrics(drawing, m)
            closed = sum(1 for p in drawing.paths if p.closed and len(p.points) >= 2)
            mm["pierce_count"] = closed + chains.count
            cache[m.id] = mm
        return cache[m.id]

    metrics = metrics_of(machine) if machine else drawing_metrics(drawing, None)
    issues: list[dict] = []
    units = units_issue(unit_question)
    if units is not None:
        issues.append(units)
    segs, owner = di._segments(drawing)
    for found in (di.open_contour_issue(cut_chains), di.zero_length_issue(drawing, segs, owner),
                  di.overlap_issue(drawing, segs, owner), di.self_intersection_issue(drawing)):
        if found is not None:
            issues.append(found)
    issues += di.text_image_issues(drawing)
    margins = {m.id: process_margin(m, m.process) for m in targets.machines}
    fits = {m.id: fits_flat(*(v + margins[m.id] for v in metrics["bbox_mm"]), (m.work_area.x, m.work_area.y))
            is not None for m in targets.machines}
    fit = di.fit_issues(metrics["bbox_mm"], targets.machines, margins)
    if not targets.chosen and any(fits.values()):
        for issue in fit:
            if issue["severity"] == "error":
                issue["severity"] = "warning"
    issues += fit
    if machine is not None:
        issues += assign_operations(drawing.paths, machine.process)[1]  # colours/layers with no operation
        issues += process_issues(drawing, machine)
        issues += plan_issues(drawing, machine, targets.material)  # prepare's own rules, same contours
    quotes = quotes_for(metrics_of, targets.machines, spec, targets.material, fits)
    return issues, metrics, quotes
