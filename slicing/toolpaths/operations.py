"""Which operation each path gets: SVG stroke colour or DXF layer, mapped in machines.yaml.

`process["colours"]` maps '#rrggbb' to an operation name, `process["layers"]` maps a layer
name (case-insensitive) to one; a shape without stroke goes by its fill colour. The layer wins over the colour when both match, because a
DXF layer is an explicit choice while a colour may be incidental. Unmapped paths get the
default operation (cut), and one info issue per unmapped colour/layer says so.
"""

from __future__ import annotations

from typing import Any

from slicing.geometry import Path2D
from slicing.toolpaths.issues import make_issue


def _normalise_colour(colour: str | None) -> str | None:
    if not colour:
        return None
    c = colour.strip().lower()
    if len(c) == 4 and c.startswith("#"):  # '#f00' -> '#ff0000'
        c = "#" + "".join(ch * 2 for ch in c[1:])
    return c


def _as_map(value: Any) -> dict[str, str]:
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}


def assign_operations(
    paths: list[Path2D], options: dict[str, Any], default: str = "cut"
) -> tuple[list[str], list[dict[str, Any]]]:
    """The operation name for every path (same order), plus info issues for unmapped hints."""
    colours = {_normalise_colour(k): v for k, v in _as_map(options.get("colours")).items()}
    layers = {k.lower(): v for k, v in _as_map(options.get("layers")).items()}
    ops: list[str] = []
    unmapped: dict[str, str] = {}
    for path in paths:
        layer = (path.layer or "").lower()
        colour = _normalise_colour(path.stroke or path.fill)  # a fill-only shape goes by its fill
        if layer and layer in layers:
            ops.append(layers[layer])
        elif colour and colour in colours:
            ops.append(colours[colour])
        else:
            ops.append(default)
            if (colours or layers) and (colour or layer):
                key = colour or path.layer or ""
                unmapped.setdefault(key, path.source or "")
    issues = [
        make_issue("operation_defaulted", "info", {"source": src, "hint": key}, key=key, default=default)
        for key, src in unmapped.items()
    ]
    return ops, issues
