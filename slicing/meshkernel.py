"""The compiled passes of the mesh analysis (slicing/_meshkernel*.c) behind numpy-shaped
functions: welding, edges, bodies, per-face figures, the box of the corners, the thin-wall
check's close pairs.

Why: at 1.3 M triangles the numpy passes are sorts of 3.9 M keys (welding, edges),
whole-array union-find steps and several sweeps where one does, and `fablab analyze` must not
take longer than admesh (C) on the same file (issue 15.1). The C module does them in linear
time with hash tables, one sweep each. No
well-kept library does exact STL welding and edge checks fast with a small import: trimesh,
open3d, vtk and pymeshlab are slower or huge, and numba's import and JIT alone cost more
than the budget.

Each function returns None when the kernel is not there (not built, FABLAB_MESH_KERNEL=numpy
to force the numpy passes, or arrays it does not take): the caller then runs its numpy pass,
which stays the reference; the results are the same bit for bit (tests/speed/test_speed_meshkernel.py).
"""

from __future__ import annotations

import os

import numpy as np

try:
    from slicing import _meshkernel
except ImportError:  # not built (a source tree without `pip install -e .`): the numpy passes
    _meshkernel = None

KINDS = 3  # reported edge kinds: used once (open), three times or more, twice the same way


def available() -> bool:
    """The C passes are built and not turned off (FABLAB_MESH_KERNEL=numpy, read at each call
    so a test or a comparison can switch)."""
    return _meshkernel is not None and os.environ.get("FABLAB_MESH_KERNEL", "").lower() != "numpy"


def _faces_int32(faces: np.ndarray, n_vertices: int) -> np.ndarray | None:
    if not available() or n_vertices >= 2**31 - 1 or faces.ndim != 2 or faces.shape[1] != 3:
        return None
    if faces.dtype != np.int32:
        if len(faces) and (faces.min() < 0 or faces.max() >= n_vertices):
            return None
        faces = faces.astype(np.int32)
    return np.ascontiguousarray(faces)


