"""Offsetting closed contours by kerf, tool radius or blade clearance (shapely buffers).

Mitred joins keep a part's sharp corners sharp: a 50 mm square offset by 0.1 mm is a
50.2 mm square, not a rounded one. Offsetting may split a contour in several (a waist
narrower than the offset) or swallow it (a hole smaller than the kerf): callers see that
as an empty or multi-ring result.
"""

from __future__ import annotations

import numpy as np
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.polygon import orient

MITRE_LIMIT = 4.0


def polygons_of(geom) -> list[Polygon]:
    if geom.is_empty:
        return []
    if isinstance(geom, Polygon):
        return [geom]
    if isinstance(geom, MultiPolygon):
        return list(geom.geoms)
    return [g for g in getattr(geom, "geoms", []) if isinstance(g, Polygon) and not g.is_empty]


def offset_polygon(poly: Polygon, distance: float, join: str = "mitre") -> list[Polygon]:
    """`poly` grown (distance > 0) or shrunk (< 0); empty when nothing is left."""
    if distance == 0:
        return [poly]
    grown = poly.buffer(distance, join_style=join, mitre_limit=MITRE_LIMIT)
    return polygons_of(grown)


def ring_points(poly: Polygon, clockwise: bool | None = None) -> np.ndarray:
    """The exterior ring of `poly` as (n, 2) points without the repeated closing point."""
    if clockwise is not None:
        poly = orient(poly, sign=-1.0 if clockwise else 1.0)
    coords = np.asarray(poly.exterior.coords, dtype=float)
    return coords[:-1]


def offset_contour(points: np.ndarray, distance: float, join: str = "mitre") -> list[np.ndarray]:
    """Offset one closed contour: the rings (exteriors) that result, possibly none."""
    poly = Polygon(points)
    if not poly.is_valid:
        poly = poly.buffer(0)
    return [ring_points(p) for p in offset_polygon(poly, distance, join) if p.area > 0]


def is_clockwise(points: np.ndarray) -> bool:
    """Signed area < 0 with y up: the material is on the right when going this way."""
    x, y = points[:, 0], points[:, 1]
    return float(np.dot(x, np.roll(y, -1)) - np.dot(np.roll(x, -1), y)) < 0
