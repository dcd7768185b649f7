"""All the layers' outlines of a closed mesh at once: triangle-plane cuts in numpy, loops chained
through the mesh's edges, rings built and simplified by GEOS in vectorised calls.

A cut segment runs from the crossing on one triangle edge to the crossing on another; on a
watertight, consistently wound mesh every crossing is shared by exactly two triangles, one
leaving it and one arriving, so following the edge ids closes every loop in order and the
winding tells outlines (anticlockwise) from holes. Meshes that are not closed that way go
through layers.section_region, one plane at a time (trimesh cuts, shapely line merging).
"""

from __future__ import annotations

import math

import numpy as np
import shapely
import trimesh
from shapely.geometry import Polygon

from slicing.toolpaths.fdm.geos_threads import vmap

STRAIGHT_MM = 1e-12  # a point this close to the line through its neighbours adds nothing (float noise)


def _cycles(nxt: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For a permutation made of cycles: each element's cycle label (its smallest member) and
    its rank from that member, by pointer jumping (log2 of the longest loop numpy passes)."""
    m = len(nxt)
    idx = np.arange(m)
    label, step = idx.copy(), nxt.copy()
    for _ in range(math.ceil(math.log2(max(m, 2))) + 1):
        label = np.minimum(label, label[step])
        step = step[step]
    head = label == idx
    prev = np.empty(m, dtype=np.int64)
    prev[nxt] = idx
    ptr = np.where(head, idx, prev)
    rank = (~head).astype(np.int64)
    while not head[ptr].all():
        rank = rank + rank[ptr]
        ptr = ptr[ptr]
    return label, rank


def _crossings(mesh: trimesh.Trimesh, planes: np.ndarray):
    """Every (triangle, plane) cut: plane index, the edge it enters by and leaves by, and the
    entry point. A vertex on a plane counts as above it, so no cut is degenerate."""
    v, f = mesh.vertices, mesh.faces
    z = v[:, 2][f]
    lo = np.searchsorted(planes, z.min(axis=1), side="right")
    hi = np.searchsorted(planes, z.max(axis=1), side="right")
    count = np.maximum(hi - lo, 0)
    tri = np.repeat(np.arange(len(f)), count)
    plane = lo[tri] + (np.arange(len(tri)) - np.repeat(np.cumsum(count) - count, count))
    height = planes[plane]
    above = z[tri] >= height[:, None]
    nxt_above = np.roll(above, -1, axis=1)
    k_in = np.argmax(above & ~nxt_above, axis=1)  # edge k runs from corner k to corner k + 1
    k_out = np.argmax(~above & nxt_above, axis=1)
    edges = mesh.faces_unique_edges[tri]
    rows = np.arange(len(tri))
    a = v[f[tri, k_in]]
    b = v[f[tri, (k_in + 1) % 3]]
    t = (height - a[:, 2]) / (b[:, 2] - a[:, 2])
    point = a[:, :2] + t[:, None] * (b[:, :2] - a[:, :2])
    return plane, edges[rows, k_in], edges[rows, k_out], point


def _assemble(shells: list, holes: list):
    """One layer's region from its anticlockwise outlines and clockwise holes: each hole goes
    into the smallest outline around it (an island inside a hole is an outline of its own)."""
    if not holes:
        return shells[0] if len(shells) == 1 else shapely.union_all(shells)
    if not shells:
        return Polygon()
    shell_arr = np.asarray(shells, dtype=object)
    points = shapely.point_on_surface(np.asarray(holes, dtype=object))
    inside = shapely.contains(shell_arr[:, None], points[None, :])
    areas = np.where(inside, shapely.area(shell_arr)[:, None], np.inf)
    owner = np.argmin(areas, axis=0)
    parts = []
    for i, shell in enumerate(shells):
        mine = [holes[j].exterior for j in np.nonzero((owner == i) & inside[owner, np.arange(len(holes))])[0]]
        parts.append(Polygon(shell.exterior, mine) if mine else shell)
    return parts[0] if len(parts) == 1 else shapely.union_all(parts)


def fast_regions(mesh: trimesh.Trimesh, planes: np.ndarray, tolerance: float) -> list | None:
    """The region of every plane (simplified by `tolerance`), or None when the mesh is not
    closed and consistently wound (the caller cuts it plane by plane instead)."""
    if not (mesh.is_watertight and mesh.is_winding_consistent) or len(planes) == 0:
        return None
    plane, e_in, e_out, point = _crossings(mesh, np.asarray(planes, dtype=float))
    if len(plane) == 0:
        return [Polygon() for _ in planes]
    n_edges = len(mesh.edges_unique)
    start = plane.astype(np.int64) * n_edges + e_in
    end = plane.astype(np.int64) * n_edges + e_out
    by_start = np.argsort(start)
    sorted_start = start[by_start]
    pos = np.searchsorted(sorted_start, end)
    if (pos >= len(start)).any() or not np.array_equal(sorted_start[np.minimum(pos, len(start) - 1)], end):
        return None
    if (sorted_start[1:] == sorted_start[:-1]).any():  # a crossing entered twice
        return None
    label, rank = _cycles(by_start[pos])
    order = np.lexsort((rank, label))
    ring = np.cumsum(np.r_[True, label[order][1:] != label[order][:-1]]) - 1
    counts = np.bincount(ring)
    pts = point[order]
    keep = counts[ring] >= 3
    pts, ring, ring_plane = pts[keep], ring[keep], plane[order][keep]
    if len(pts) == 0:
        return [Polygon() for _ in planes]
    ring = np.cumsum(np.r_[0, np.diff(ring) != 0])  # rings numbered again from 0 (ring is sorted)
    first = np.r_[0, np.nonzero(np.diff(ring))[0] + 1]
    layer_of = ring_plane[first]
    # Signed area (shoelace) of each ring: anticlockwise outlines are positive, as the mesh's
    # outward winding makes them.
    nxt_pts = np.roll(pts, -1, axis=0)
    last = np.r_[first[1:], len(pts)] - 1
    nxt_pts[last] = pts[first]
    cross = pts[:, 0] * nxt_pts[:, 1] - nxt_pts[:, 0] * pts[:, 1]
    signed = np.add.reduceat(cross, first) / 2
    pts, ring = _without_straight_points(pts, ring, first, last)
    polys = shapely.polygons(shapely.linearrings(pts, indices=ring))
    polys = vmap(shapely.simplify, polys, tolerance)
    valid = vmap(shapely.is_valid, polys)
    if not valid.all():
        polys[~valid] = shapely.make_valid(polys[~valid])
    regions = np.empty(len(planes), dtype=object)
    regions[:] = [Polygon()] * len(planes)
    by_layer = np.argsort(layer_of, kind="stable")  # each layer's rings together, in their order
    layers, at = np.unique(layer_of[by_layer], return_index=True)
    for k, a, b in zip(layers.tolist(), at.tolist(), [*at[1:].tolist(), len(layer_of)], strict=True):
        mine = by_layer[a:b].tolist()
        shells = [p for j in mine if signed[j] > 0 for p in _polys(polys[j])]
        holes = [p for j in mine if signed[j] < 0 for p in _polys(polys[j])]
        regions[k] = _assemble(shells, holes)
    bad = np.nonzero(~vmap(shapely.is_valid, regions))[0]
    if len(bad):
        regions[bad] = shapely.make_valid(regions[bad])
    return list(regions)


def _without_straight_points(pts: np.ndarray, ring: np.ndarray, first: np.ndarray, last: np.ndarray):
    """The rings without the points that lie on the straight line between their neighbours
    (within STRAIGHT_MM, and between them): a flat face cut by many triangles' edges gives one
    such point per edge (15 in 16 of a CAD part's points), which the simplification would drop
    after examining them, at its own cost (topology-preserving simplify is GEOS's slowest step
    here). A ring's first point stays (the simplification keeps where a ring starts), and a ring
    left with fewer than three points keeps all of them."""
    prev = np.arange(-1, len(pts) - 1)
    prev[first] = last
    nxt = np.arange(1, len(pts) + 1)
    nxt[last] = first
    x, y = pts[:, 0], pts[:, 1]
    apx, apy = x - x[prev], y - y[prev]
    pbx, pby = x[nxt] - x, y[nxt] - y
    abx, aby = apx + pbx, apy + pby
    off = np.abs(abx * apy - aby * apx)  # |ab| x distance of the point to ab
    straight = (off <= STRAIGHT_MM * np.hypot(abx, aby)) & (apx * pbx + apy * pby > 0)
    straight[first] = False
    if not straight.any():
        return pts, ring
    kept = np.bincount(ring, weights=~straight, minlength=len(first))
    straight &= kept[ring] >= 3
    return pts[~straight], ring[~straight]


def _polys(geom) -> list:
    if isinstance(geom, Polygon):
        return [] if geom.is_empty else [geom]
    return [g for g in getattr(geom, "geoms", []) if isinstance(g, Polygon) and not g.is_empty]
