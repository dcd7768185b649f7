"""What a triangle mesh is, measured in vectorised passes over numpy arrays.

Volume, area, bounding box, bodies, open and non-manifold edges, winding, degenerate faces
and overhangs, from the raw triangles plus one vertex merge. Each pass is a handful of
array operations (one sort of the edge keys does open edges *and* winding), which keeps a
million triangles under a second where trimesh's cached properties would take several.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from slicing import meshkernel
from slicing.analysis.heap import give_back
from slicing.readers.weld import weld_deferred

OVERHANG_LIMIT_DEG = 45.0
CHUNK = 32_768  # faces (or edges) per pass: temporaries stay in cache and memory stays flat


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


HashIds = np.ndarray | Callable[[], np.ndarray] | None  # hash-order numbers, or how to get them when needed


def _in_hash_order(pairs: np.ndarray, hash_id: HashIds) -> np.ndarray:
    """Reported edges (file-order vertex numbers) listed as the reports always listed them:
    by their vertices' hash-order numbers (see `slicing.readers.weld`), lower one first."""
    if hash_id is None or len(pairs) < 1:
        return pairs
    h = (hash_id() if callable(hash_id) else hash_id)[pairs]
    swap = h[:, 0] > h[:, 1]
    pairs[swap], h[swap] = pairs[swap][:, ::-1], h[swap][:, ::-1]
    return pairs[np.lexsort((h[:, 1], h[:, 0]))]


