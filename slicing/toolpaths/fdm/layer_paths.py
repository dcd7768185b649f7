"""What each layer prints: perimeters, solid, bridged and sparse rectilinear infill, the skirt.

The model follows PrusaSlicer's, so both slicers agree on the plastic a part needs:
- beads have PrusaSlicer's section (settings.bead_area) and are laid `spacing` apart; the
  outer wall touches the outline, the infill area starts half a spacing inside the last wall
  (less infill_overlap); the first layer's beads are first_layer_extrusion_width wide;
- which infill is solid, bridged or sparse: shells.fill_areas (PrusaSlicer 2.5's surfaces);
- infill lines are linked along the infill area's outline (infill.linked_infill), sparse
  lines spacing / density apart, at +45 and -45 degrees on alternate layers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import shapely
from shapely.geometry import Polygon

from slicing.toolpaths.fdm.infill import linked_infill
from slicing.toolpaths.fdm.layers import Layer, check_deadline
from slicing.toolpaths.fdm.settings import INFILL_ANCHOR, INFILL_ANCHOR_MAX_MM, FdmSettings
from slicing.toolpaths.fdm.shells import fill_areas
from slicing.toolpaths.offsets import polygons_of

LINK_ALL = 1000.0  # PrusaSlicer links solid and bridge lines whatever the distance along the outline


@dataclass
class LayerPaths:
    layer: Layer
    skirt: list[np.ndarray] = field(default_factory=list)  # closed loops (first point repeated)
    perimeters: list[list[np.ndarray]] = field(default_factory=list)  # by depth: innermost first
    solid: list[np.ndarray] = field(default_factory=list)  # open polylines
    bridge: list[np.ndarray] = field(default_factory=list)  # thick bridge beads
    sparse: list[np.ndarray] = field(default_factory=list)
    width: float = 0.0  # extrusion width on this layer
    inner: object = None  # area inside the innermost wall's centreline (travel there needs no retraction)
    solid_area: float = 0.0
    bridge_area: float = 0.0
    sparse_area: float = 0.0
    perimeter_area: float = 0.0


def _loops(geom) -> list[np.ndarray]:
    loops = []
    for poly in polygons_of(geom):
        loops.append(np.asarray(poly.exterior.coords))
        loops.extend(np.asarray(r.coords) for r in poly.interiors)
    return loops


def _same_as_before(geoms: list, step: int) -> np.ndarray:
    """same[i]: geoms[i] is exactly geoms[i - step] (a prismatic stretch of the part)."""
    arr = np.asarray(geoms, dtype=object)
    same = np.zeros(len(arr), dtype=bool)
    if len(arr) > step:
        same[step:] = shapely.equals_exact(arr[step:], arr[:-step], tolerance=0.0)
    return same


def plan_layers(layers: list[Layer], s: FdmSettings, deadline: float | None = None) -> list[LayerPaths]:
    """Every layer's paths; a layer exactly like the one below (or, for infill, two below:
    the same direction) takes its paths instead of computing them again."""
    out: list[LayerPaths] = []
    cores = []
    same = _same_as_before([layer.region for layer in layers], 1)
    for i, layer in enumerate(layers):
        check_deadline(deadline)
        lp = LayerPaths(layer)
        lp.width = s.layer_width(layer.index == 0)
        prev = out[-1] if out else None
        if same[i] and prev is not None and prev.width == lp.width and prev.layer.height == layer.height:
            lp.perimeters, lp.inner, lp.perimeter_area = prev.perimeters, prev.inner, prev.perimeter_area
            cores.append(cores[-1])
            out.append(lp)
            continue
        offsets = s.perimeter_offsets(layer.height, lp.width)
        rings = [layer.region.buffer(-off, join_style="mitre") for off in offsets[:-1]]
        lp.perimeters = [_loops(ring) for ring in reversed(rings)]  # innermost first, the visible outer wall last
        lp.inner = rings[-1]
        core = rings[-1].buffer(-(offsets[-1] - offsets[-2]), join_style="mitre")
        lp.perimeter_area = layer.region.area - core.area
        cores.append(core)
        out.append(lp)
    areas = fill_areas([layer.region for layer in layers], cores, s, deadline)
    again = {kind: _same_as_before([getattr(fa, kind) for fa in areas], 2) for kind in ("solid", "bridge", "sparse")}
    for i, (lp, fa) in enumerate(zip(out, areas, strict=True)):
        check_deadline(deadline)
        spacing = s.spacing(lp.layer.height, lp.width)
        angle = 45.0 if i % 2 == 0 else -45.0
        twin = out[i - 2] if i >= 2 and out[i - 2].width == lp.width and out[i - 2].layer.height == lp.layer.height else None
        for kind, bead, line, link, anchor in (
            ("solid", spacing, spacing, LINK_ALL, 0.0),
            ("bridge", s.bridge_spacing, s.bridge_spacing, LINK_ALL, 0.0),
            ("sparse", spacing, spacing / s.infill if s.infill > 0 else 0.0, INFILL_ANCHOR_MAX_MM, INFILL_ANCHOR * lp.width),
        ):
            area = getattr(fa, kind)
            setattr(lp, f"{kind}_area", area.area)
            if kind == "sparse" and s.infill <= 0:
                continue
            paths = getattr(twin, kind) if twin is not None and again[kind][i] else _fill(area, bead, line, angle, link, anchor)
            setattr(lp, kind, paths)
    first = layers[0].region if layers else Polygon()
    if out and s.skirt_loops > 0 and not first.is_empty:
        hull = first.convex_hull
        width = out[0].width
        for k in range(s.skirt_loops):
            loop = hull.buffer(s.skirt_distance + width / 2 + k * width, join_style="round")
            out[0].skirt.extend(_loops(loop))
    return out


def _fill(area, bead_spacing: float, line_spacing: float, angle: float, max_link: float, anchor: float) -> list[np.ndarray]:
    """Linked lines over `area`, run half a bead inside it as PrusaSlicer runs them."""
    if area.is_empty:
        return []
    inside = area.buffer(-bead_spacing / 2, join_style="mitre")
    if inside.is_empty:
        return []
    return linked_infill(inside, line_spacing, angle, max_link, anchor)
