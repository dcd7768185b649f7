"""What a triangle mesh is, measured in vectorised passes over numpy arrays.

Volume, area, bounding box, bodies, open and non-manifold edges, winding, degenerate faces
and overhangs, from the raw triangles plus one vertex merge (the edges and bodies themselves:
`slicing.analysis.mesh_topology`). Each pass is a handful of
array operations (one sort of the edge keys does open edges *and* winding), which keeps a
million triangles under a second where trimesh's cached properties would take several.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from slicing import meshkernel
from slicing.analysis import mesh_topology as topology
from slicing.analysis.heap import give_back
from slicing.analysis.mesh_topology import CHUNK
from slicing.readers.weld import weld_deferred

OVERHANG_LIMIT_DEG = 45.0


@dataclass
class MeshFacts:
    triangles: np.ndarray  # (n, 3, 3)
    vertices: np.ndarray  # (m, 3) rounded, in the triangles' dtype (float32 from a binary STL): widen what you gather
    faces: np.ndarray  # (n, 3) int32 (int64 past 2**31 corners), vertices numbered in file order
    normal_z: np.ndarray  # (n,) z of each face's unit normal (0 for degenerate faces): the full normals on demand
    face_areas: np.ndarray  # (n,)
    bbox_min: np.ndarray
    bbox_max: np.ndarray
    area_mm2: float
    signed_volume_mm3: float
    degenerate_faces: np.ndarray  # indices
    open_edges: np.ndarray  # (k, 2) vertex index pairs used by one face only
    nonmanifold_edges: np.ndarray  # (k, 2) pairs used by more than two faces
    misoriented_edges: np.ndarray  # (k, 2) pairs whose two faces run the same direction
    face_body: np.ndarray  # (n,) body label per face (int32 below 2**31 vertices)
    bodies: int
    body_volumes: np.ndarray  # signed, per body
    body_lo: np.ndarray  # (bodies, 3) bounding box of each body
    body_hi: np.ndarray
    body_watertight: np.ndarray  # bool per body
    overhang_faces: np.ndarray  # indices
    overhang_area_mm2: float
    union_volume_mm3: float | None = None  # when bodies overlap and manifold3d could join them
    # (lowest z, highest z) of each face, in the corners' dtype (exact): the first-layer section
    # picks the faces crossing its plane from them, without a pass over the strided corners.
    z_range: tuple[np.ndarray, np.ndarray] | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def normals(self) -> np.ndarray:
        """(n, 3) unit normals from the winding (0 for degenerate faces), computed when asked:
        the analysis needs only their z and a few samples' (`normals_of`), 31 MB less at 1.3 M faces."""
        return self.normals_of(None)

    def normals_of(self, faces: np.ndarray | None) -> np.ndarray:
        """(k, 3) unit normals of the faces indexed by `faces` (every face when None), bit for
        bit those the per-face pass computes."""
        tri = self.triangles if faces is None else self.triangles[faces]
        out = np.empty((len(tri), 3))
        for s in range(0, len(tri), CHUNK):
            nx, ny, nz, double_area = _cross(_columns(tri[s: s + CHUNK]))
            safe = np.where(double_area > 0, double_area, np.inf)  # zero-area faces get a zero normal
            out[s: s + CHUNK, 0] = nx / safe
            out[s: s + CHUNK, 1] = ny / safe
            out[s: s + CHUNK, 2] = nz / safe
        return out

    @property
    def extents(self) -> np.ndarray:
        return self.bbox_max - self.bbox_min

    @property
    def watertight(self) -> bool:
        return len(self.open_edges) == 0 and len(self.nonmanifold_edges) == 0

    @property
    def volume_mm3(self) -> float:
        """The volume to charge: the union when bodies overlap, else the sum of body volumes."""
        if self.union_volume_mm3 is not None:
            return self.union_volume_mm3
        return float(np.abs(self.body_volumes).sum())


