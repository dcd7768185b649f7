"""Who contains whom among a design's paths: holes, parts in holes, slits inside parts.

Depth 0 is an outer contour, 1 a hole in it, 2 a part inside that hole, and so on. The
even/odd depth decides which way kerf and tool radius are offset, and "contains" gives
the cutting order (everything inside a closed contour is cut before that contour, so a
part never drops or moves before its holes are cut).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import LineString, Polygon


@dataclass
class Nesting:
    depth: list[int]  # per path; open paths get the depth of their innermost container
    parent: list[int | None]  # innermost closed path that contains it
    inside: list[list[int]]  # per closed path: the paths it contains (any depth)


def path_geometry(points: np.ndarray, closed: bool) -> Polygon | LineString | None:
    """A valid shapely geometry for a path, or None when it is degenerate."""
    if len(points) < 2:
        return None
    if closed and len(points) >= 3:
        poly = Polygon(points)
        if not poly.is_valid:
            poly = shapely.make_valid(poly)
            polys = [g for g in getattr(poly, "geoms", [poly]) if isinstance(g, Polygon)]
            if not polys:
                return None
            poly = max(polys, key=lambda g: g.area)
        return poly if poly.area > 0 else None
    return LineString(points)


def nest(geoms: list[Polygon | LineString | None]) -> Nesting:
    """Containment of every path in every closed one (properly: touching is not inside)."""
    n = len(geoms)
    inside: list[list[int]] = [[] for _ in range(n)]
    polys = [(i, g) for i, g in enumerate(geoms) if isinstance(g, Polygon)]
    others = [(i, g) for i, g in enumerate(geoms) if g is not None]
    if polys and others:
        tree = shapely.STRtree([g for _, g in others])
        cont, inner = tree.query([g for _, g in polys], predicate="contains_properly")
        for a, b in zip(cont, inner, strict=True):
            outer_idx, inner_idx = polys[a][0], others[b][0]
            if outer_idx != inner_idx:
                inside[outer_idx].append(inner_idx)
    containers: list[list[int]] = [[] for _ in range(n)]
    for outer_idx, contained in enumerate(inside):
        for j in contained:
            containers[j].append(outer_idx)
    depth = [len(c) for c in containers]
    parent: list[int | None] = [max(c, key=lambda k: depth[k]) if c else None for c in containers]
    return Nesting(depth=depth, parent=parent, inside=inside)
