"""Triangles -> indexed mesh: merge identical vertices with one hash and one sort.

`trimesh.Trimesh(process=True)` merges vertices too, but through several passes and caches
that cost seconds on a million triangles. Here a 64-bit hash of each vertex's exact bits is
sorted once (coordinates rounded to 1e-8 first, as trimesh does); a vectorised comparison proves no two different vertices shared a hash (if
they did, the exact but slower `np.unique(axis=0)` takes over).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import trimesh

from slicing.readers.errors import DEFAULT_LIMITS, Limits, UnreadableFile, check_file_size, empty_file
from slicing.readers.stl import StlData, load_stl

MERGE_DIGITS = 8
OTHER_MESH_SUFFIXES = {".obj", ".3mf", ".ply", ".off", ".glb"}
_P = (np.uint64(0x9E3779B97F4A7C15), np.uint64(0xC2B2AE3D27D4EB4F), np.uint64(0x165667B19E3779F9))


def merge_vertices(triangles: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(vertices (m, 3) float64, faces (n, 3) int64) from (n, 3, 3) triangles."""
    # Rounded to 1e-8 like trimesh's merge: exporters write 0 as -2.7e-16 next to 0.0.
    flat = np.round(triangles.reshape(-1, 3).astype(np.float64), MERGE_DIGITS)
    flat += 0.0  # -0.0 + 0.0 is +0.0: one zero, one bit pattern
    bits = flat.view(np.uint64)
    with np.errstate(over="ignore"):
        h = bits[:, 0] * _P[0] ^ bits[:, 1] * _P[1] ^ bits[:, 2] * _P[2]
        h ^= h >> np.uint64(31)
    order = np.argsort(h, kind="quicksort")
    hs = h[order]
    first = np.empty(len(hs), dtype=bool)
    first[:1] = True
    np.not_equal(hs[1:], hs[:-1], out=first[1:])
    ids_sorted = np.cumsum(first) - 1
    inverse = np.empty(len(hs), dtype=np.int64)
    inverse[order] = ids_sorted
    unique = flat[order[first]]
    if not np.array_equal(unique[inverse], flat):  # a hash collision: exact path
        unique, inverse = np.unique(flat, axis=0, return_inverse=True)
    return unique, inverse.reshape(-1, 3)


def mesh_from_stl(data: StlData) -> trimesh.Trimesh:
    vertices, faces = merge_vertices(data.triangles)
    return trimesh.Trimesh(vertices=vertices, faces=faces, process=False, validate=False)


def load_other_mesh(path: Path, limits: Limits = DEFAULT_LIMITS) -> trimesh.Trimesh:
    """OBJ/3MF/PLY/OFF through trimesh (smaller files in practice), under the same limits."""
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
