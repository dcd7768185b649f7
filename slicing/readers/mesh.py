"""Triangles -> indexed mesh: merge identical vertices with one hash and one sort.

`trimesh.Trimesh(process=True)` merges vertices too, but through several passes and caches
that cost seconds on a million triangles. Here a 64-bit hash of each vertex's exact bits is
sorted once (with the corner index packed in its low bits); a vectorised comparison then
proves each vertex's corners hold the same coordinates (corners that only shared a hash
prefix are split apart exactly with `np.unique(axis=0)`).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from slicing.readers.errors import DEFAULT_LIMITS, Limits, UnreadableFile, check_file_size, empty_file
from slicing.readers.stl import StlData, load_stl

if TYPE_CHECKING:
    import trimesh

MERGE_DIGITS = 8
OTHER_MESH_SUFFIXES = {".obj", ".3mf", ".ply", ".off", ".glb"}
_P = (np.uint64(0x9E3779B97F4A7C15), np.uint64(0xC2B2AE3D27D4EB4F), np.uint64(0x165667B19E3779F9))


CORNERS_PER_PASS = 1 << 16  # corners hashed per pass: the temporaries stay in cache


def _hash(words: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        h = words[:, 0] * _P[0]
        for k in range(1, words.shape[1]):
            h ^= words[:, k] * _P[k]
        h ^= h >> np.uint64(29)
    return h


def _rounded_and_hashed(triangles: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(flat (k, 3) rounded coordinates, (k,) uint64 hash of each corner's exact bits).

    Done a slice of corners at a time: a float32 corner is padded to 16 bytes so its bits
    are two uint64 words (no per-coordinate widening), rounded to 1e-8 (exporters write 0
    as -2.7e-16 beside 0.0) and -0.0 made +0.0 (one zero, one bit pattern).
    """
    corners = triangles.reshape(-1, 3)
    k = len(corners)
    if triangles.dtype != np.float32:
        flat = np.round(corners.astype(np.float64), MERGE_DIGITS) + 0.0
        return flat, _hash(flat.view(np.uint64))
    flat = np.empty((k, 3), dtype=np.float32)
    h = np.empty(k, dtype=np.uint64)
    padded = np.zeros((min(k, CORNERS_PER_PASS), 4), dtype=np.float32)
    for s in range(0, k, CORNERS_PER_PASS):
        part = padded[: min(CORNERS_PER_PASS, k - s)]
        part[:, :3] = corners[s: s + len(part)]
        np.round(part, MERGE_DIGITS, out=part)
        part += np.float32(0)
        flat[s: s + len(part)] = part[:, :3]
        h[s: s + len(part)] = _hash(part.view(np.uint64))
    return flat, h


