"""What each layer prints: perimeters, solid and sparse rectilinear infill, and the skirt.

The model follows PrusaSlicer's, so both slicers agree on the plastic a part needs:
- beads have PrusaSlicer's section (settings.bead_area) and are laid `spacing` apart; the
  outer wall touches the outline, the infill area starts half a spacing inside the last wall;
- solid where a layer within `bottom_layers` below or `top_layers` above lacks material (the
  model's floors and roofs), and also where the infill area of a nearby layer does not cover
  this one's (PrusaSlicer's "ensure vertical shell thickness": the sloped sides of organic
  shapes get solid fill behind their walls); that solid is regularised like PrusaSlicer's
  (opened by half a line, grown by 0.8 of one) so no sliver is left;
- sparse lines are spaced spacing / density, at +45 and -45 degrees on alternate layers.
"""

from __future__ import annotations

from collections.abc import Sequence
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
    inner: object = None  # area inside the innermost wall's centreline (travel there needs no retraction)
    solid_area: float = 0.0
    sparse_area: float = 0.0
    perimeter_area: float = 0.0


def _loops(geom) -> list[np.ndarray]:
    loops = []
    for poly in polygons_of(geom):
        loops.append(np.asarray(poly.exterior.coords))
        loops.extend(np.asarray(r.coords) for r in poly.interiors)
    return loops


def window_intersections(geoms: Sequence, before: int, after: int) -> list:
    """For every i, the intersection of geoms[i - before .. i + after] (clipped to the list).

    Sliding-window intersections from per-block prefix and suffix intersections (van Herk /
    Gil-Werman): about three GEOS intersections per layer instead of one per layer of the window.
    """
    n = len(geoms)
    width = before + after + 1
    prefix: list = [None] * n
    suffix: list = [None] * n
    for start in range(0, n, width):
        end = min(start + width, n) - 1
        prefix[start] = geoms[start]
        for k in range(start + 1, end + 1):
            prefix[k] = shapely.intersection(prefix[k - 1], geoms[k])
        suffix[end] = geoms[end]
        for k in range(end - 1, start - 1, -1):
            suffix[k] = shapely.intersection(suffix[k + 1], geoms[k])
    out = []
    for i in range(n):
        a, b = max(0, i - before), min(n - 1, i + after)
        if a // width != b // width:
            out.append(shapely.intersection(suffix[a], prefix[b]))
        elif a % width == 0:
            out.append(prefix[b])
        elif b % width == width - 1 or b == n - 1:
            out.append(suffix[a])
        else:
            out.append(shapely.intersection_all(list(geoms[a : b + 1])))
    return out


def shell_solid(core, covered_h, covered_v, spacing: float):
    """The solid part of a layer's infill area `core`, as PrusaSlicer finds it: what `covered_h`
    (floors and roofs) or `covered_v` (vertical shells) leaves uncovered, opened by half a line,
    then grown by 0.8 of one so no gap is left against the sparse infill (PrusaSlicer's
    discover_vertical_shells regularisation).

    PrusaSlicer also grows roof bands narrower than six lines by three lines
    (discover_horizontal_shells); here that took a fifth of the planning time for 1 % of the
    filament on a dome, so it is left out.
    """
    solid = core.difference(shapely.intersection(covered_h, covered_v))
    if solid.is_empty:
        return solid
    reach = 1.05 * spacing
    solid = solid.buffer(-0.5 * reach, join_style="mitre")
    if solid.is_empty:
        return solid
    return solid.buffer(0.8 * reach, join_style="mitre").intersection(core)


def plan_layers(layers: list[Layer], s: FdmSettings, deadline: float | None = None) -> list[LayerPaths]:
    n = len(layers)
    out: list[LayerPaths] = []
    cores = []
    for layer in layers:
        check_deadline(deadline)
        lp = LayerPaths(layer)
        offsets = s.perimeter_offsets(layer.height)
        rings = [layer.region.buffer(-off, join_style="mitre") for off in offsets[:-1]]
        lp.perimeters = [_loops(ring) for ring in reversed(rings)]  # innermost first, the visible outer wall last
        lp.inner = rings[-1]
        core = rings[-1].buffer(-(offsets[-1] - offsets[-2]), join_style="mitre")
        lp.perimeter_area = layer.region.area - core.area
        cores.append(core)
        out.append(lp)
    regions = [layer.region for layer in layers]
    # Floors and roofs: some layer within reach below/above lacks material (or the model ends).
    covered_h = window_intersections(regions, s.bottom_layers, s.top_layers)
    # Vertical shells: the infill areas of the layers within reach do not all cover this one's.
    covered_v = window_intersections(cores, max(s.bottom_layers - 1, 0), max(s.top_layers - 1, 0))
    for i, lp in enumerate(out):
        check_deadline(deadline)
        core = cores[i]
        if core.is_empty:
            continue
        h = lp.layer.height
        spacing = s.spacing(h)
        if i < s.bottom_layers or i >= n - s.top_layers:
            solid = core
        else:
            solid = shell_solid(core, covered_h[i], covered_v[i], spacing)
        sparse = core.difference(solid) if not solid.is_empty else core
        # Like PrusaSlicer's solid_infill_below_area: a small sparse island is filled solid
        # (sparse lines there would barely touch the walls).
        small = [p for p in polygons_of(sparse) if p.area < s.solid_below_area]
        if small:
            small_union = shapely.union_all(small)
            solid = solid.union(small_union)
            sparse = sparse.difference(small_union)
        angle = 45.0 if i % 2 == 0 else -45.0
        lp.solid = hatch(solid, spacing, angle)
        lp.solid_area = solid.area
        if s.infill > 0 and not sparse.is_empty:
            lp.sparse = hatch(sparse, spacing / s.infill, angle)
            lp.sparse_area = sparse.area
    first = layers[0].region if layers else Polygon()
    if out and s.skirt_loops > 0 and not first.is_empty:
        hull = first.convex_hull
        for k in range(s.skirt_loops):
            loop = hull.buffer(s.skirt_distance + s.width / 2 + k * s.width, join_style="round")
            out[0].skirt.extend(_loops(loop))
    return out