def _union_volume(facts: MeshFacts) -> float | None:
    """Volume of the union of overlapping watertight bodies (manifold3d), else None."""
    if facts.bodies < 2 or facts.bodies > 200 or not facts.body_watertight.all() or len(facts.faces) > 2_000_000:
        return None
    boxes = list(zip(facts.body_lo, facts.body_hi, strict=True))
    overlap = any(np.all(boxes[i][0] < boxes[j][1]) and np.all(boxes[j][0] < boxes[i][1])
                  for i in range(len(boxes)) for j in range(i + 1, len(boxes)))
    if not overlap:
        return None
    try:
        import manifold3d

        parts = []
        for b in range(facts.bodies):
            faces = facts.faces[facts.face_body == b]
            if facts.body_volumes[b] < 0:
                faces = faces[:, ::-1]
            used, inverse = np.unique(faces, return_inverse=True)
            mesh = manifold3d.Mesh(vert_properties=facts.vertices[used].astype(np.float32),
                                   tri_verts=inverse.reshape(-1, 3).astype(np.uint32))
            parts.append(manifold3d.Manifold(mesh))
        union = manifold3d.Manifold.batch_boolean(parts, manifold3d.OpType.Add)
        volume = float(union.volume())
        return volume if math.isfinite(volume) and volume > 0 else None
    except Exception:  # manifold3d refuses meshes it does not consider manifold: keep the sum
        return None


def _columns(triangles: np.ndarray) -> np.ndarray:
    """A chunk of (k, 3, 3) triangles as nine contiguous float64 columns x0, y0, z0, x1, ... z2."""
    return np.ascontiguousarray(triangles.reshape(-1, 9).T, dtype=np.float64)


def _cross(c: np.ndarray) -> tuple[np.ndarray, ...]:
    """(nx, ny, nz, |n|) of (v1 - v0) x (v2 - v0) from nine columns: one formula for the
    per-face pass and `MeshFacts.normals_of`, so both give the same bits."""
    x0, y0, z0, x1, y1, z1, x2, y2, z2 = c
    ax, ay, az = x1 - x0, y1 - y0, z1 - z0
    bx, by, bz = x2 - x0, y2 - y0, z2 - z0
    nx, ny, nz = ay * bz - az * by, az * bx - ax * bz, ax * by - ay * bx
    return nx, ny, nz, np.sqrt(nx * nx + ny * ny + nz * nz)


def _per_face(triangles: np.ndarray) -> tuple[np.ndarray, ...]:
    """(areas, z of the unit normals, signed volumes, bbox min, bbox max, bottom and top z of
    each face): the compiled pass (slicing/meshkernel.py), else `_per_face_numpy`."""
    found = meshkernel.per_face(triangles)
    return found if found is not None else _per_face_numpy(triangles)


def _per_face_numpy(triangles: np.ndarray) -> tuple[np.ndarray, ...]:
    """The per-face figures in numpy.

    Each chunk's coordinates are split into nine contiguous float64 columns first: numpy's
    (n, 3) axis reductions and `np.cross` on strided views cost several times more than
    plain 1-D arithmetic, and chunking keeps a million faces from needing ~200 MB of
    temporaries at once.
    """
    n = len(triangles)
    # The top z of a float32 face is one of its float32 values: float32 holds it exactly.
    z_dtype = np.result_type(triangles.dtype, np.float32)
    areas, signed, bottom_z, top_z = np.empty(n), np.empty(n), np.empty(n, dtype=z_dtype), np.empty(n, dtype=z_dtype)
    normal_z = np.empty(n)
    lo = np.full(3, np.inf)
    hi = np.full(3, -np.inf)
    for s in range(0, n, CHUNK):
        c = _columns(triangles[s: s + CHUNK])
        x0, y0, z0, x1, y1, z1, x2, y2, z2 = c
        _, _, nz, double_area = _cross(c)
        # Signed volume of the tetrahedron (origin, v0, v1, v2) = v0 . (v1 x v2) / 6
        signed[s: s + CHUNK] = (x0 * (y1 * z2 - z1 * y2) + y0 * (z1 * x2 - x1 * z2)
                                + z0 * (x1 * y2 - y1 * x2)) / 6.0
        safe = np.where(double_area > 0, double_area, np.inf)  # zero-area faces get a zero normal
        normal_z[s: s + CHUNK] = nz / safe
        areas[s: s + CHUNK] = 0.5 * double_area
        top_z[s: s + CHUNK] = np.maximum(np.maximum(z0, z1), z2)
        bottom_z[s: s + CHUNK] = np.minimum(np.minimum(z0, z1), z2)
        for k in range(3):
            lo[k] = min(lo[k], c[k::3].min())
            hi[k] = max(hi[k], c[k::3].max())
    return areas, normal_z, signed, lo, hi, bottom_z, top_z


