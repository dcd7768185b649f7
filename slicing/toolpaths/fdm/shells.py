"""Which part of each layer's infill area is solid, bridged or sparse: PrusaSlicer 2.5's rules
with the profile's settings (ensure_vertical_shell_thickness off, thick_bridges on).

- top and bottom surfaces: what the layer above (below) does not cover, slivers under a tenth
  of a line dropped; in the infill area they grow EXTERNAL_INFILL_MARGIN_MM (3 mm) into it
  (LayerRegion::process_external_surfaces), a bottom above the first layer being a bridge;
- horizontal shells: each top surface (and its grown part) is solid on the top_layers - 1
  layers below it, each bottom on the bottom_layers - 1 above, where those layers have infill;
  a shell narrower than six lines is grown by three (discover_horizontal_shells);
- internal bridges: solid resting on sparse infill in both layers below is bridged, with thick
  bridge beads (PrusaSlicer's bridge_over_infill);
- sparse islands smaller than solid_infill_below_area are solid.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import Polygon

from slicing.toolpaths.fdm.layers import check_deadline
from slicing.toolpaths.fdm.settings import EXTERNAL_INFILL_MARGIN_MM, FdmSettings
from slicing.toolpaths.offsets import polygons_of

EMPTY = Polygon()


@dataclass
class FillAreas:
    solid: object  # shapely areas
    bridge: object
    sparse: object


def _opening(geoms: np.ndarray, d: float) -> np.ndarray:
    shrunk = shapely.buffer(geoms, -d, join_style="mitre")
    return shapely.buffer(shrunk, d, join_style="mitre")


def _union(parts: Sequence) -> object:
    parts = [p for p in parts if p is not None and not p.is_empty]
    if not parts:
        return EMPTY
    return parts[0] if len(parts) == 1 else shapely.union_all(parts)


def _exposed(regions: np.ndarray, sliver: float) -> tuple[np.ndarray, np.ndarray]:
    """Top and bottom surfaces of every layer (PrusaSlicer's detect_surfaces_type)."""
    n = len(regions)
    top = np.empty(n, dtype=object)
    bottom = np.empty(n, dtype=object)
    top[-1], bottom[0] = regions[-1], regions[0]
    if n > 1:
        top[:-1] = _opening(shapely.difference(regions[:-1], regions[1:]), sliver)
        bottom[1:] = _opening(shapely.difference(regions[1:], regions[:-1]), sliver)
    return top, bottom


def fill_areas(regions: Sequence, cores: Sequence, s: FdmSettings, deadline: float | None = None) -> list[FillAreas]:
    n = len(regions)
    if n == 0:
        return []
    regions_a = np.asarray(regions, dtype=object)
    cores_a = np.asarray(cores, dtype=object)
    top, bottom = _exposed(regions_a, s.width / 20)
    margin = EXTERNAL_INFILL_MARGIN_MM
    # In the infill area, grown by the margin and kept inside it; bottoms win over tops.
    top_f = shapely.intersection(top, cores_a)
    bottom_f = shapely.intersection(bottom, cores_a)
    grown_b = shapely.intersection(shapely.buffer(bottom_f, margin, join_style="mitre", mitre_limit=1.0), cores_a)
    grown_t = shapely.difference(
        shapely.intersection(shapely.buffer(top_f, margin, join_style="mitre", mitre_limit=1.0), cores_a), grown_b)
    internal = shapely.difference(cores_a, shapely.union(grown_t, grown_b))
    # What each surface makes solid on its neighbours: the surface itself (walls included) and
    # its grown part in the infill area.
    down = shapely.union(top, grown_t)
    up = shapely.union(bottom, grown_b)
    wide = 3.0 * s.width  # discover_horizontal_shells: "require at least this size"
    solid_int = np.empty(n, dtype=object)
    for i in range(n):
        check_deadline(deadline)
        if internal[i].is_empty:
            solid_int[i] = EMPTY
            continue
        above = [down[j] for j in range(i + 1, min(n, i + s.top_layers))]
        below = [up[j] for j in range(max(0, i - s.bottom_layers + 1), i)]
        reach = _union([g for g in above + below if not g.is_empty])
        new = shapely.intersection(reach, internal[i]) if not reach.is_empty else EMPTY
        if not new.is_empty:
            narrow = new.difference(new.buffer(-wide, join_style="mitre").buffer(wide, join_style="mitre"))
            if not narrow.is_empty and narrow.area > 1e-6:
                new = new.union(narrow.buffer(wide, join_style="mitre").intersection(internal[i]))
        solid_int[i] = new
    sparse = shapely.difference(internal, solid_int)
    small_area = s.solid_below_area
    for i in range(n):
        small = [p for p in polygons_of(sparse[i]) if p.area < small_area]
        if small:
            extra = _union(small)
            solid_int[i] = _union([solid_int[i], extra])
            sparse[i] = sparse[i].difference(extra)
    out = []
    bridge_w = 3.0 * s.nozzle
    for i in range(n):
        check_deadline(deadline)
        bridge = grown_b[i] if i > 0 else EMPTY
        inner = solid_int[i]
        if i > 0 and not inner.is_empty and s.infill < 1.0:
            under = [sparse[j] for j in range(max(0, i - 2), i)]
            over = inner
            for g in under:
                over = over.intersection(g) if not over.is_empty else over
            if not over.is_empty:
                over = over.buffer(-bridge_w, join_style="mitre").buffer(bridge_w, join_style="mitre").intersection(inner)
            if not over.is_empty:
                bridge = _union([bridge, over])
                inner = inner.difference(over)
        solid = _union([inner, grown_t[i], grown_b[i] if i == 0 else EMPTY])
        if not bridge.is_empty:
            solid = solid.difference(bridge)
        out.append(FillAreas(solid, bridge, sparse[i]))
    return out
