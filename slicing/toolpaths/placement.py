"""Where a 2D job sits on the machine: by default its toolpaths' corner at the origin.

Drawings come in anywhere (an SVG page offset, DXF world coordinates, negative y after
flipping): users lay their sheet at the machine's origin corner, so the program is moved
there. `placement: keep` leaves coordinates as drawn (then the work-area check matters).
"""

from __future__ import annotations

from typing import Any

import numpy as np


def placement_shift(point_sets: list[np.ndarray], options: dict[str, Any]) -> np.ndarray:
    """The (dx, dy) to add to every toolpath point."""
    if str(options.get("placement", "origin")) == "keep" or not point_sets:
        return np.zeros(2)
    allp = np.vstack(point_sets)
    margin = float(options.get("margin_mm", 0.0))
    return np.array([margin, margin]) - allp.min(axis=0)


def bounds_of(point_sets: list[np.ndarray]) -> list[float] | None:
    if not point_sets:
        return None
    allp = np.vstack(point_sets)
    lo, hi = allp.min(axis=0), allp.max(axis=0)
    return [round(float(lo[0]), 3), round(float(lo[1]), 3), round(float(hi[0]), 3), round(float(hi[1]), 3)]
