"""Vertex welding: STL corners -> indexed vertices, exact, in a few linear numpy passes.

Why not trimesh's `merge_vertices` (or `np.unique(axis=0)`): both order the corners as rows
(a lexsort of three float keys) and keep several full-size temporaries; on a 1.3 M-triangle
file that alone took seconds and hundreds of MB, where `admesh` reads and checks the whole
file in under one. Here each corner's 12 bytes are hashed to 64 bits, the corner's index is
packed into the hash's low bits and that one plain integer array is sorted (numpy sorts
integers with SIMD, several times faster than any argsort), so equal prefixes make a vertex
and the index rides along. Every corner is then compared with its vertex's exact bits:
corners that merely shared a hash prefix are split apart again exactly (`_split_collisions`).

Coordinates are rounded to 1e-8 first, as trimesh's merge does (`np.round` in the corners'
own dtype: exporters write 0 as -2.7e-16 beside 0.0), and -0.0 is made +0.0. Vertices are
numbered in file order; their hash order fixes the numbering of edges and bodies in the reports.

Where it is built, the compiled pass (slicing/meshkernel.py) does the same welding in one
linear pass with a hash table, with the same results; this numpy pass is its reference and
the fallback.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

import numpy as np

from slicing import meshkernel

MERGE_DIGITS = 8
CORNERS_PER_PASS = 1 << 16  # corners per chunk: each chunk's temporaries stay in cache
_P = (np.uint64(0x9E3779B97F4A7C15), np.uint64(0xC2B2AE3D27D4EB4F), np.uint64(0x165667B19E3779F9))


def _hash(words: tuple[np.ndarray, ...]) -> np.ndarray:
    """(k,) uint64 from columns of (k,) uint64 words: multiply-xor, then fold the high bits down."""
    with np.errstate(over="ignore"):
        h = words[0] * _P[0]
        for k in range(1, len(words)):
            h ^= words[k] * _P[k]
        h ^= h >> np.uint64(29)
    return h


def _rounded(part: np.ndarray) -> np.ndarray:
    """A chunk of (k, 3) corners rounded to 1e-8 in their own dtype (float32 stays float32),
    -0.0 made 0.0: (k, 3) contiguous."""
    out = np.round(part if part.dtype == np.float32 else part.astype(np.float64), MERGE_DIGITS)
    out += out.dtype.type(0)
    return out


def _words(rounded: np.ndarray) -> tuple[np.ndarray, ...]:
    """A corner's bits as uint64 words, no copy of the rows: float32 x|y<<32 read in place
    (a 12-byte stride) and z widened; float64 its three coordinates. (The same words as the
    corner padded to 16 bytes, without writing the padded copy.)"""
    if rounded.dtype == np.float32:
        xy = np.ndarray(shape=(len(rounded),), dtype=np.uint64, buffer=rounded, strides=(12,))
        return xy, rounded[:, 2].view(np.uint32).astype(np.uint64)
    bits = rounded.view(np.uint64)
    return bits[:, 0], bits[:, 1], bits[:, 2]


def _bit_columns(rounded: np.ndarray) -> tuple[np.ndarray, ...]:
    """A row's bits as columns, views without a copy: float32 x|y as uint64 and z as uint32,
    float64 three uint64 (as `_words`, z not widened: only compared)."""
    if rounded.dtype == np.float32:
        xy = np.ndarray(shape=(len(rounded),), dtype=np.uint64, buffer=rounded, strides=(12,))
        return xy, rounded[:, 2].view(np.uint32)
    bits = rounded.view(np.uint64)
    return bits[:, 0], bits[:, 1], bits[:, 2]


def _rows_differ(columns: tuple[np.ndarray, ...], rows: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(k,) bool: the rows `rows` of the vertices (given as contiguous `_bit_columns`) that are
    not bit for bit the rounded corners `b`. Each column is gathered on its own: one 1-D take
    each costs less than a take of 12-byte rows, and `(a != b).any(axis=1)` over a narrow axis
    is ten times slower than or-ing the columns."""
    acc = None
    for x, y in zip(columns, _bit_columns(b), strict=True):
        differ = x.take(rows) != y
        acc = differ if acc is None else acc | differ
    return acc


