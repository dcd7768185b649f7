"""A job that carries every issue code of the registry, and a prepared program with the figures
of every process, for the page walk (test_i18n_pages.py): each sentence, hint, "Where:" line,
metric name and program-table word is then rendered in both languages on a real page."""

from __future__ import annotations

import re
from typing import Any

from web.issue_messages import ISSUES
from web.issue_messages_files import PROGRAM_ISSUES

PARAM = re.compile(r"%\((\w+)\)s")
# A value a real issue would carry for parameters that are codes said as words.
WORD_VALUES = {"process": "laser", "rotation": "1,0,2", "unit": "in", "operation": "cut", "default": "engrave",
               "what": "mesh"}
LOCATIONS: list[dict[str, Any]] = [
    {"points": [[112.5, 90.0, 13.0], [101.0, 51.0, 10.0]], "faces": [12, 13]},
    {"x": 22.0, "y": 15.5, "source": "path3", "layer": "Découpe"},
    {"choices": [{"unit": "mm", "bbox_mm": [2.0, 3.0]}, {"unit": "in", "bbox_mm": [50.8, 76.2]}]},
    {"faces": [1, 2, 3], "bodies": 2},
    {},
]


def _issue(key: str, n: int) -> dict[str, Any]:
    code, _, variant = key.partition("/")
    entry = ISSUES[key]
    msgids = [*(entry.message if isinstance(entry.message, tuple) else (entry.message,)), entry.hint]
    msgids += [m for _, yes, no in entry.then for m in (yes, no)]
    params: dict[str, Any] = {name: WORD_VALUES.get(name, 7.5) for m in msgids for name in PARAM.findall(m)}
    params.update({p: True for p, _, _ in entry.then})
    if entry.count:
        params[entry.count] = 3
    if variant:
        params["variant"] = variant
    severity = ("error", "warning", "info")[n % 3]
    return {"code": code, "severity": severity, "params": params, "location": LOCATIONS[n % len(LOCATIONS)],
            "detail": "not well-formed (invalid token): line 1, column 5" if code == "svg_malformed" else None}


def every_issue() -> list[dict[str, Any]]:
    return [_issue(key, n) for n, key in enumerate(sorted(ISSUES))]


ANALYSIS_METRICS = {"paths": 2, "closed_paths": 2, "cut_length_mm": 200.0, "length_by_operation_mm": {
    "cut": 200.0, "engrave": 31.33}, "enclosed_area_mm2": 2500.0, "engrave_area_mm2": 0.0, "pierce_count": 2,
    "bbox_mm": [50.0, 50.0], "bbox_min_mm": [10.0, 10.0], "sheet_area_used_mm2": 2500.0, "texts": 0, "images": 0,
    "units_declared": "mm", "triangles": 12, "vertices": 8, "bodies": 1, "volume_mm3": 8000.0, "mass_g": 9.92,
    "overhang_area_mm2": 0.0, "open_edges": 0, "watertight": True, "ascii": False, "first_layer_area_mm2": 400.0,
    "wall_area_mm2": 1600.0, "top_area_mm2": 400.0, "bottom_area_mm2": 400.0}
# The unit question (slicing.units): every unit a file may be asked in, none chosen yet.
UNITS = {"variant": "dxf_unitless", "default": "mm", "required": True, "chosen": None, "scale": None, "pending": True,
         "choices": [{"unit": u, "factor": f, "bbox_mm": [50.0 * f, 50.0 * f]}
                     for u, f in (("mm", 1.0), ("cm", 10.0), ("m", 1000.0), ("in", 25.4), ("px90", 1.066667),
                                  ("px96", 1.0))]}

# The figures prepare writes for each process (laser, CNC, vinyl, built-in FDM, PrusaSlicer).
PROGRAM_METRICS = {
    "process": "fdm", "slicer": "builtin", "layers": 100, "layer_height_mm": 0.2, "filament_mm": 1280.4,
    "filament_g": 3.82, "extruded_volume_mm3": 3079.7, "extruded_by_type_mm": {
        "SKIRT": 3.8, "WALL-INNER": 279.1, "WALL-OUTER": 292.6, "SKIN": 192.8, "FILL": 512.1},
    "simple_time_s": 811.2, "slicer_time_s": 790.0, "model_height_mm": 20.0, "bounds_mm": [115.0, 95.0, 135.0, 115.0],
    "machine": "prusa-mk3", "material": "PLA", "lines": 4926, "cut_length_mm": 200.8, "engrave_length_mm": 31.33,
    "travel_mm": 30.5, "travel_file_order_mm": 89.39, "paths": 2, "passes": 2, "kerf_mm": 0.2, "plunges": 8,
    "ramps": 6, "tool_diameter_mm": 6.0, "depth_mm": 18.2, "stepdown_mm": 3.0, "blade_offset_mm": 0.25,
    "overcut_mm": 1.0, "weeding_border_mm": 5.0, "prusaslicer_refused": True}

QUOTE = {"machine": "laser-1", "machine_name": "Découpeuse laser CO2 60 W", "material": "Contreplaqué peuplier 3 mm",
         "kind": "laser", "seconds": 95.0, "fits": True, "currency": "EUR",
         "terms": [{"term": "material", "amount": 0.04, "params": {"variant": "m2", "m2": 0.004, "material": "MDF",
                                                                   "margin_mm": 5.0, "price": 12.0}},
                   {"term": "machine_time", "amount": 0.53, "params": {"seconds": 95, "hourly_rate": 20.0}},
                   {"term": "setup", "amount": 1.0, "params": {"machine": "Découpeuse laser CO2 60 W"}}],
         "subtotal": 1.57, "totals": {"member": 1.57}, "tiers": [{"tier": "member", "label": "Adhérent",
                                                                   "multiplier": 1.0, "total": 1.57}]}


def every_code_analysis() -> dict[str, Any]:
    return {"valid": True, "issues": every_issue(), "metrics": ANALYSIS_METRICS, "quotes": [QUOTE], "units": UNITS}


def program_info() -> dict[str, Any]:
    issues = [_issue(key, n) for n, key in enumerate(sorted(PROGRAM_ISSUES))]
    for n, issue in enumerate(issues):
        issue["location"] = {"line": 10 + n} if n % 2 else issue["location"]
    return {"format": "gcode", "issues": issues, "metrics": PROGRAM_METRICS, "estimated_seconds": 120.0}