def weld(corners: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """(vertices (m, 3) rounded to 1e-8, -0.0 made 0.0, in the corners' dtype, numbered in file
    order by their first corner; inverse (k,) int32) from (k, 3) corners, as
    `slicing.readers.weld.weld` gives them. None: use the numpy pass."""
    k = len(corners)
    if not available() or k == 0 or k >= 2**31 - 1 or corners.ndim != 2 or corners.shape[1] != 3:
        return None
    if corners.dtype not in (np.float32, np.float64):
        corners = corners.astype(np.float64)  # as the numpy pass rounds any other dtype
    corners = np.ascontiguousarray(corners)
    inverse = np.empty(k, dtype=np.int32)
    vertices = np.empty((k, 3), dtype=corners.dtype)  # only the first m rows get written (and touched)
    m = _meshkernel.weld(corners, corners.dtype == np.float64, inverse, vertices)
    vertices.resize((m, 3), refcheck=False)  # in place: the untouched rows handed back, no copy
    return vertices, inverse


def edges(faces: np.ndarray, n_vertices: int) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """(open, non-manifold, misoriented) edges as (k, 2) int64 (low, high) vertex pairs sorted,
    as the numpy pass's sorted keys list them. None: use the numpy pass."""
    f = _faces_int32(faces, n_vertices)
    if f is None:
        return None
    room = f.size  # at most one reported edge per half-edge; rows past the count are never touched
    pairs = np.empty((room, 2), dtype=np.int32)
    kinds = np.empty(room, dtype=np.int8)
    count = _meshkernel.edges(f, n_vertices, pairs, kinds)
    if count < 0:  # a face names a vertex outside the mesh: the numpy pass says what it does then
        return None
    pairs, kinds = pairs[:count].astype(np.int64), kinds[:count]
    return tuple(pairs[kinds == kind] for kind in range(KINDS))


def bodies(faces: np.ndarray, n_vertices: int, all_used: bool) -> tuple[int, np.ndarray, np.ndarray] | None:
    """(bodies, body of each face (n,) int32, body of each vertex (m,) int32, -1 for a vertex
    no face reaches unless `all_used`), bodies numbered by their lowest vertex as the numpy
    union-find numbers them. None: use the numpy pass."""
    f = _faces_int32(faces, n_vertices)
    if f is None:
        return None
    vertex_body = np.empty(n_vertices, dtype=np.int32)
    face_body = np.empty(len(f), dtype=np.int32)
    count = _meshkernel.bodies(f, n_vertices, all_used, vertex_body, face_body)
    if count < 0:  # as in `edges`
        return None
    return count, face_body, vertex_body


def per_face(triangles: np.ndarray) -> tuple[np.ndarray, ...] | None:
    """(areas, z of the unit normals, signed volumes, bbox min, bbox max, bottom and top z of
    each face), as `slicing.analysis.mesh_facts._per_face` gives them. None: use the numpy pass
    (also for a non-finite corner, and where `bounds` says so)."""
    if not available() or triangles.dtype not in (np.float32, np.float64) or triangles.shape[1:] != (3, 3):
        return None
    tri = np.ascontiguousarray(triangles)
    n = len(tri)
    area, normal_z, signed = np.empty(n), np.empty(n), np.empty(n)
    bottom, top = np.empty(n, dtype=tri.dtype), np.empty(n, dtype=tri.dtype)
    if n == 0 or not _meshkernel.per_face(tri, tri.dtype == np.float64, area, normal_z, signed, bottom, top):
        return None
    box = bounds(tri)
    return None if box is None else (area, normal_z, signed, box[0], box[1], bottom, top)


def bounds(points: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """(lowest, highest) x, y, z float64 over (n, 3, 3) triangles or (k, 3) points, as numpy's
    min and max give them. None: use numpy (not float32/float64, empty, a value not finite, or
    a bound at 0 with both -0.0 and 0.0 on its axis: which one numpy's reduction keeps is its
    own affair, and the reports print the sign)."""
    if not available() or points.dtype not in (np.float32, np.float64) or points.size == 0 or points.shape[-1] != 3:
        return None
    points = np.ascontiguousarray(points)
    box = np.empty(6)
    if not _meshkernel.bounds(points, points.dtype == np.float64, box):
        return None
    return box[:3], box[3:]


def close_pairs(sorted_key: np.ndarray, columns: list[np.ndarray], deltas: np.ndarray, radius: float,
                facing: tuple[np.ndarray, ...] | None = None) -> tuple[np.ndarray, np.ndarray] | None:
    """(first, second) int32 positions in cell order of the points within `radius` of each other,
    looked for in the cells `sorted_key + delta` for each of `deltas` (0: the same cell, later
    points only), in the order and with the sums `slicing.analysis.near_pairs` uses. `facing`:
    (order, nx, ny, nz, face, mesh faces or None), only the pairs `near_pairs.Facing` keeps.
    None: use the numpy pass."""
    n = len(sorted_key)
    if not available() or n >= 2**31 - 1:
        return None
    key = np.ascontiguousarray(sorted_key, dtype=np.int64)
    x, y, z = (np.ascontiguousarray(c, dtype=np.float64) for c in columns)
    deltas = np.ascontiguousarray(deltas, dtype=np.int64)
    extra: tuple = ()
    if facing is not None:
        order, nx, ny, nz, face, mesh_faces = facing
        if mesh_faces is not None and (mesh_faces.dtype != np.int32 or mesh_faces.shape[1:] != (3,)):
            return None
        extra = (np.ascontiguousarray(order, dtype=np.int64),
                 *(np.ascontiguousarray(c, dtype=np.float64) for c in (nx, ny, nz)),
                 np.ascontiguousarray(face, dtype=np.int64),
                 b"" if mesh_faces is None else np.ascontiguousarray(mesh_faces))
    room = 64 * n  # most surfaces give far fewer; the rows past the count are never touched
    while True:
        first, second = np.empty(room, dtype=np.int32), np.empty(room, dtype=np.int32)
        count = _meshkernel.close_pairs(key, x, y, z, deltas, radius * radius, first, second, *extra)
        if count <= room:
            return first[:count], second[:count]
        room = count