def _rounded_and_hashed(triangles: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(flat (k, 3) rounded coordinates, (k,) uint64 hash of each corner's bits): the plain
    definition the fast path follows (kept for tests and for the collision path)."""
    corners = triangles.reshape(-1, 3)
    flat = np.empty(corners.shape, dtype=np.float32 if corners.dtype == np.float32 else np.float64)
    h = np.empty(len(corners), dtype=np.uint64)
    for s in range(0, len(corners), CORNERS_PER_PASS):
        rounded = _rounded(corners[s: s + CORNERS_PER_PASS])
        flat[s: s + len(rounded)] = rounded
        h[s: s + len(rounded)] = _hash(_words(rounded))
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


def _hash_sorted(corners: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(corner index of each sorted position (k,), int32 below 2**31 corners, else int64;
    True where a new vertex starts (k,)).

    Each corner's hash prefix with its index packed in the low bits, sorted once: equal
    prefixes are adjacent, and within a group the lowest corner comes first. The 64-bit keys
    are dropped once read: the indices alone are half their size (15 MB less at 1.3 M faces)."""
    k = len(corners)
    bits = max(1, int(k - 1).bit_length())
    low = np.uint64((1 << bits) - 1)
    packed = np.empty(k, dtype=np.uint64)
    for s in range(0, k, CORNERS_PER_PASS):
        part = packed[s: s + CORNERS_PER_PASS]
        np.bitwise_and(_hash(_words(_rounded(corners[s: s + len(part)]))), ~low, out=part)
        part |= np.arange(s, s + len(part), dtype=np.uint64)
    packed.sort()
    first = np.empty(k, dtype=bool)
    first[0] = True
    for s in range(1, k, CORNERS_PER_PASS):  # a new vertex where the hash prefix changes
        e = min(s + CORNERS_PER_PASS, k)
        np.greater(packed[s:e] ^ packed[s - 1: e - 1], low, out=first[s:e])
    packed &= low
    return packed.view(np.int64).astype(np.int32 if k < 2**31 else np.int64), first


def _in_file_order(unique: np.ndarray, inverse: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The general (slow) way from hash-order vertices to file order (collision path, tests)."""
    first_corner = np.full(len(unique), len(inverse), dtype=np.int64)
    np.minimum.at(first_corner, inverse, np.arange(len(inverse)))
    hash_id = np.argsort(first_corner).astype(inverse.dtype)
    file_id = np.empty_like(hash_id)
    file_id[hash_id] = np.arange(len(hash_id), dtype=hash_id.dtype)
    return unique[hash_id], file_id.take(inverse), hash_id


def weld(triangles: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(vertices (m, 3) rounded, in the corners' dtype; inverse (k,) int32: each corner's vertex;
    hash_id (m,) int32: each vertex's number in hash order) from (n, 3, 3) triangles."""
    unique, inverse, hash_ids = weld_deferred(triangles)
    return unique, inverse, hash_ids()


def weld_deferred(triangles: np.ndarray) -> tuple[np.ndarray, np.ndarray, Callable[[], np.ndarray]]:
    """As `weld`, `hash_id` computed when first asked (and kept): the compiled pass
    (slicing/meshkernel.py) numbers the vertices in file order without hashing them in numpy,
    and the reports need the hash order only for the edges they list and for several bodies."""
    corners = triangles.reshape(-1, 3)
    fast = meshkernel.weld(corners)
    if fast is None:
        unique, inverse, hash_id = _weld_numpy(triangles)
        return unique, inverse, lambda: hash_id
    unique, inverse = fast
    return unique, inverse, cache(lambda: _hash_order(unique, triangles))


def _hash_order(unique: np.ndarray, triangles: np.ndarray) -> np.ndarray:
    """Each file-order vertex's number in hash order, as `_weld_numpy` gives it: by the full
    hash of its bits (a hash prefix orders them where prefixes differ, and the numpy pass's
    collision path orders by the full hash too); if two vertices share all 64 bits, the numpy
    pass decides (lexicographic order, `_split_collisions`)."""
    m = len(unique)
    index = np.int32 if m < 2**31 else np.int64
    h = _hash(_words(unique))
    bits = max(1, int(m - 1).bit_length())
    low = np.uint64((1 << bits) - 1)
    packed = h & ~low  # the hash's prefix with the vertex packed in the low bits: one integer sort
    packed |= np.arange(m, dtype=np.uint64)
    packed.sort()
    prefix = packed >> np.uint64(bits)
    if bool((prefix[1:] == prefix[:-1]).any()):  # two vertices share the prefix: the full hashes decide
        order = np.argsort(h, kind="stable")
        ordered = h[order]
        if bool((ordered[1:] == ordered[:-1]).any()):
            return _weld_numpy(triangles)[2]
    else:
        order = (packed & low).view(np.int64)
    hash_id = np.empty(m, dtype=index)
    hash_id[order] = np.arange(m, dtype=index)
    return hash_id


def _weld_numpy(triangles: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The numpy pass `weld` stands on when the compiled one is not there, and its reference.

    Vertices are numbered in file order (by their first corner): neighbouring triangles of a
    file are mostly neighbours in space, so every later gather through the vertex numbers
    (verification, bodies) stays in cache, where hash order would make each one a cache miss.
    `hash_id` gives the reports their usual numbering (vertices in hash order) back.
    One chunked pass rounds and hashes, one sort groups, one scatter numbers the corners, one
    chunked pass proves every corner equal to its vertex.
    """
    corners = triangles.reshape(-1, 3)
    k = len(corners)
    index = np.int32 if k < 2**31 else np.int64
    if k == 0:
        return np.empty((0, 3), dtype=corners.dtype), np.empty(0, dtype=index), np.empty(0, dtype=index)
    order, first = _hash_sorted(corners)
    starts = np.flatnonzero(first)
    m = len(starts)
    # Each vertex's first corner with its hash-order number in the low bits, sorted: file order.
    bits = max(1, int(m - 1).bit_length())
    reps = order.take(starts).astype(np.uint64) << np.uint64(bits)
    reps |= np.arange(m, dtype=np.uint64)
    reps.sort()
    hash_id = (reps & np.uint64((1 << bits) - 1)).astype(index)
    reps >>= np.uint64(bits)
    file_id = np.empty(m, dtype=index)
    file_id[hash_id] = np.arange(m, dtype=index)
    inverse = np.empty(k, dtype=index)
    carry = index(-1)
    for s in range(0, k, CORNERS_PER_PASS):  # each sorted corner gets its group's number, a chunk at a time
        group = np.cumsum(first[s: s + CORNERS_PER_PASS], dtype=index)
        group += carry
        carry = group[-1]
        inverse[order[s: s + CORNERS_PER_PASS]] = file_id.take(group)
    unique = _rounded(corners.take(reps.view(np.int64), axis=0))
    del order, first, starts, reps
    bad = []
    columns = tuple(np.ascontiguousarray(c) for c in _bit_columns(unique))
    for s in range(0, k, CORNERS_PER_PASS):
        part = inverse[s: s + CORNERS_PER_PASS]
        differ = _rows_differ(columns, part, _rounded(corners[s: s + len(part)]))
        if differ.any():
            bad.append(hash_id.take(part[differ]))
    if bad:  # corners that only shared a hash prefix: re-grouped exactly, in hash order, then file order
        flat, _ = _rounded_and_hashed(triangles)
        in_hash = np.empty_like(unique)
        in_hash[hash_id] = unique
        unique, inverse, hash_id = _in_file_order(*_split_collisions(
            triangles, flat, in_hash, hash_id.take(inverse).astype(np.int64), np.unique(np.concatenate(bad))))
        inverse, hash_id = inverse.astype(index), hash_id.astype(index)
    return unique, inverse, hash_id


def merge_vertices(triangles: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(vertices (m, 3) float64, faces (n, 3) int64) from (n, 3, 3) triangles, vertices in
    hash order (see `weld`)."""
    unique, inverse, hash_id = weld(triangles)
    in_hash = np.empty((len(unique), 3), dtype=np.float64)
    in_hash[hash_id] = unique
    return in_hash, hash_id.take(inverse).astype(np.int64).reshape(-1, 3)
