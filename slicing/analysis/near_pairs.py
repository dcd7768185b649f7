"""Pairs of points closer than a radius, by a uniform grid: what `cKDTree.query_pairs` gives.

The thin-wall check needs the pairs among ~20,000 surface samples. A KD-tree does it, but
importing `scipy.spatial` costs more than the whole check (half a second of start-up for
every analysis process). Points here are binned in cells as wide as the radius; a pair can
only join a cell and one of its 13 "forward" neighbours (or the cell itself), so a sort of
the cell keys and a `searchsorted` per neighbour offset find every candidate, vectorised.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from slicing import meshkernel

CANDIDATES_PER_PASS = 1 << 17  # candidate pairs looked at per pass: ~12 MB of temporaries, with the caller's keep()
_OFFSETS = [(dx, dy, dz) for dx in (-1, 0, 1) for dy in (-1, 0, 1) for dz in (-1, 0, 1)
            if (dx, dy, dz) > (0, 0, 0)]  # the 13 neighbours "after" a cell, each pair of cells once


@dataclass(frozen=True)
class Facing:
    """A `keep` for the thin-wall check, known to the compiled pass (which then applies it as it
    finds the pairs, instead of handing every close pair back): two samples whose faces face
    each other, as the two sides of a wall do. `normal`: the samples' unit normals as three
    columns; `faces`: each sample's face; `mesh_faces`: the mesh's (n, 3) vertices, or None."""

    normal: tuple[np.ndarray, np.ndarray, np.ndarray]
    faces: np.ndarray
    mesh_faces: np.ndarray | None

    def __call__(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        # Walls face each other within 30° of parallel; faces that share a vertex make a wedge
        # (the tip of any sharp corner is thin), not a wall. Both tests are symmetric: they run
        # on each pair once (as near_pairs finds them), and the pairs kept are then looked at both ways.
        na, nb = tuple(col.take(a) for col in self.normal), tuple(col.take(b) for col in self.normal)
        dot = (na[0] * nb[0] + na[2] * nb[2]) + na[1] * nb[1]  # summed as thin_walls._dot sums
        opposing = (dot < -0.85) & (self.faces[a] != self.faces[b])
        if self.mesh_faces is not None and opposing.any():  # only for the facing pairs: most pairs are not
            fa, fb = self.mesh_faces[self.faces[a[opposing]]], self.mesh_faces[self.faces[b[opposing]]]
            opposing[opposing] = ~(fa[:, :, None] == fb[:, None, :]).any(axis=(1, 2))
        return opposing


def near_pairs(points: np.ndarray, radius: float,
               keep: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None) -> np.ndarray:
    """(k, 2) int64 index pairs i < j with |points[i] - points[j]| <= radius, in no set order.

    `keep(i, j)` (index arrays, a boolean mask back) drops pairs the caller has no use for as
    they are found: on a rough surface most close pairs are not, and collecting them all first
    cost more than finding them. The points are put in cell order once, as three columns, so
    each candidate costs 1-D gathers only.
    """
    n = len(points)
    if n < 2 or not radius > 0:
        return np.empty((0, 2), dtype=np.int64)
    cell = np.floor((points - points.min(axis=0)) / radius).astype(np.int64)
    span = cell.max(axis=0) + 3  # one spare cell each side: neighbour keys never wrap
    key = ((cell[:, 0] + 1) * span[1] + cell[:, 1] + 1) * span[2] + cell[:, 2] + 1
    order = np.argsort(key, kind="stable")
    sorted_key = key[order]
    columns = [np.ascontiguousarray(points[order, k], dtype=np.float64) for k in range(3)]
    offsets = [(dx * span[1] + dy) * span[2] + dz for dx, dy, dz in [(0, 0, 0), *_OFFSETS]]
    facing = (order, *keep.normal, keep.faces, keep.mesh_faces) if isinstance(keep, Facing) else None
    fast = meshkernel.close_pairs(sorted_key, columns, np.array(offsets), radius, facing)
    if fast is not None:  # the compiled pass: the same pairs in the same order (a Facing applied there)
        found = _kept(order, *fast, None if facing is not None else keep)
    else:
        found = _found(sorted_key, order, columns, offsets, radius, keep)
    if not found:
        return np.empty((0, 2), dtype=np.int64)
    i, j = np.concatenate([f[0] for f in found]), np.concatenate([f[1] for f in found])
    return np.column_stack([np.minimum(i, j), np.maximum(i, j)])


def _kept(order: np.ndarray, first: np.ndarray, second: np.ndarray,
          keep: Callable[[np.ndarray, np.ndarray], np.ndarray] | None) -> list[tuple[np.ndarray, np.ndarray]]:
    """The compiled pass's close pairs (positions in cell order) as point indices, filtered by
    `keep` a block at a time, as the numpy pass filters its own."""
    found = []
    for s in range(0, len(first), CANDIDATES_PER_PASS):
        i, j = order.take(first[s: s + CANDIDATES_PER_PASS]), order.take(second[s: s + CANDIDATES_PER_PASS])
        if keep is not None:
            wanted = keep(i, j)
            i, j = i[wanted], j[wanted]
        found.append((i, j))
    return found


def _found(sorted_key: np.ndarray, order: np.ndarray, columns: list[np.ndarray], offsets: list[int], radius: float,
           keep: Callable[[np.ndarray, np.ndarray], np.ndarray] | None) -> list[tuple[np.ndarray, np.ndarray]]:
    """The close pairs, found in numpy: for each neighbouring cell's key offset, a `searchsorted`
    gives each point's candidates there, a block of points at a time."""
    n = len(sorted_key)
    found = []
    for delta in offsets:
        target = sorted_key + delta
        lo = np.searchsorted(sorted_key, target, side="left")
        hi = np.searchsorted(sorted_key, target, side="right")
        if delta == 0:
            lo = np.arange(n) + 1  # same cell: only the points after this one
        counts = np.maximum(hi - lo, 0)
        ends = np.cumsum(counts)
        if int(ends[-1]) == 0:
            continue
        # The candidates of a block of points at a time: a rough surface gives millions per
        # offset, and their temporaries would be the analysis's largest arrays.
        cuts = np.searchsorted(ends, np.arange(CANDIDATES_PER_PASS, int(ends[-1]), CANDIDATES_PER_PASS))
        for p0, p1 in zip(np.r_[0, cuts + 1], np.r_[cuts + 1, n], strict=True):
            c = counts[p0:p1]
            total = int(c.sum())
            if total == 0:
                continue
            first = np.repeat(np.arange(p0, p1), c)  # positions in cell order
            second = np.repeat(lo[p0:p1] - np.cumsum(c) + c, c) + np.arange(total)
            d2 = np.zeros(total)
            for col in columns:
                d = col.take(first) - col.take(second)
                d *= d
                d2 += d
            close = d2 <= radius * radius
            i, j = order.take(first[close]), order.take(second[close])
            if keep is not None:
                wanted = keep(i, j)
                i, j = i[wanted], j[wanted]
            found.append((i, j))
    return found
