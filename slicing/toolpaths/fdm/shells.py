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

from slicing.toolpaths.fdm.geos_threads import vmap
from slicing.toolpaths.fdm.layers import check_deadline
from slicing.toolpaths.fdm.settings import EXTERNAL_INFILL_MARGIN_MM, FdmSettings

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


def window_intersections(geoms: Sequence, before: int, after: int) -> list:
    """For every i, the intersection of geoms[i - before .. i + after] (clipped to the list).

    Sliding-window intersections from per-block prefix and suffix intersections (van Herk /
    Gil-Werman): about three GEOS intersections per layer instead of one per layer of the window.
    """
    geoms = np.asarray(geoms, dtype=object)
    n = len(geoms)
    width = before + after + 1
    starts = np.arange(0, n, width)
    ends = np.minimum(starts + width, n) - 1
    prefix, suffix = geoms.copy(), geoms.copy()
    for t in range(1, width):  # step t of every block at once
        k = starts + t
        k = k[k <= ends]
        if len(k):
            prefix[k] = vmap(shapely.intersection, prefix[k - 1], geoms[k])
        k = ends - t
        k = k[k >= starts]
        if len(k):
            suffix[k] = vmap(shapely.intersection, suffix[k + 1], geoms[k])
    i = np.arange(n)
    a, b = np.maximum(0, i - before), np.minimum(n - 1, i + after)
    out = np.empty(n, dtype=object)
    across = a // width != b // width
    if across.any():
        out[across] = vmap(shapely.intersection, suffix[a[across]], prefix[b[across]])
    for k in np.nonzero(~across)[0].tolist():
        if a[k] % width == 0:
            out[k] = prefix[b[k]]
        elif b[k] % width == width - 1 or b[k] == n - 1:
            out[k] = suffix[a[k]]
        else:
            out[k] = shapely.intersection_all(list(geoms[a[k] : b[k] + 1]))
    return list(out)


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
        ok = shapely.is_empty(internal[rows]) | vmap(shapely.contains, regions[rows + d], internal[rows])
        for i in rows[~ok].tolist():
            misses[i].append(i + d)
    out = np.full(n, EMPTY, dtype=object)
    if sum(1 for m in misses if m) > n // 2:
        covered = np.asarray(window_intersections(list(regions), before, after), dtype=object)
        rows = np.asarray([i for i in range(n) if misses[i]], dtype=np.int64)
        out[rows] = areal(vmap(shapely.difference, internal[rows], covered[rows]))
        return out
    rows = np.asarray([i for i in range(n) if misses[i]], dtype=np.int64)
    if len(rows):
        cover = np.empty(len(rows), dtype=object)
        cover[:] = [regions[ks[0]] if len(ks) == 1 else shapely.intersection_all(regions[ks])
                    for ks in (misses[i] for i in rows.tolist())]
        out[rows] = areal(vmap(shapely.difference, internal[rows], cover))
    return out


def _grown(cores: np.ndarray, neighbours: np.ndarray, sliver: float) -> np.ndarray:
    """The part of each infill area its neighbour layer does not cover (its top or bottom
    surface there), slivers under 2 x `sliver` wide dropped, grown EXTERNAL_INFILL_MARGIN_MM
    into the infill area (the opening's growth and the margin's in one buffer)."""
    exposed = areal(vmap(shapely.difference, cores, neighbours))
    shrunk = areal(vmap(shapely.buffer, exposed, -sliver, join_style="mitre"))
    out = np.full(len(cores), EMPTY, dtype=object)
    some = np.nonzero(~shapely.is_empty(shrunk))[0]
    if len(some):
        grown = vmap(shapely.buffer, shrunk[some], EXTERNAL_INFILL_MARGIN_MM + sliver, join_style="mitre", mitre_limit=1.0)
        out[some] = areal(vmap(shapely.intersection, grown, cores[some]))
    return out


def _opened(geoms: np.ndarray, d: float) -> np.ndarray:
    """Each of `geoms` without its parts narrower than 2 x d (a morphological opening, mitred);
    empty stays empty. All at once, GEOS in threads."""
    out = geoms.copy()
    some = np.nonzero(~shapely.is_empty(geoms))[0]
    if len(some):
        shrunk = vmap(shapely.buffer, geoms[some], -d, quad_segs=16, join_style="mitre")
        out[some] = areal(vmap(shapely.buffer, shrunk, d, quad_segs=16, join_style="mitre"))
    return out


def _union_each(*columns: np.ndarray) -> np.ndarray:
    """_union of each row of `columns` (arrays of one length): the row's non-empty geometries,
    none (EMPTY), the one as it is, or union_all of them in order, GEOS in threads."""
    grid = np.stack([np.asarray(c, dtype=object) for c in columns], axis=1)
    grid[shapely.is_missing(grid) | shapely.is_empty(grid)] = None
    count = (~shapely.is_missing(grid)).sum(axis=1)
    out = np.full(len(grid), EMPTY, dtype=object)
    one = np.nonzero(count == 1)[0]
    if len(one):
        out[one] = grid[one, np.argmax(~shapely.is_missing(grid[one]), axis=1)]
    many = np.nonzero(count > 1)[0]
    if len(many):
        out[many] = vmap(shapely.union_all, grid[many], axis=1)
    return out


def _where(mask: np.ndarray, fn, *arrays: np.ndarray, **kwargs) -> np.ndarray:
    """fn(*arrays) where mask is set (areal), the first array elsewhere."""
    out = arrays[0].copy()
    rows = np.nonzero(mask)[0]
    if len(rows):
        out[rows] = areal(vmap(fn, *(a[rows] for a in arrays), **kwargs))
    return out


