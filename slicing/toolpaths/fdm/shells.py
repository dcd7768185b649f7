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
SHELL_SIMPLIFY_MM = 0.01  # narrow shells simplified this much before they are grown (GEOS time goes with vertices)


@dataclass
class FillAreas:
    solid: object  # shapely areas
    bridge: object
    sparse: object


def areal(geoms):
    """Only the areas of GEOS results (an overlay of touching areas also returns their shared
    edges and points, which a later overlay cannot mix with areas); arrays kept as arrays."""
    if not isinstance(geoms, np.ndarray):
        return _areal_one(geoms)
    mixed = np.nonzero(shapely.get_type_id(geoms) == 7)[0]  # GeometryCollection
    if len(mixed):
        geoms = geoms.copy()
        for k in mixed.tolist():
            geoms[k] = _areal_one(geoms[k])
    return geoms


def _areal_one(g):
    if g.geom_type != "GeometryCollection":
        return g
    polys = [q for q in shapely.get_parts(g) if isinstance(q, Polygon) and not q.is_empty]
    return EMPTY if not polys else polys[0] if len(polys) == 1 else shapely.union_all(polys)


def _open(g, d: float):
    """`g` without its parts narrower than 2 x d (a morphological opening, mitred)."""
    return areal(g.buffer(-d, join_style="mitre").buffer(d, join_style="mitre"))


def _union(parts: Sequence) -> object:
    parts = [p for p in parts if p is not None and not p.is_empty]
    if not parts:
        return EMPTY
    return parts[0] if len(parts) == 1 else shapely.union_all(parts)


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


def uncovered(internal: np.ndarray, regions: np.ndarray, before: int, after: int) -> np.ndarray:
    """For every layer i, the part of internal[i] outside some region i - before .. i + after
    (clipped to the list): the top and bottom surfaces carried there.

    Most layers of a mechanical part lie wholly inside their neighbours: a prepared
    containment test per neighbour (vectorised) clears them, and only the layers it does not
    clear get overlays; when most layers need them (organic shapes), the sliding-window
    intersections cost fewer overlays.
    """
    n = len(regions)
    shapely.prepare(regions)
    misses: list[list[int]] = [[] for _ in range(n)]
    for d in (*range(-before, 0), *range(1, after + 1)):
        rows = np.arange(max(0, -d), min(n, n - d))
        if not len(rows):
            continue
        ok = shapely.is_empty(internal[rows]) | shapely.contains(regions[rows + d], internal[rows])
        for i in rows[~ok].tolist():
            misses[i].append(i + d)
    out = np.full(n, EMPTY, dtype=object)
    if sum(1 for m in misses if m) > n // 2:
        covered = np.asarray(window_intersections(list(regions), before, after), dtype=object)
        rows = np.asarray([i for i in range(n) if misses[i]], dtype=np.int64)
        out[rows] = areal(shapely.difference(internal[rows], covered[rows]))
        return out
    for i, ks in enumerate(misses):
        if ks:
            cover = regions[ks[0]] if len(ks) == 1 else shapely.intersection_all(regions[ks])
            out[i] = areal(shapely.difference(internal[i], cover))
    return out


def _grown(cores: np.ndarray, neighbours: np.ndarray, sliver: float) -> np.ndarray:
    """The part of each infill area its neighbour layer does not cover (its top or bottom
    surface there), slivers under 2 x `sliver` wide dropped, grown EXTERNAL_INFILL_MARGIN_MM
    into the infill area (the opening's growth and the margin's in one buffer)."""
    exposed = areal(shapely.difference(cores, neighbours))
    shrunk = areal(shapely.buffer(exposed, -sliver, join_style="mitre"))
    out = np.full(len(cores), EMPTY, dtype=object)
    some = np.nonzero(~shapely.is_empty(shrunk))[0]
    if len(some):
        grown = shapely.buffer(shrunk[some], EXTERNAL_INFILL_MARGIN_MM + sliver, join_style="mitre", mitre_limit=1.0)
        out[some] = areal(shapely.intersection(grown, cores[some]))
    return out


def fill_areas(regions: Sequence, cores: Sequence, s: FdmSettings, deadline: float | None = None) -> list[FillAreas]:
    n = len(regions)
    if n == 0:
        return []
    regions_a = np.asarray(regions, dtype=object)
    cores_a = np.asarray(cores, dtype=object)
    sliver = s.width / 20  # detect_surfaces_type's opening: a tenth of a line
    # Top and bottom surfaces in the infill area, grown 3 mm; bottoms win over tops.
    above = np.append(regions_a[1:], EMPTY)
    below = np.insert(regions_a[:-1], 0, EMPTY)
    grown_b = _grown(cores_a, below, sliver)
    grown_t = areal(shapely.difference(_grown(cores_a, above, sliver), grown_b))
    internal = areal(shapely.difference(cores_a, areal(shapely.union(grown_t, grown_b))))
    # Horizontal shells: what some layer within reach above or below does not cover (the
    # top and bottom surfaces carried down and up, walls included), and the grown parts.
    carried_open = uncovered(internal, regions_a, s.bottom_layers, s.top_layers)
    wide = 3.0 * s.width  # discover_horizontal_shells: "require at least this size"
    solid_int = np.empty(n, dtype=object)
    for i in range(n):
        check_deadline(deadline)
        if internal[i].is_empty:
            solid_int[i] = EMPTY
            continue
        if i < s.bottom_layers or i >= n - s.top_layers:
            solid_int[i] = internal[i]
            continue
        carried = [grown_t[j] for j in range(i + 1, min(n, i + s.top_layers))]
        carried += [grown_b[j] for j in range(max(0, i - s.bottom_layers + 1), i)]
        open_ = carried_open[i]
        if not open_.is_empty:
            open_ = _open(open_, sliver)
        reach = _union([open_] + [g for g in carried if not g.is_empty])
        new = areal(shapely.intersection(reach, internal[i])) if not reach.is_empty else EMPTY
        if not new.is_empty:
            narrow = areal(new.difference(_open(new, wide)))
            if not narrow.is_empty and narrow.area > 1e-6:
                grown = narrow.simplify(SHELL_SIMPLIFY_MM).buffer(wide, join_style="mitre")
                new = areal(new.union(areal(grown.intersection(internal[i]))))
        solid_int[i] = new
    sparse = areal(shapely.difference(internal, solid_int))
    small_area = s.solid_below_area
    for i in range(n):
        small = [p for p in polygons_of(sparse[i]) if p.area < small_area]
        if small:
            extra = _union(small)
            solid_int[i] = _union([solid_int[i], extra])
            sparse[i] = areal(sparse[i].difference(extra))
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
                over = areal(over.intersection(g)) if not over.is_empty else over
            if not over.is_empty:
                over = areal(_open(over, bridge_w).intersection(inner))
            if not over.is_empty:
                bridge = _union([bridge, over])
                inner = areal(inner.difference(over))
        solid = _union([inner, grown_t[i], grown_b[i] if i == 0 else EMPTY])
        if not bridge.is_empty:
            solid = areal(solid.difference(bridge))
        out.append(FillAreas(solid, bridge, sparse[i]))
    return out
