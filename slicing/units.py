"""The unit of a file that does not say its own, answered with one click (issue 12, item 4).

A unitless DXF is read in mm, an SVG from an old Inkscape at 90 px/in (the unit it was most
likely drawn at), a mesh as stored. `drawing_question` / `mesh_question` list each plausible
unit with the size it gives; the member's choice becomes the job's `scale`, the factor applied
to what the reader gives. `scale_drawing` and `scale_mesh` apply it the same way for the
analysis and for `prepare`, so both measure the same part.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from slicing.geometry import Drawing

__all__ = ["PX90", "UNIT_FACTORS", "drawing_question", "mesh_question", "resolve", "scale_drawing", "scale_mesh",
           "with_choice"]

UNIT_FACTORS = {"mm": 1.0, "cm": 10.0, "m": 1000.0, "in": 25.4}
PX90 = 96.0 / 90.0  # svgelements reads 96 px/in; the old Inkscape drew at 90
PLAUSIBLE_MM = (1.0, 3000.0)  # a part a fablab makes: its largest side, in mm
MESH_TINY_MM = 10.0  # below this, a mesh's unit is asked
MESH_DOUBTFUL_MM = 3.0  # below this, it must be answered before the part is usable


def _choice(unit: str, factor: float, extents: Sequence[float]) -> dict[str, Any]:
    return {"unit": unit, "factor": round(factor, 6), "bbox_mm": [round(float(v) * factor, 2) for v in extents]}


def _plausible(extents: Sequence[float], keep: str, low: float = PLAUSIBLE_MM[0]) -> list[dict[str, Any]]:
    """mm, cm, m, in: each whose size a fablab could make, and `keep` (the unit read) always."""
    biggest = max((float(v) for v in extents), default=0.0)
    out = []
    for unit, factor in UNIT_FACTORS.items():
        if unit == keep or low <= biggest * factor <= PLAUSIBLE_MM[1]:
            out.append(_choice(unit, factor, extents))
    return out


def drawing_question(units: str, extents: Sequence[float]) -> dict[str, Any] | None:
    """The question for a drawing as its reader gave it (`units`, `extents` in reader mm)."""
    if units == "unitless":
        return {"variant": "dxf_unitless", "default": "mm", "required": True,
                "choices": _plausible(extents, keep="mm")}
    if units == "px90?":
        return {"variant": "svg_90dpi", "default": "px90", "required": True,
                "choices": [_choice("px90", PX90, extents), _choice("px96", 1.0, extents)]}
    return None


def mesh_question(extents: Sequence[float]) -> dict[str, Any] | None:
    """A mesh under 10 mm is usually a unit mistake (metres, inches); under 3 mm it is doubtful
    enough that the part is not usable until the unit is chosen."""
    biggest = max((float(v) for v in extents), default=0.0)
    if biggest <= 0 or biggest >= MESH_TINY_MM:
        return None
    return {"variant": "mesh", "default": "mm", "required": biggest < MESH_DOUBTFUL_MM,
            "choices": _plausible(extents, keep="mm", low=5.0)}


def with_choice(question: dict[str, Any] | None, scale: float | None) -> dict[str, Any] | None:
    """The question as the result stores it: which unit was chosen (None: not yet), and whether
    the part waits for the answer (`pending`)."""
    if question is None:
        return None
    chosen = None
    if scale is not None:
        chosen = next((c["unit"] for c in question["choices"] if abs(c["factor"] - scale) < 1e-6 * scale), "custom")
    return {**question, "chosen": chosen, "scale": scale, "pending": bool(question["required"] and chosen is None)}


def resolve(question: dict[str, Any] | None, unit: str) -> float | None:
    """The factor of a unit the question offered (or any plain unit), None when unknown."""
    for choice in (question or {}).get("choices") or []:
        if choice.get("unit") == unit:
            return float(choice["factor"])
    return UNIT_FACTORS.get(unit)


def _factor(units: str, scale: float | None) -> float:
    if isinstance(scale, int | float) and not isinstance(scale, bool) and scale > 0:
        return float(scale)
    return PX90 if units == "px90?" else 1.0


def scale_drawing(drawing: Drawing, scale: float | None) -> Drawing:
    """The drawing at the chosen unit; without a choice, at the likeliest one (90 px/in for an old
    Inkscape file, mm otherwise). A chosen unit is marked so no question is asked again."""
    factor = _factor(drawing.units, scale)
    if factor != 1.0:
        scaled = drawing.scaled(factor)
        scaled.units = "chosen" if scale else drawing.units
        return scaled
    if scale:
        drawing.units = "chosen"
    return drawing


def scale_mesh(triangles: np.ndarray, scale: float | None) -> np.ndarray:
    factor = _factor("mm", scale)
    return triangles if factor == 1.0 else (triangles.astype(np.float64) * factor).astype(triangles.dtype)
