"""Mesh files -> triangles or an indexed `trimesh.Trimesh` (vertices merged by `weld`).

`trimesh.Trimesh(process=True)` merges vertices too, but through several passes and caches
that cost seconds on a million triangles: STL takes the numpy reader and `weld` instead;
other formats go through trimesh (smaller files in practice).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from slicing.readers.errors import DEFAULT_LIMITS, Limits, UnreadableFile, check_file_size, empty_file
from slicing.readers.stl import StlData, load_stl
from slicing.readers.weld import merge_vertices

if TYPE_CHECKING:
    import trimesh

OTHER_MESH_SUFFIXES = {".obj", ".3mf", ".ply", ".off", ".glb"}


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
