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

from slicing.toolpaths.fdm.geos_threads import vmap
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


def _mitred(geoms: np.ndarray, distance: float) -> np.ndarray:
    """geom.buffer(distance, join_style="mitre") of each, in threads (vectorised)."""
    return vmap(shapely.buffer, geoms, distance, quad_segs=16, join_style="mitre")


def plan_layers(layers: list[Layer], s: FdmSettings, deadline: float | None = None) -> list[LayerPaths]:
    """Every layer's paths; a layer exactly like the one below (or, for infill, two below:
    the same direction) takes its paths instead of computing them again."""
    out = [LayerPaths(layer, width=s.layer_width(layer.index == 0)) for layer in layers]
    same = _same_as_before([layer.region for layer in layers], 1)
    reuse = [i > 0 and same[i] and out[i - 1].width == lp.width and out[i - 1].layer.height == lp.layer.height
             for i, lp in enumerate(out)]
    cores = np.empty(len(out), dtype=object)
    # The walls of the layers not like the one below, all layers of one height and width at once.
    kinds: dict[tuple[float, float], list[int]] = {}
    for i, lp in enumerate(out):
        if not reuse[i]:
            kinds.setdefault((lp.layer.height, lp.width), []).append(i)
    for (height, width), idx in kinds.items():
        check_deadline(deadline)
        offsets = s.perimeter_offsets(height, width)
        regions = np.asarray([out[i].layer.region for i in idx], dtype=object)
        rings = [_mitred(regions, -off) for off in offsets[:-1]]
        core = _mitred(rings[-1], -(offsets[-1] - offsets[-2]))
        core_area = shapely.area(core)
        for k, i in enumerate(idx):
            lp = out[i]
            lp.perimeters = [_loops(ring[k]) for ring in reversed(rings)]  # innermost first, the visible outer wall last
            lp.inner = rings[-1][k]
            lp.perimeter_area = lp.layer.region.area - float(core_area[k])
            cores[i] = core[k]
    for i, lp in enumerate(out):
        if reuse[i]:
            prev = out[i - 1]
            lp.perimeters, lp.inner, lp.perimeter_area = prev.perimeters, prev.inner, prev.perimeter_area
            cores[i] = cores[i - 1]
    areas = fill_areas([layer.region for layer in layers], cores, s, deadline)
    _plan_fills(out, areas, s, deadline)
    first = layers[0].region if layers else Polygon()
    if out and s.skirt_loops > 0 and not first.is_empty:
        hull = first.convex_hull
        width = out[0].width
        for k in range(s.skirt_loops):
            loop = hull.buffer(s.skirt_distance + width / 2 + k * width, join_style="round")
            out[0].skirt.extend(_loops(loop))
    return out


def _plan_fills(out: list[LayerPaths], areas: list, s: FdmSettings, deadline: float | None) -> None:
    """Each layer's solid, bridge and sparse lines; an area exactly like the one two layers
    below (same direction) takes its lines. The areas are taken in half a bead (GEOS, in
    threads, all layers at once) before their lines are laid."""
    again = {kind: _same_as_before([getattr(fa, kind) for fa in areas], 2) for kind in ("solid", "bridge", "sparse")}
    jobs: dict[float, list[tuple]] = {}  # by bead spacing: (layer, kind, area, line, angle, link, anchor)
    twins: list[tuple[int, str]] = []
    for i, (lp, fa) in enumerate(zip(out, areas, strict=True)):
        spacing = s.spacing(lp.layer.height, lp.width)
        angle = 45.0 if i % 2 == 0 else -45.0
        twin = i >= 2 and out[i - 2].width == lp.width and out[i - 2].layer.height == lp.layer.height
        for kind, bead, line, link, anchor in (
            ("solid", spacing, spacing, LINK_ALL, 0.0),
            ("bridge", s.bridge_spacing, s.bridge_spacing, LINK_ALL, 0.0),
            ("sparse", spacing, spacing / s.infill if s.infill > 0 else 0.0, INFILL_ANCHOR_MAX_MM, INFILL_ANCHOR * lp.width),
        ):
            area = getattr(fa, kind)
            setattr(lp, f"{kind}_area", area.area)
            if kind == "sparse" and s.infill <= 0:
                continue
            if twin and again[kind][i]:
                twins.append((i, kind))
            elif not area.is_empty:
                jobs.setdefault(bead, []).append((i, kind, area, line, angle, link, anchor))
    for bead, group in jobs.items():
        inside = _mitred(np.asarray([job[2] for job in group], dtype=object), -bead / 2)
        for (i, kind, _, line, angle, link, anchor), area in zip(group, inside, strict=True):
            check_deadline(deadline)
            if not area.is_empty:
                setattr(out[i], kind, linked_infill(area, line, angle, link, anchor))
    for i, kind in twins:  # in layer order: a twin's twin is already set
        setattr(out[i], kind, getattr(out[i - 2], kind))