def _split_collisions(triangles: np.ndarray, flat: np.ndarray, unique: np.ndarray, inverse: np.ndarray,
                      bad_groups: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Groups that mixed different vertices (their hashes only shared the sorted prefix) are
    re-grouped exactly, then every vertex is put in full-hash order, as when no prefix was
    shared; if two different vertices share the whole hash, lexicographic order (np.unique)."""
    bad = np.zeros(len(unique), dtype=bool)
    bad[bad_groups] = True
    rows = np.flatnonzero(bad[inverse])
    sub_unique, sub_inverse = np.unique(flat[rows], axis=0, return_inverse=True)
    keep = ~bad
    kept = int(keep.sum())
    remap = np.full(len(unique), -1, dtype=np.int64)
    remap[keep] = np.arange(kept)
    grouped = remap[inverse]
    grouped[rows] = kept + sub_inverse.ravel()
    corner_of = np.empty(kept + len(sub_unique), dtype=np.int64)
    corner_of[grouped] = np.arange(len(grouped))
    _, vertex_hash = _rounded_and_hashed(triangles.reshape(-1, 3)[corner_of].reshape(-1, 1, 3))
    order = np.argsort(vertex_hash)
    ordered = vertex_hash[order]
    if bool((ordered[1:] == ordered[:-1]).any()):
        exact, exact_inverse = np.unique(flat, axis=0, return_inverse=True)
        return exact, exact_inverse.ravel()
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return np.concatenate([unique[keep], sub_unique])[order], rank[grouped]


def merge_vertices(triangles: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(vertices (m, 3) float64, faces (n, 3) int64) from (n, 3, 3) triangles.

    Coordinates are rounded to 1e-8 first, as trimesh's merge does. Each corner's 64-bit
    hash has its low bits replaced by the corner's index, and that one array is sorted:
    numpy sorts plain integers several times faster than `argsort` orders them, and the
    index rides along. Equal prefixes make a vertex; the vertices come out in hash order.
    Every corner is then compared with its vertex's exact coordinates: corners whose hashes
    merely shared a prefix are split apart again, exactly.
    """
    flat, packed = _rounded_and_hashed(triangles)
    k = len(flat)
    bits = max(1, int(k - 1).bit_length())
    low = np.uint64((1 << bits) - 1)
    packed &= ~low
    packed |= np.arange(k, dtype=np.uint64)
    packed.sort()
    first = np.empty(k, dtype=bool)
    first[0] = True
    for s in range(1, k, CORNERS_PER_PASS):  # a new vertex where the hash prefix changes
        e = min(s + CORNERS_PER_PASS, k)
        np.greater(packed[s:e] ^ packed[s - 1: e - 1], low, out=first[s:e])
    packed &= low
    order = packed.view(np.int64)
    index = np.int32 if k < 2**31 else np.int64
    inverse = np.empty(k, dtype=index)
    inverse[order] = np.cumsum(first, dtype=index) - 1
    unique = flat.take(order.take(np.flatnonzero(first)), axis=0)
    del order, packed, first
    bad_groups = []
    # Rows compared as 12- or 24-byte blobs (one 1-D gather and compare, not three).
    unique_rows = unique.view(f"V{unique.itemsize * 3}").ravel()
    flat_rows = flat.view(f"V{flat.itemsize * 3}").ravel()
    for s in range(0, k, CORNERS_PER_PASS):
        part = inverse[s: s + CORNERS_PER_PASS]
        differ = unique_rows.take(part) != flat_rows[s: s + CORNERS_PER_PASS]
        if differ.any():
            bad_groups.append(part[differ])
    if bad_groups:
        unique, inverse = _split_collisions(triangles, flat, unique, inverse, np.unique(np.concatenate(bad_groups)))
    return unique.astype(np.float64), inverse.astype(np.int64).reshape(-1, 3)


def mesh_from_stl(data: StlData) -> trimesh.Trimesh:
    import trimesh  # imported when needed: it costs half a second, the analysis does not use it

    vertices, faces = merge_vertices(data.triangles)
    return trimesh.Trimesh(vertices=vertices, faces=faces, process=False, validate=False)


def load_other_mesh(path: Path, limits: Limits = DEFAULT_LIMITS) -> trimesh.Trimesh:
    """OBJ/3MF/PLY/OFF through trimesh (smaller files in practice), under the same limits."""
    import trimesh

    size = path.stat().st_size
    check_file_size(size, limits)
    if size == 0:
        raise empty_file()
    try:
        mesh = trimesh.load(path, force="mesh", process=False)
    except Exception as exc:  # trimesh raises many kinds on broken files
        raise UnreadableFile("mesh_unreadable", f"{type(exc).__name__}: {exc}",
                             suffix=path.suffix.upper().lstrip("."), name=type(exc).__name__) from exc
    if not isinstance(mesh, trimesh.Trimesh) or len(mesh.faces) == 0:
        raise UnreadableFile("mesh_no_triangles")
    if len(mesh.faces) > limits.max_triangles or not np.isfinite(mesh.vertices).all():
        raise UnreadableFile("mesh_invalid", triangles=len(mesh.faces), limit=limits.max_triangles)
    return mesh


def load_triangles(path: Path, limits: Limits = DEFAULT_LIMITS) -> StlData:
    """Triangles of any supported mesh file; STL takes the fast path."""
    if path.suffix.lower() in OTHER_MESH_SUFFIXES:
        mesh = load_other_mesh(path, limits)
        return StlData(np.asarray(mesh.triangles), ascii=False)
    return load_stl(path, limits)
