"""Parallel-line fill of a region: FDM infill and laser fill engraving share it."""

from __future__ import annotations

import numpy as np
from shapely import affinity
from shapely.geometry import LineString, MultiLineString


def hatch(area, spacing: float, angle_deg: float, phase: float = 0.0) -> list[np.ndarray]:
    """Parallel lines `spacing` apart at `angle_deg`, clipped to `area`."""
    if area.is_empty or spacing <= 0:
        return []
    rotated = affinity.rotate(area, -angle_deg, origin=(0, 0))
    x0, y0, x1, y1 = rotated.bounds
    start = np.floor((y0 - phase) / spacing) * spacing + phase + spacing / 2
    ys = np.arange(start, y1, spacing)
    if len(ys) == 0:
        return []
    lines = MultiLineString([[(x0 - 1, y), (x1 + 1, y)] for y in ys])
    clipped = affinity.rotate(rotated.intersection(lines), angle_deg, origin=(0, 0))
    parts = [g for g in getattr(clipped, "geoms", [clipped]) if isinstance(g, LineString) and g.length > 1e-3]
    return [np.asarray(g.coords) for g in parts]