def _edges(faces: np.ndarray, n_vertices: int, hash_id: HashIds = None
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(open, non-manifold, misoriented) edges: the compiled pass (slicing/meshkernel.py),
    else `_edges_numpy`; each listed in hash order when `hash_id` gives it."""
    found = meshkernel.edges(faces, n_vertices)
    if found is None:
        found = _edges_numpy(faces)
    open_e, nonmanifold, mis = (_in_hash_order(pairs, hash_id) for pairs in found)
    return open_e, nonmanifold, mis


def _edges_numpy(faces: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(open, non-manifold, misoriented) edges as (low, high) pairs, from one sort of
    direction-tagged keys.

    Each half-edge is one uint64: low vertex << 33 | high vertex << 1 | direction bit, so
    one plain integer sort (several times faster than an argsort) groups the uses of each
    edge and shifts decode them; only the edges reported are decoded.
    """
    key = np.empty(faces.size, dtype=np.uint64)
    for s in range(0, len(faces), CHUNK):  # a slice of faces at a time: only the keys are whole
        a = faces[s: s + CHUNK].astype(np.uint64)
        b = np.empty_like(a)  # each corner's next corner: the half-edges a -> b (two slice copies:
        b[:, :2] = a[:, 1:]  # a fancy index a[:, [1, 2, 0]] costs twice the whole key build)
        b[:, 2] = a[:, 0]
        flip = a > b
        part = key[3 * s: 3 * s + a.size].reshape(-1, 3)
        np.minimum(a, b, out=part)
        np.maximum(a, b, out=a)
        part <<= np.uint64(32)
        part |= a
        part <<= np.uint64(1)
        part |= flip
    key.sort()
    found = ([], [], []) if _twice_each_way(key) else _odd_runs(key)

    def decode(positions: list[np.ndarray]) -> np.ndarray:
        half_edge = key.take(np.concatenate(positions) if positions else np.empty(0, dtype=np.intp))
        high = (half_edge >> np.uint64(1)) & np.uint64(0xFFFFFFFF)
        return np.column_stack([half_edge >> np.uint64(33), high]).astype(np.int64)

    open_e, nonmanifold, mis = (decode(positions) for positions in found)
    return open_e, nonmanifold, mis


def _twice_each_way(key: np.ndarray) -> bool:
    """True when the sorted half-edge keys pair up as (edge, one way), (edge, the other way):
    every edge used by exactly two faces in opposite directions, the closed, consistently wound
    surface most uploads are. A pair's second key is its first with the direction bit set, and
    the next pair's first key (direction bit clear) is then above it: a new edge. Half the
    time of finding the runs (chunks of pairs: their temporaries stay in cache)."""
    if len(key) % 2:
        return False
    pairs = key.view(np.int64).reshape(-1, 2)  # a difference and a low bit read the same signed
    for s in range(0, len(pairs), CHUNK):
        part = pairs[s: s + CHUNK]
        if (part[:, 0] & 1).any() or not (part[:, 1] - part[:, 0] == 1).all():
            return False
    return True


def _odd_runs(key: np.ndarray) -> tuple[list[np.ndarray], ...]:
    """Positions in the sorted keys of the edges used once, of those used three times or more,
    and of those used twice the same way (lists of arrays, a chunk of keys each)."""
    # Runs of equal keys (less the direction bit) are the uses of one edge; booleans shifted by
    # one and two places tell a run's length at its start, without an array of run starts.
    same = np.empty(len(key) + 2, dtype=bool)  # same[i]: key i is the same edge as key i - 1
    same[0] = False
    same[-2:] = False
    for s in range(1, len(key), CHUNK):
        e = min(s + CHUNK, len(key))
        np.less_equal(key[s:e] ^ key[s - 1: e - 1], 1, out=same[s:e])
    # The runs of one, of three or more, and of two the same way, a chunk at a time: only the
    # positions found are whole arrays (full-length boolean temporaries were 15 MB at 1.3 M faces).
    found: tuple[list[np.ndarray], ...] = ([], [], [])
    for s in range(0, len(key), CHUNK):
        e = min(s + CHUNK, len(key))
        start, second, third = ~same[s:e], same[s + 1: e + 1], same[s + 2: e + 2]
        found[0].append(np.flatnonzero(start & ~second) + s)
        found[1].append(np.flatnonzero(start & second & third) + s)
        # Two faces sharing an edge must run it in opposite directions: same tag twice means not.
        twice = start & second & ~third
        twice[: len(key) - 1 - s] &= key[s: min(e, len(key) - 1)] == key[s + 1: e + 1]
        found[2].append(np.flatnonzero(twice) + s)
    return found


def _hook(parent: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Hook the larger root of each pair (a, b) of roots under the smaller, then jump pointers
    until every vertex points at its root. Returns the new parent array."""
    np.minimum.at(parent, np.maximum(a, b), np.minimum(a, b))
    while True:
        jumped = parent.take(parent)
        if np.array_equal(jumped, parent):
            return parent
        parent = jumped


def _bodies(faces: np.ndarray, n_vertices: int, hash_id: HashIds = None,
            all_used: bool = False) -> tuple[int, np.ndarray]:
    """(bodies, body of each face): vertices joined through the faces' edges, bodies numbered
    by their lowest vertex (as a graph search from vertex 0 would number them), by its
    hash-order number when `hash_id` gives it. The compiled pass (slicing/meshkernel.py),
    else `_bodies_numpy`. `all_used`: every vertex is a corner of some face (a welded mesh)."""
    found = meshkernel.bodies(faces, n_vertices, all_used)
    bodies, face_body, vertex_body = found if found is not None else _bodies_numpy(faces, n_vertices, all_used)
    if hash_id is not None and bodies > 1:  # numbered by each body's lowest hash-order vertex
        hash_id = hash_id() if callable(hash_id) else hash_id
        lowest = np.full(bodies, len(hash_id), dtype=np.int64)
        used = vertex_body >= 0  # every vertex of a welded mesh is; not so in a test's faces
        np.minimum.at(lowest, vertex_body[used], hash_id[used])
        rank = np.empty(bodies, dtype=face_body.dtype)
        rank[np.argsort(lowest)] = np.arange(bodies, dtype=face_body.dtype)
        face_body = rank.take(face_body)
    return bodies, face_body


def _bodies_numpy(faces: np.ndarray, n_vertices: int, all_used: bool = False) -> tuple[int, np.ndarray, np.ndarray]:
    """(bodies, body of each face, body of each vertex (-1: no face reaches it)), bodies numbered
    by their lowest vertex.

    Union-find in whole-array steps: every edge between two trees hooks the larger root
    under the smaller, then pointers jump until each vertex points at its root, and edges
    already inside one tree drop out. Roots end as each body's lowest vertex. With vertices in
    file order (`weld`) the first two hooks (edges 0-1, then 1-2 of every face) join nearly
    everything and the gathers stay in cache; the few edges left then go round as pairs.
    `all_used`: the roots are then the vertices that are their own parent.
    """
    index = np.int64 if n_vertices >= 2**31 else np.int32
    parent = np.arange(n_vertices, dtype=index)
    f = faces.astype(index, copy=False)
    columns = ((f[:, 0], f[:, 1]), (f[:, 1], f[:, 2]))
    parent = _hook(parent, *columns[0])  # every vertex is its own root: no gather needed
    pa, pb = parent.take(columns[1][0]), parent.take(columns[1][1])
    cross = pa != pb
    parent = _hook(parent, pa[cross], pb[cross])
    roots = [parent.take(f[:, j]) for j in range(3)]  # each corner's root: three gathers, not four
    left = [(a[keep], b[keep]) for (a, b), keep in zip(columns, (roots[0] != roots[1], roots[1] != roots[2]),
                                                        strict=True) if keep.any()]
    root_of_face = roots[0]
    del roots
    u = np.concatenate([a for a, _ in left]) if left else np.empty(0, dtype=index)
    v = np.concatenate([b for _, b in left]) if left else np.empty(0, dtype=index)
    while len(u):
        pu, pv = parent.take(u), parent.take(v)
        cross = pu != pv
        u, v = u[cross], v[cross]
        if len(u):
            parent = _hook(parent, pu[cross], pv[cross])
    if left:
        root_of_face = parent.take(f[:, 0])
    if all_used:
        is_root = parent == np.arange(n_vertices, dtype=index)
    else:
        is_root = np.zeros(n_vertices, dtype=bool)
        is_root[root_of_face] = True
    number = np.cumsum(is_root, dtype=index) - 1
    bodies = int(number[-1]) + 1 if n_vertices else 0
    vertex_body = np.where(is_root.take(parent), number.take(parent), index(-1))
    return bodies, number.take(root_of_face), vertex_body


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
    open_e, nonmanifold, mis = _edges(faces, n_v, hash_id)
    give_back()
    bodies, face_body = _bodies(faces, n_v, hash_id, all_used=True)  # weld's vertices are corners
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