def _body_boxes(vertices: np.ndarray, faces: np.ndarray, face_body: np.ndarray, bodies: int):
    """(lo, hi) per body from its vertices (half as many rows as faces)."""
    vertex_body = np.empty(len(vertices), dtype=np.int64)
    vertex_body[faces.ravel()] = np.repeat(face_body, 3)
    order = np.argsort(vertex_body, kind="stable")
    starts = np.searchsorted(vertex_body[order], np.arange(bodies))
    ordered = vertices[order]
    lo, hi = np.minimum.reduceat(ordered, starts, axis=0), np.maximum.reduceat(ordered, starts, axis=0)
    return lo.astype(np.float64), hi.astype(np.float64)  # a float32 min or max widens exactly


def mesh_facts(triangles: np.ndarray) -> MeshFacts:
    # Topology first, per-face figures after: the merge's and the edge sort's temporaries are
    # freed before the per-face arrays exist, so the two never add up in the peak memory.
    unique, inverse, hash_id = weld_deferred(triangles)  # vertices in file order: see weld
    faces = inverse.reshape(-1, 3)
    del inverse
    give_back()  # each pass's freed arrays returned before the next one's (slicing.analysis.heap)
    n_v = len(unique)
    open_e, nonmanifold, mis = topology.edges(faces, n_v, hash_id)
    give_back()
    bodies, face_body = topology.bodies(faces, n_v, hash_id, all_used=True)  # weld's vertices are corners
    del hash_id
    give_back()
    face_areas, normal_z, signed, bbox_min, bbox_max, bottom_z, top_z = _per_face(triangles)
    body_volumes = np.bincount(face_body, weights=signed, minlength=bodies)
    signed_volume = float(signed.sum())
    del signed  # 10 MB less beside the masks below
    give_back()
    vertices = unique  # kept in the corners' dtype (8 MB, not 16, at 1.3 M faces): gathers widen exactly
    degenerate = np.flatnonzero((face_areas <= 1e-12 * max(1.0, float((bbox_max - bbox_min).max()) ** 2))
                                | (faces[:, 0] == faces[:, 1]) | (faces[:, 1] == faces[:, 2])
                                | (faces[:, 0] == faces[:, 2]))
    if bodies == 1:
        body_lo, body_hi = bbox_min[None, :], bbox_max[None, :]
    else:
        body_lo, body_hi = _body_boxes(vertices, faces, face_body, bodies)
    open_bodies = np.zeros(bodies, dtype=bool)
    bad_vertices = np.concatenate([open_e.ravel(), nonmanifold.ravel()])
    if len(bad_vertices):
        vertex_body = np.zeros(n_v, dtype=np.int64)
        vertex_body[faces.ravel()] = np.repeat(face_body, 3)
        open_bodies[vertex_body[bad_vertices]] = True  # (np.unique would import numpy.ma: 8 ms a process)
    # Overhang: faces facing down more steeply than 45° from vertical, not lying on the bed.
    down = normal_z < -math.cos(math.radians(OVERHANG_LIMIT_DEG))
    on_bed = top_z <= bbox_min[2] + 0.05
    overhang = np.flatnonzero(down & ~on_bed)
    facts = MeshFacts(
        triangles=triangles, vertices=vertices, faces=faces, normal_z=normal_z, face_areas=face_areas,
        bbox_min=bbox_min, bbox_max=bbox_max, area_mm2=float(face_areas.sum()),
        signed_volume_mm3=signed_volume, degenerate_faces=degenerate, open_edges=open_e,
        nonmanifold_edges=nonmanifold, misoriented_edges=mis, face_body=face_body, bodies=bodies,
        body_volumes=body_volumes, body_lo=body_lo, body_hi=body_hi, body_watertight=~open_bodies, overhang_faces=overhang,
        overhang_area_mm2=float(face_areas[overhang].sum()), z_range=(bottom_z, top_z),
    )
    facts.union_volume_mm3 = _union_volume(facts)
    return facts