def _shells(internal: np.ndarray, regions: np.ndarray, grown_t: np.ndarray, grown_b: np.ndarray,
            s: FdmSettings, sliver: float) -> np.ndarray:
    """Horizontal shells: what some layer within reach above or below does not cover (the top
    and bottom surfaces carried down and up, walls included), and the grown parts; a shell
    narrower than `wide` grown by it (discover_horizontal_shells: "require at least this size")."""
    n = len(internal)
    carried_open = uncovered(internal, regions, s.bottom_layers, s.top_layers)
    wide = 3.0 * s.width
    solid = internal.copy()  # the bottom and top layers are solid where they have infill
    solid[shapely.is_empty(internal)] = EMPTY
    mid = np.arange(s.bottom_layers, max(s.bottom_layers, n - s.top_layers))
    mid = mid[~shapely.is_empty(internal[mid])]
    if not len(mid):
        return solid
    cols = [_opened(carried_open[mid], sliver)]
    cols += [np.where((mid + k) < n, grown_t[np.minimum(mid + k, n - 1)], EMPTY) for k in range(1, s.top_layers)]
    cols += [np.where((mid - k) >= 0, grown_b[np.maximum(mid - k, 0)], EMPTY) for k in range(s.bottom_layers - 1, 0, -1)]
    reach = _union_each(*cols)
    inside = internal[mid]
    new = np.full(len(mid), EMPTY, dtype=object)
    has = ~shapely.is_empty(reach)
    new[has] = areal(vmap(shapely.intersection, reach[has], inside[has]))
    has = ~shapely.is_empty(new)
    narrow = _where(has, shapely.difference, new, _opened(new, wide))
    narrow[~has] = EMPTY
    grow = ~shapely.is_empty(narrow) & (shapely.area(narrow) > 1e-6)
    if grow.any():
        simple = vmap(shapely.simplify, narrow[grow], SHELL_SIMPLIFY_MM)
        grown = areal(vmap(shapely.intersection, vmap(shapely.buffer, simple, wide, quad_segs=16, join_style="mitre"),
                           inside[grow]))
        new[grow] = areal(vmap(shapely.union, new[grow], grown))
    solid[mid] = new
    return solid


def _small_islands(sparse: np.ndarray, solid_int: np.ndarray, small_area: float) -> None:
    """Sparse islands under `small_area` made solid (solid_infill_below_area), in place."""
    parts, row = shapely.get_parts(sparse, return_index=True)
    small = (shapely.get_type_id(parts) == 3) & ~shapely.is_empty(parts) & (shapely.area(parts) < small_area)
    if not small.any():
        return
    parts, row = parts[small], row[small]
    rows, first, count = np.unique(row, return_index=True, return_counts=True)
    extra = parts[first].copy()
    for k in np.nonzero(count > 1)[0].tolist():
        extra[k] = shapely.union_all(list(parts[first[k] : first[k] + count[k]]))
    solid_int[rows] = _union_each(solid_int[rows], extra)
    sparse[rows] = areal(vmap(shapely.difference, sparse[rows], extra))


def _bridges(solid_int: np.ndarray, sparse: np.ndarray, grown_t: np.ndarray, grown_b: np.ndarray,
             s: FdmSettings) -> tuple[np.ndarray, np.ndarray]:
    """Solid resting on sparse infill in both layers below is bridged (bridge_over_infill);
    bottoms above the first layer are bridges. The solid and the bridge areas of every layer."""
    n = len(solid_int)
    bridge = grown_b.copy()
    inner = solid_int.copy()
    if n:
        bridge[0] = EMPTY
    rows = np.arange(1, n)
    if s.infill < 1.0 and len(rows):
        rows = rows[~shapely.is_empty(inner[rows])]
        over = inner[rows]
        for back in (2, 1):  # the layer two below first, as in print order
            ok = (rows - back >= 0) & ~shapely.is_empty(over)
            over = _where(ok, shapely.intersection, over, sparse[np.maximum(rows - back, 0)])
        has = ~shapely.is_empty(over)
        if has.any():
            opened = _opened(over[has], 3.0 * s.nozzle)
            over[has] = areal(vmap(shapely.intersection, opened, inner[rows[has]]))
        has = ~shapely.is_empty(over)
        rows, over = rows[has], over[has]
        if len(rows):
            bridge[rows] = _union_each(bridge[rows], over)
            inner[rows] = areal(vmap(shapely.difference, inner[rows], over))
    first = np.where(np.arange(n) == 0, grown_b, EMPTY) if n else grown_b
    solid = _union_each(inner, grown_t, first)
    has = ~shapely.is_empty(bridge)
    solid = _where(has, shapely.difference, solid, bridge)
    return solid, bridge


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
    grown_t = areal(vmap(shapely.difference, _grown(cores_a, above, sliver), grown_b))
    internal = areal(vmap(shapely.difference, cores_a, areal(vmap(shapely.union, grown_t, grown_b))))
    check_deadline(deadline)
    solid_int = _shells(internal, regions_a, grown_t, grown_b, s, sliver)
    check_deadline(deadline)
    sparse = areal(vmap(shapely.difference, internal, solid_int))
    _small_islands(sparse, solid_int, s.solid_below_area)
    check_deadline(deadline)
    solid, bridge = _bridges(solid_int, sparse, grown_t, grown_b, s)
    return [FillAreas(solid[i], bridge[i], sparse[i]) for i in range(n)]
