"""`analyze_file`: an uploaded file -> {valid, issues, metrics, quotes}, never an exception.

What a user sees seconds after uploading: is the file usable, what is wrong and where,
will it fit, how long, how much. Readers turn the file into geometry (or one clear
refusal), `mesh_*`/`drawing_*` modules find the issues and figures, `slicing.quote` prices
each compatible machine and material. `quick_figures` is the instant part (volume, area,
bounding box) for the upload page.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from slicing.analysis.targets import Targets, choose_targets
from slicing.full_collections import collect_after_reading, full_collections_paused
from slicing.readers import UnreadableFile, file_kind, load_drawing, read_triangles
from slicing.readers.stl import corner_bounds
from slicing.toolpaths.issues import make_issue

if TYPE_CHECKING:  # annotations only: the pydantic models cost ~0.3 s to build (see slicing.machine_view)
    from slicing.machine_spec import FablabSpec

__all__ = ["analyze_file", "quick_figures", "SEVERITY_ORDER"]

SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


_DECIMAL_POINT = re.compile(r"(?<=\d)\.(?=\d)")


def _french_numbers(issue: dict) -> dict:
    """French writes 0,4 mm: decimal points between digits become commas in the French texts."""
    for field in ("message", "hint"):
        texts = issue.get(field)
        if isinstance(texts, dict) and texts.get("fr"):
            texts["fr"] = _DECIMAL_POINT.sub(",", texts["fr"])
    return issue


def _result(kind: str, fmt: str, targets: Targets | None, issues: list[dict], metrics: dict, quotes: list[dict],
            started: float, units: dict[str, Any] | None = None) -> dict[str, Any]:
    issues = sorted((_french_numbers(i) for i in issues), key=lambda i: SEVERITY_ORDER.get(i.get("severity"), 3))
    valid = not any(i.get("severity") == "error" for i in issues)
    return {
        "valid": valid,
        # usable: valid, and no unit question waiting for its answer (slicing.units)
        "usable": valid and not (units or {}).get("pending", False),
        "units": units,
        "kind": kind,
        "format": fmt,
        "process": targets.kind if targets else None,
        "machines": [m.id for m in targets.machines] if targets else [],
        "issues": issues,
        "metrics": metrics,
        "quotes": quotes,
        "analysis_seconds": round(time.monotonic() - started, 3),
        "version": 1,
    }


@full_collections_paused()
def analyze_file(path: Path, *, spec: FablabSpec, process: str | None = None, machine_id: str | None = None,
                 material: str | None = None, filename: str | None = None,
                 scale: float | None = None) -> dict[str, Any]:
    """The full analysis of one upload. `process` is the kind the user chose (fdm/laser/cnc/vinyl);
    `scale` multiplies a drawing read in mm (the unit chosen for a file that did not say its own)."""
    started = time.monotonic()
    path = Path(path)
    kind = file_kind(path, filename)
    fmt = Path(filename or path.name).suffix.lower().lstrip(".") or kind
    geometry = "mesh" if kind == "mesh" else "drawing" if kind in ("svg", "dxf") else "unknown"
    targets, issues = choose_targets(spec, geometry, process, machine_id, material)
    if geometry == "unknown":
        issues.append(make_issue("format_unknown", "error", None, filename=filename or path.name))
        return _result(geometry, fmt, targets, issues, {}, [], started)
    if targets is None:  # the file does not suit the chosen process: nothing more to say
        return _result(geometry, fmt, targets, issues, {}, [], started)
    from slicing import units as u

    scale = scale if scale is not None and scale > 0 else None
    question = None
    try:
        if geometry == "mesh":
            from slicing.analysis.heap import give_back, reuse_freed
            from slicing.analysis.mesh_flow import analyze_mesh  # each flow imports only what it needs

            reuse_freed()  # the passes' big arrays from the heap (slicing.analysis.heap)
            try:
                data = read_triangles(path)
                if len(data.triangles):
                    lo, hi = corner_bounds(data.triangles)
                    question = u.with_choice(u.mesh_question(hi - lo), scale)
                data.triangles = u.scale_mesh(data.triangles, scale)
                more, metrics, quotes = analyze_mesh(data, targets, spec, unit_chosen=scale is not None)
            finally:
                data = None
                give_back()  # a worker lives on after a big file: the heap's free pages go back
        else:
            from slicing.analysis.drawing_flow import analyze_drawing

            drawing, notes = load_drawing(path, filename)
            collect_after_reading(len(drawing.paths))
            b = drawing.bounds()
            question = u.with_choice(u.drawing_question(drawing.units, [b[2] - b[0], b[3] - b[1]] if b else [0, 0]),
                                     scale)
            drawing = u.scale_drawing(drawing, scale)  # the chosen unit, or the likeliest one
            more, metrics, quotes = analyze_drawing(drawing, targets, spec, question)
            more = notes + more
    except UnreadableFile as exc:
        return _result(geometry, fmt, targets, [*issues, exc.as_issue()], {}, [], started)
    except Exception as exc:  # a check tripped on odd geometry: say so, never a traceback to the user
        import logging  # only here: ~10 ms of every `fablab analyze` start-up otherwise

        logging.getLogger(__name__).exception("analysis of %s failed", filename or path.name)
        failed = make_issue("analysis_failed", "error", None, name=type(exc).__name__)
        return _result(geometry, fmt, targets, [*issues, failed], {}, [], started)
    return _result(geometry, fmt, targets, issues + more, metrics, quotes, started, question)


def quick_figures(path: Path, filename: str | None = None) -> dict[str, Any]:
    """The instant figures at upload: no topology, no checks (a 1 M-triangle STL in ~0.1 s)."""
    path = Path(path)
    try:
        kind = file_kind(path, filename)
        if kind == "mesh":
            tri = read_triangles(path).triangles.astype(np.float64)
            v0, v1, v2 = tri[:, 0], tri[:, 1], tri[:, 2]
            cross = np.cross(v1 - v0, v2 - v0)
            lo, hi = corner_bounds(tri)
            return {"triangles": len(tri), "volume_mm3": round(abs(float(np.einsum("ij,ij->", v0, np.cross(v1, v2))))
                                                               / 6.0, 3),
                    "area_mm2": round(float(np.linalg.norm(cross, axis=1).sum()) / 2, 3),
                    "bbox_mm": [round(float(v), 3) for v in hi - lo]}
        if kind in ("svg", "dxf"):
            drawing, _ = load_drawing(path, filename)
            b = drawing.bounds()
            return {"paths": len(drawing.paths),
                    "cut_length_mm": round(sum(p.length_mm() for p in drawing.paths), 2),
                    "bbox_mm": [round(b[2] - b[0], 2), round(b[3] - b[1], 2)] if b else [0.0, 0.0]}
    except UnreadableFile as exc:
        return {"error": exc.as_issue()}
    return {}
