"""Triangles -> indexed mesh: merge identical vertices with one hash and one sort.

`trimesh.Trimesh(process=True)` merges vertices too, but through several passes and caches
that cost seconds on a million triangles. Here a 64-bit hash of each vertex's exact bits is
sorted once; a vectorised comparison proves no two different vertices shared a hash (if
they did, the exact but slower `np.unique(axis=0)` takes over).
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
VERIFY_CHUNK = 1 << 20
OTHER_MESH_SUFFIXES = {".obj", ".3mf", ".ply", ".off", ".glb"}
_P = (np.uint64(0x9E3779B97F4A7C15), np.uint64(0xC2B2AE3D27D4EB4F), np.uint64(0x165667B19E3779F9))


def _rows_as_words(triangles: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(flat (k, 3) coordinates, (k, w) uint64 words holding each row's exact bits)."""
    if triangles.dtype == np.float32:
        # Pad each xyz to 16 bytes so a row is two uint64 words: no per-coordinate widening.
        padded = np.zeros((triangles.shape[0] * 3, 4), dtype=np.float32)
        padded[:, :3] = triangles.reshape(-1, 3)
        np.round(padded, MERGE_DIGITS, out=padded)  # exporters write 0 as -2.7e-16 beside 0.0
        padded += np.float32(0)  # -0.0 + 0.0 is +0.0: one zero, one bit pattern
        return padded[:, :3], padded.view(np.uint64)
    flat = np.round(triangles.reshape(-1, 3).astype(np.float64), MERGE_DIGITS) + 0.0
    return flat, flat.view(np.uint64)


def _hash(words: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        h = words[:, 0] * _P[0]
        for k in range(1, words.shape[1]):
            h ^= words[:, k] * _P[k]
        h ^= h >> np.uint64(29)
    return h


def merge_vertices(triangles: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(vertices (m, 3) float64, faces (n, 3) int64) from (n, 3, 3) triangles.

    Coordinates are rounded to 1e-8 first, as trimesh's merge does: exporters write the
    same 0 as -2.7e-16 in one triangle and 0.0 in the next.
    """
    flat, words = _rows_as_words(triangles)
    h = _hash(words)
    order = np.argsort(h)
    hs = h[order]
    del h
    first = np.empty(len(hs), dtype=bool)
    first[:1] = True
    np.not_equal(hs[1:], hs[:-1], out=first[1:])
    del hs
    inverse = np.empty(len(order), dtype=np.int64)
    inverse[order] = np.cumsum(first) - 1
    unique_words = words[order[first]]
    # Prove no two different vertices shared a hash, a chunk at a time (no 2nd full copy).
    for s in range(0, len(inverse), VERIFY_CHUNK):
        if not np.array_equal(unique_words[inverse[s: s + VERIFY_CHUNK]], words[s: s + VERIFY_CHUNK]):
            unique, exact = np.unique(flat, axis=0, return_inverse=True)  # a hash collision: exact path
            return unique.astype(np.float64), exact.reshape(-1, 3)
    return flat[order[first]].astype(np.float64), inverse.reshape(-1, 3)


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
        raise UnreadableFile(
            "mesh_unreadable",
            f"Ce fichier {path.suffix.upper().lstrip('.')} n'a pas pu être lu ({type(exc).__name__}).",
            f"This {path.suffix.upper().lstrip('.')} file could not be read ({type(exc).__name__}).",
        ) from exc
    if not isinstance(mesh, trimesh.Trimesh) or len(mesh.faces) == 0:
        raise UnreadableFile("mesh_no_triangles", "Le fichier ne contient aucun triangle.",
                             "The file holds no triangles.")
    if len(mesh.faces) > limits.max_triangles or not np.isfinite(mesh.vertices).all():
        raise UnreadableFile("mesh_invalid", "Le maillage est trop gros ou a des coordonnées invalides.",
                             "The mesh is too big or has invalid coordinates.")
    return mesh


def load_triangles(path: Path, limits: Limits = DEFAULT_LIMITS) -> StlData:
    """Triangles of any supported mesh file; STL takes the fast path."""
    if path.suffix.lower() in OTHER_MESH_SUFFIXES:
        mesh = load_other_mesh(path, limits)
        return StlData(np.asarray(mesh.triangles), ascii=False)
    return load_stl(path, limits)
