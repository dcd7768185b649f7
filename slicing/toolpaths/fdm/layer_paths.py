"""What each layer prints: perimeters, solid and sparse rectilinear infill, and the skirt.

Perimeters are inward offsets by the extrusion width. The area inside them is solid where
the layers within `bottom_layers` below or `top_layers` above do not cover it (the model's
floors and roofs), sparse elsewhere. Infill lines are spaced width / density, at +45 and
-45 degrees on alternate layers, so a bead of that width fills exactly `density` of it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import shapely
from shapely.geometry import Polygon

from slicing.toolpaths.fdm.layers import Layer, check_deadline
from slicing.toolpaths.fdm.settings import FdmSettings
from slicing.toolpaths.hatching import hatch
from slicing.toolpaths.offsets import polygons_of


@dataclass
class LayerPaths:
    layer: Layer
    skirt: list[np.ndarray] = field(default_factory=list)  # closed loops (first point repeated)
    perimeters: list[list[np.ndarray]] = field(default_factory=list)  # by depth: innermost first
    solid: list[np.ndarray] = field(default_factory=list)  # open segments
    sparse: list[np.ndarray] = field(default_factory=list)
    solid_area: float = 0.0
    sparse_area: float = 0.0
    perimeter_area: float = 0.0


def _loops(geom) -> list[np.ndarray]:
    loops = []
    for poly in polygons_of(geom):
        loops.append(np.asarray(poly.exterior.coords))
        loops.extend(np.asarray(r.coords) for r in poly.interiors)
    return loops


def plan_layers(layers: list[Layer], s: FdmSettings, deadline: float | None = None) -> list[LayerPaths]:
    w = s.width
    inner_offset = s.perimeters * w
    cores = [layer.region.buffer(-inner_offset, join_style="mitre") for layer in layers]
    out: list[LayerPaths] = []
    n = len(layers)
    for i, layer in enumerate(layers):
        check_deadline(deadline)
        lp = LayerPaths(layer)
        for k in range(s.perimeters):
            ring = layer.region.buffer(-(w / 2 + k * w), join_style="mitre")
            lp.perimeters.append(_loops(ring))
        lp.perimeters.reverse()  # innermost first, the visible outer wall last
        lp.perimeter_area = layer.region.area - layer.region.buffer(-inner_offset, join_style="mitre").area
        core = cores[i]
        # Solid where any layer within reach below/above lacks material (or the model ends).
        if i < s.bottom_layers or i >= n - s.top_layers:
            covered = Polygon()
        else:
            covered = shapely.intersection_all([layers[j].region for j in range(i - s.bottom_layers, i + s.top_layers + 1)])
        solid = core.difference(covered) if not covered.is_empty else core
        sparse = core.intersection(covered) if not covered.is_empty else Polygon()
        # Like PrusaSlicer's solid_infill_below_area: a small sparse island is filled solid
        # (sparse lines there would barely touch the walls).
        small = [p for p in polygons_of(sparse) if p.area < s.solid_below_area]
        if small:
            small_union = shapely.union_all(small)
            solid = solid.union(small_union)
            sparse = sparse.difference(small_union)
        solid = solid.buffer(-1e-4).buffer(1e-4)  # drop slivers from near-coincident outlines
        angle = 45.0 if i % 2 == 0 else -45.0
        lp.solid = hatch(solid, w, angle)
        lp.solid_area = solid.area
        if s.infill > 0 and not sparse.is_empty:
            lp.sparse = hatch(sparse, w / s.infill, angle)
            lp.sparse_area = sparse.area
        if i == 0 and s.skirt_loops > 0 and not layer.region.is_empty:
            hull = layer.region.convex_hull
            for k in range(s.skirt_loops):
                loop = hull.buffer(s.skirt_distance + w / 2 + k * w, join_style="round")
                lp.skirt.extend(_loops(loop))
        out.append(lp)
    return out
