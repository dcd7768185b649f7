"""Job options as the processes read them: typed, and refused when they make no sense.

Options arrive from machines.yaml (typed), from the CLI's `--set` and from the approval
form (often strings): "0.15" must act as 0.15 and "false" as False, and a zero layer
height must be an issue, not an endless loop.
"""

from __future__ import annotations

import json
import math
from typing import Any

from slicing.toolpaths.issues import make_issue

POSITIVE = {
    "fdm": ("nozzle_mm", "layer_height_mm", "first_layer_height_mm", "extrusion_width_mm", "filament_mm",
            "perimeter_speed_mm_s", "infill_speed_mm_s", "solid_infill_speed_mm_s", "first_layer_speed_mm_s",
            "travel_speed_mm_s", "retract_speed_mm_s", "slice_timeout_s", "slicer_timeout_s", "scale"),
    "laser": ("s_max", "engrave_interval_mm", "scale"),
    "cnc": ("tool_diameter_mm", "scale", "stepdown_mm", "feed_mm_min", "plunge_mm_min", "spindle_rpm", "safe_z_mm",
            "depth_mm", "pocket_depth_mm", "stepover_pct", "tab_width_mm", "tab_spacing_mm", "engrave_depth_mm"),
    "vinyl": ("scale",),
}
NON_NEGATIVE = {
    "fdm": ("infill_pct", "perimeters", "top_layers", "bottom_layers", "retract_mm", "retract_min_travel_mm",
            "skirt_loops", "skirt_distance_mm", "fan_pct"),
    "laser": ("kerf_mm", "margin_mm"),
    "cnc": ("through_mm", "tab_height_mm", "margin_mm"),
    "vinyl": ("blade_offset_mm", "overcut_mm", "weeding_border_mm", "min_island_mm", "margin_mm"),
}


def coerce(value: Any) -> Any:
    """'true'/'false', numbers and JSON objects from text; anything else unchanged."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    low = text.lower()
    # Not "on"/"off": "on" is a CNC profile name (cut on the line).
    if low in ("true", "yes"):
        return True
    if low in ("false", "no"):
        return False
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    if text.startswith("{"):
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            pass
    return value


def coerce_all(options: dict[str, Any] | None) -> dict[str, Any]:
    return {str(k): coerce(v) for k, v in (options or {}).items()}


def invalid_options(kind: str, options: dict[str, Any]) -> list[dict[str, Any]]:
    """One error issue per option whose value cannot work (not a number, <= 0, < 0, NaN)."""
    issues = []
    rules = [(k, True) for k in POSITIVE.get(kind, ())] + [(k, False) for k in NON_NEGATIVE.get(kind, ())]
    for key, strictly in rules:
        if key not in options:
            continue
        value = options[key]
        number = value if isinstance(value, int | float) and not isinstance(value, bool) else None
        ok = number is not None and math.isfinite(number) and (number > 0 if strictly else number >= 0)
        if not ok:
            issues.append(make_issue(
                "option_invalid", "error", {"option": key},
                key=key, value=repr(value), variant="positive" if strictly else "non_negative",
            ))
    return issues
