"""Which faces of a welded mesh join which: open, non-manifold and misoriented edges, and the
bodies (the faces joined through shared edges). The topology half of `mesh_facts`; the figures
(areas, volumes, boxes, overhangs) stay there.

Each pass is the compiled one (slicing/meshkernel.py) when it is built, else its numpy twin
(`*_numpy`, the reference the compiled passes are tested against).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from slicing import meshkernel

CHUNK = 32_768  # faces (or edges) per pass: temporaries stay in cache and memory stays flat


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


def edges(faces: np.ndarray, n_vertices: int, hash_id: HashIds = None
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(open, non-manifold, misoriented) edges: the compiled pass (slicing/meshkernel.py),
    else `edges_numpy`; each listed in hash order when `hash_id` gives it."""
    found = meshkernel.edges(faces, n_vertices)
    if found is None:
        found = edges_numpy(faces)
    open_e, nonmanifold, mis = (_in_hash_order(pairs, hash_id) for pairs in found)
    return open_e, nonmanifold, mis


def edges_numpy(faces: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
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
    found = ([], [], []) if twice_each_way(key) else odd_runs(key)

    def decode(positions: list[np.ndarray]) -> np.ndarray:
        half_edge = key.take(np.concatenate(positions) if positions else np.empty(0, dtype=np.intp))
        high = (half_edge >> np.uint64(1)) & np.uint64(0xFFFFFFFF)
        return np.column_stack([half_edge >> np.uint64(33), high]).astype(np.int64)

    open_e, nonmanifold, mis = (decode(positions) for positions in found)
    return open_e, nonmanifold, mis


def twice_each_way(key: np.ndarray) -> bool:
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


def odd_runs(key: np.ndarray) -> tuple[list[np.ndarray], ...]:
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


def bodies(faces: np.ndarray, n_vertices: int, hash_id: HashIds = None,
            all_used: bool = False) -> tuple[int, np.ndarray]:
    """(bodies, body of each face): vertices joined through the faces' edges, bodies numbered
    by their lowest vertex (as a graph search from vertex 0 would number them), by its
    hash-order number when `hash_id` gives it. The compiled pass (slicing/meshkernel.py),
    else `bodies_numpy`. `all_used`: every vertex is a corner of some face (a welded mesh)."""
    found = meshkernel.bodies(faces, n_vertices, all_used)
    bodies, face_body, vertex_body = found if found is not None else bodies_numpy(faces, n_vertices, all_used)
    if hash_id is not None and bodies > 1:  # numbered by each body's lowest hash-order vertex
        hash_id = hash_id() if callable(hash_id) else hash_id
        lowest = np.full(bodies, len(hash_id), dtype=np.int64)
        used = vertex_body >= 0  # every vertex of a welded mesh is; not so in a test's faces
        np.minimum.at(lowest, vertex_body[used], hash_id[used])
        rank = np.empty(bodies, dtype=face_body.dtype)
        rank[np.argsort(lowest)] = np.arange(bodies, dtype=face_body.dtype)
        face_body = rank.take(face_body)
    return bodies, face_body


def bodies_numpy(faces: np.ndarray, n_vertices: int, all_used: bool = False) -> tuple[int, np.ndarray, np.ndarray]:
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
