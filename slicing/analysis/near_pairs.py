"""Pairs of points closer than a radius, by a uniform grid: what `cKDTree.query_pairs` gives.

The thin-wall check needs the pairs among ~20,000 surface samples. A KD-tree does it, but
importing `scipy.spatial` costs more than the whole check (half a second of start-up for
every analysis process). Points here are binned in cells as wide as the radius; a pair can
only join a cell and one of its 13 "forward" neighbours (or the cell itself), so a sort of
the cell keys and a `searchsorted` per neighbour offset find every candidate, vectorised.
"""

from __future__ import annotations

import numpy as np

_OFFSETS = [(dx, dy, dz) for dx in (-1, 0, 1) for dy in (-1, 0, 1) for dz in (-1, 0, 1)
            if (dx, dy, dz) > (0, 0, 0)]  # the 13 neighbours "after" a cell, each pair of cells once


def near_pairs(points: np.ndarray, radius: float) -> np.ndarray:
    """(k, 2) int64 index pairs i < j with |points[i] - points[j]| <= radius, in no set order."""
    n = len(points)
    if n < 2 or not radius > 0:
        return np.empty((0, 2), dtype=np.int64)
    cell = np.floor((points - points.min(axis=0)) / radius).astype(np.int64)
    span = cell.max(axis=0) + 3  # one spare cell each side: neighbour keys never wrap
    key = ((cell[:, 0] + 1) * span[1] + cell[:, 1] + 1) * span[2] + cell[:, 2] + 1
    order = np.argsort(key, kind="stable")
    sorted_key = key[order]
    found = []
    for dx, dy, dz in [(0, 0, 0), *_OFFSETS]:
        target = sorted_key + (dx * span[1] + dy) * span[2] + dz
        lo = np.searchsorted(sorted_key, target, side="left")
        hi = np.searchsorted(sorted_key, target, side="right")
        if (dx, dy, dz) == (0, 0, 0):
            lo = np.arange(n) + 1  # same cell: only the points after this one
        counts = np.maximum(hi - lo, 0)
        total = int(counts.sum())
        if total == 0:
            continue
        first = np.repeat(np.arange(n), counts)
        second = np.repeat(lo - np.cumsum(counts) + counts, counts) + np.arange(total)
        i, j = order[first], order[second]
        d = points[i] - points[j]
        close = np.einsum("ij,ij->i", d, d) <= radius * radius
        found.append(np.column_stack([i[close], j[close]]))
    if not found:
        return np.empty((0, 2), dtype=np.int64)
    pairs = np.concatenate(found)
    return np.sort(pairs, axis=1)
