"""Features a round tool of radius r cannot cut: the CNC refuses them with an issue.

Where the tool runs inside a region (hole, inside profile, pocket) it reaches only the
morphological opening of that region by r; outside a part it follows the closing. What
differs is material the tool cannot reach. Every concave corner leaves a small fillet
(its far point only 0.41 r from the tool's reach at 90 degrees), so only remnants reaching
further than half a radius count: a slot narrower than the tool, a hole smaller than it, a
notch or an acute corner the tool cannot enter.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import Point, Polygon

from slicing.toolpaths.offsets import polygons_of


@dataclass
class NarrowFeature:
    x: float
    y: float
    reach_mm: float  # how far the uncut material reaches beyond what the tool touches
    width_mm: float  # about how wide the feature is (twice its largest inscribed radius)


def _far_points(remnant: Polygon, boundary, r: float) -> list[NarrowFeature]:
    """Remnant parts whose far point lies more than half a radius from what the tool sweeps."""
    found = []
    threshold = max(0.5 * r, 0.3)
    for part in polygons_of(remnant):
        if part.area < 1e-4:
            continue
        step = max(r / 4, 0.2, part.exterior.length / 5000)  # bounded work on huge outlines
        pts = np.asarray(shapely.segmentize(part.exterior, step).coords)
        dist = shapely.distance(shapely.points(pts), boundary)
        k = int(np.argmax(dist))
        reach = float(dist[k])
        if reach > threshold:
            width = _width(part)
            found.append(NarrowFeature(float(pts[k, 0]), float(pts[k, 1]), reach if np.isfinite(reach) else -1.0, width))
    return found


def narrow_inside(region: Polygon, r: float) -> list[NarrowFeature]:
    """Parts of `region` (hole, opening, pocket) a tool of radius r working inside cannot reach."""
    core = region.buffer(-r, join_style="round")
    reached = core.buffer(r, join_style="round")
    remnant = region.difference(reached)
    if core.is_empty:
        c = region.representative_point()
        return [NarrowFeature(float(c.x), float(c.y), -1.0, _width(region))]
    return _far_points(remnant, reached.boundary, r)


def narrow_outside(part: Polygon, r: float) -> list[NarrowFeature]:
    """Notches in a part's outline a tool of radius r running outside it cannot enter."""
    closed = part.buffer(r, join_style="round").buffer(-r, join_style="round")
    remnant = closed.difference(part)
    # The tool sweeps everything outside the closing: measure from its boundary.
    return _far_points(remnant, shapely.geometry.LineString(closed.exterior.coords) if isinstance(closed, Polygon) else closed.boundary, r)


def _width(region: Polygon) -> float:
    """About how wide a region is: its largest inscribed circle's diameter."""
    try:
        tolerance = max(0.01, region.length / 10000)
        return 2 * float(shapely.maximum_inscribed_circle(region, tolerance=tolerance).length)
    except (AttributeError, shapely.errors.GEOSException):  # shapely < 2.1, or degenerate input
        return 2 * region.area / max(region.length, 1e-9)


def too_close(parts: list[Polygon], diameter: float) -> list[tuple[int, int, Point]]:
    """Pairs of separate parts closer than the tool: it cannot pass between them."""
    if len(parts) < 2:
        return []
    tree = shapely.STRtree(parts)
    left, right = tree.query(parts, predicate="dwithin", distance=diameter - 1e-6)
    pairs = []
    for a, b in zip(left, right, strict=True):
        if a < b:
            p, _ = shapely.ops.nearest_points(parts[a], parts[b])
            pairs.append((int(a), int(b), p))
    return pairs
