"""The fast mesh passes give exactly what the plain algorithms give (results, not timings)."""

from __future__ import annotations

import numpy as np
import pytest

import slicing.readers.weld as mesh_reader
from slicing.analysis import mesh_topology as topology
from slicing.analysis.near_pairs import near_pairs
from slicing.readers import merge_vertices


def _triangles(seed: int, n: int = 400, dtype=np.float32) -> np.ndarray:
    """Random triangles whose corners repeat (half the triangles reuse corners of the others)."""
    rng = np.random.default_rng(seed)
    points = np.round(rng.random((n, 3)) * 50, 2)
    return points[rng.integers(0, n, size=(2 * n, 3))].astype(dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("prefix_bits", [64, 12, 3])
def test_merge_vertices_is_exact_even_when_hashes_collide(monkeypatch, dtype, prefix_bits) -> None:
    tri = _triangles(1, dtype=dtype)
    rounded, _ = mesh_reader._rounded_and_hashed(tri)  # what the vertices hold: 1e-8 rounding
    real_hash = mesh_reader._hash
    if prefix_bits < 64:  # force collisions: only a few hash bits survive
        keep = np.uint64(((1 << prefix_bits) - 1) << (64 - prefix_bits))
        monkeypatch.setattr(mesh_reader, "_hash", lambda words: real_hash(words) & keep)
    vertices, faces = merge_vertices(tri)
    assert np.array_equal(vertices[faces].reshape(-1, 3), rounded.astype(np.float64))
    assert len(vertices) == len(np.unique(rounded, axis=0))


def test_merge_vertices_orders_vertices_by_hash() -> None:
    tri = _triangles(2)
    vertices, _ = merge_vertices(tri)
    _, h = mesh_reader._rounded_and_hashed(vertices.astype(np.float32).reshape(-1, 1, 3))
    assert np.all(np.diff(h.astype(np.float64)) >= 0)


def test_edges_and_bodies_match_brute_force() -> None:
    rng = np.random.default_rng(3)
    faces = rng.integers(0, 60, size=(200, 3))
    faces = faces[(faces[:, 0] != faces[:, 1]) & (faces[:, 1] != faces[:, 2]) & (faces[:, 0] != faces[:, 2])]
    uses: dict[tuple[int, int], list[bool]] = {}
    for f in faces.tolist():
        for a, b in ((f[0], f[1]), (f[1], f[2]), (f[2], f[0])):
            uses.setdefault((min(a, b), max(a, b)), []).append(a > b)
    open_e, nonmanifold, mis = topology.edges(faces, 60)
    assert open_e.tolist() == sorted([list(e) for e, u in uses.items() if len(u) == 1])
    assert nonmanifold.tolist() == sorted([list(e) for e, u in uses.items() if len(u) > 2])
    assert mis.tolist() == sorted([list(e) for e, u in uses.items() if len(u) == 2 and u[0] == u[1]])
    bodies, face_body = topology.bodies(faces, 60)
    # brute force: merge labels until stable, bodies numbered by their lowest vertex
    label = list(range(60))
    changed = True
    while changed:
        changed = False
        for f in faces.tolist():
            low = min(label[v] for v in f)
            for v in f:
                if label[v] != low:
                    label[v], changed = low, True
    roots = sorted({label[f[0]] for f in faces.tolist()})
    assert bodies == len(roots)
    assert face_body.tolist() == [roots.index(label[f[0]]) for f in faces.tolist()]


def test_bodies_of_a_welded_mesh_take_its_roots_as_they_are() -> None:
    """`all_used` (every vertex a corner, as weld gives them) changes no body and no number."""
    rng = np.random.default_rng(5)
    faces = rng.integers(0, 200, size=(40, 3))  # sparse: several bodies
    faces = np.unique(faces, return_inverse=True)[1].reshape(-1, 3)  # vertices 0..m-1, each used
    n = int(faces.max()) + 1
    hash_id = rng.permutation(n).astype(np.int32)
    for ids in (None, hash_id):
        bodies, face_body = topology.bodies(faces, n, ids)
        assert bodies > 1
        same = topology.bodies(faces, n, ids, all_used=True)
        assert same[0] == bodies and same[1].tolist() == face_body.tolist()


def _octahedron() -> np.ndarray:
    """A closed, outward-wound octahedron's faces (vertices 0-5)."""
    return np.array([[0, 2, 4], [2, 1, 4], [1, 3, 4], [3, 0, 4], [2, 0, 5], [1, 2, 5], [3, 1, 5], [0, 3, 5]])


def _sorted_keys(faces: np.ndarray) -> np.ndarray:
    a = faces.astype(np.uint64)
    b = np.roll(a, -1, axis=1)
    key = (np.minimum(a, b) << np.uint64(33)) | (np.maximum(a, b) << np.uint64(1)) | (a > b)
    return np.sort(key.ravel())


@pytest.mark.parametrize("change", ["none", "flip", "drop", "twice", "degenerate", "far"])
def test_the_closed_surface_shortcut_agrees_with_the_runs(change) -> None:
    faces = _octahedron()
    if change == "flip":
        faces[3] = faces[3][::-1]
    elif change == "drop":
        faces = faces[1:]
    elif change == "twice":
        faces = np.vstack([faces, faces[:2], faces[:2, ::-1]])
    elif change == "degenerate":
        faces = np.vstack([faces, [[0, 0, 1], [0, 1, 0]]])
    elif change == "far":  # a second octahedron: still closed, the pairs interleave differently
        faces = np.vstack([faces, _octahedron() + 6])
    key = _sorted_keys(faces)
    nothing = not any(len(p) for positions in topology.odd_runs(key) for p in positions)
    assert topology.twice_each_way(key) == nothing == (change in ("none", "far"))


@pytest.mark.parametrize("n,radius", [(500, 8.0), (800, 2.5), (2, 100.0), (1, 1.0)])
def test_near_pairs_finds_every_close_pair(n, radius) -> None:
    pts = np.random.default_rng(n).random((n, 3)) * [60, 40, 20]
    d = np.linalg.norm(pts[:, None] - pts[None], axis=2)
    i, j = np.nonzero(np.triu(d <= radius, k=1))
    expected = {(int(a), int(b)) for a, b in zip(i, j, strict=True)}
    assert {tuple(p) for p in near_pairs(pts, radius).tolist()} == expected


def test_weld_in_file_order_reports_as_in_hash_order() -> None:
    """Vertices numbered by first corner inside the analysis; edges and bodies reported in the
    hash-order numbering `merge_vertices` gives (the reports' numbering did not change)."""
    rng = np.random.default_rng(4)
    tri = np.concatenate([_triangles(4, n=60), _triangles(5, n=60) + 100, _triangles(6, n=3) + 300])
    tri = tri[rng.permutation(len(tri))]
    unique, inverse, hash_id = mesh_reader.weld(tri)
    vertices, faces = merge_vertices(tri)
    assert np.array_equal(vertices[hash_id], unique.astype(np.float64))
    assert np.array_equal(hash_id[inverse].reshape(-1, 3), faces)
    assert np.all(np.diff(np.unique(inverse, return_index=True)[1]) > 0)  # numbered by first corner
    in_file = inverse.reshape(-1, 3)
    for got, want in zip(topology.edges(in_file, len(unique), hash_id), topology.edges(faces, len(vertices)), strict=True):
        assert np.array_equal(hash_id[got] if len(got) else got, want)
    bodies, face_body = topology.bodies(in_file, len(unique), hash_id)
    expected_bodies, expected_face_body = topology.bodies(faces, len(vertices))
    assert bodies == expected_bodies > 1 and face_body.tolist() == expected_face_body.tolist()


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_area_weighted_faces_draw_what_choice_draws(seed) -> None:
    """The thin-wall samples: the same faces as `rng.choice(..., p=...)` and the generator left
    in the same state (a numpy upgrade that changes `choice` shows here, not in a verdict)."""
    from slicing.analysis.thin_walls import area_weighted_faces

    rng = np.random.default_rng(seed + 10)
    areas = rng.random(3000) * (rng.random(3000) > 0.2)
    area = float(areas.sum())
    mine, theirs = np.random.default_rng(seed), np.random.default_rng(seed)
    assert np.array_equal(area_weighted_faces(mine, areas, area, 700), theirs.choice(len(areas), size=700, p=areas / area))
    assert np.array_equal(mine.random(4), theirs.random(4))


def test_float32_section_bounds_compare_as_float64() -> None:
    """The first-layer section compares float32 corners with a float64 height through float32
    bounds: the same answers as widening every corner."""
    from slicing.analysis.mesh_footprint import _bounds_in

    rng = np.random.default_rng(4)
    values = np.concatenate([rng.normal(size=2000), [0.0, -0.0, 0.1, 0.2, 1 / 3]]).astype(np.float32)
    heights = [*rng.normal(size=50), *map(float, values[:50]), *(float(np.nextafter(v, np.float32(1))) for v in values[:20]),
               0.1, 0.2, 1 / 3]
    for z in heights:
        above, below = _bounds_in(values.dtype, z)
        assert np.array_equal(values < above, values.astype(np.float64) < z)
        assert np.array_equal(values > below, values.astype(np.float64) > z)
