"""The compiled mesh passes (slicing/_meshkernel*.c) give, bit for bit, what the numpy
passes give: welding, edges, bodies and every fact of the analysis, on meshes with open and
non-manifold edges, flipped, duplicate and degenerate faces, several bodies, float64 corners,
values that round together or not, and non-finite ones. Results, not timings."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import slicing.readers.weld as weld_module
from slicing import meshkernel
from slicing.analysis import mesh_topology as topology
from slicing.analysis.mesh_facts import _per_face_numpy, mesh_facts
from slicing.analysis.near_pairs import Facing, near_pairs
from slicing.analysis.thin_walls import thin_walls
from slicing.readers import merge_vertices
from slicing.readers.stl import corner_bounds


@pytest.fixture
def use(monkeypatch):
    """use("c") / use("numpy"): which passes the next calls run (FABLAB_MESH_KERNEL)."""

    def switch(kernel: str) -> None:
        monkeypatch.setenv("FABLAB_MESH_KERNEL", kernel)
        assert meshkernel.available() == (kernel == "c")

    return switch


def both(use, run):
    """run() with the compiled passes, then with the numpy ones."""
    use("c")
    fast = run()
    use("numpy")
    return fast, run()


def assert_same(a, b) -> None:
    """Equal values, dtypes and shapes, arrays compared by their bytes (NaN equal to itself)."""
    if isinstance(a, np.ndarray):
        assert isinstance(b, np.ndarray) and a.dtype == b.dtype and a.shape == b.shape
        assert a.tobytes() == b.tobytes()
    elif isinstance(a, tuple | list):
        assert type(a) is type(b) and len(a) == len(b)
        for x, y in zip(a, b, strict=True):
            assert_same(x, y)
    elif isinstance(a, float) and np.isnan(a):
        assert isinstance(b, float) and np.isnan(b)
    else:
        assert a == b


def assert_same_facts(triangles: np.ndarray, use) -> None:
    fast, slow = both(use, lambda: mesh_facts(triangles))
    for field in dataclasses.fields(fast):
        if field.name != "triangles":
            assert_same(getattr(fast, field.name), getattr(slow, field.name))


def _cube(offset: float = 0.0) -> np.ndarray:
    """A closed, outward-wound cube of side 10 as (12, 3, 3) float32 triangles."""
    v = np.array([[0, 0, 0], [10, 0, 0], [10, 10, 0], [0, 10, 0], [0, 0, 10], [10, 0, 10], [10, 10, 10],
                  [0, 10, 10]], dtype=np.float32) + np.float32(offset)
    f = [(0, 2, 1), (0, 3, 2), (4, 5, 6), (4, 6, 7), (0, 1, 5), (0, 5, 4), (1, 2, 6), (1, 6, 5), (2, 3, 7),
         (2, 7, 6), (3, 0, 4), (3, 4, 7)]
    return v[np.array(f)]


def test_the_compiled_kernel_is_built() -> None:
    """`make` (pip install -e .) builds it; without it every analysis runs the numpy passes."""
    assert meshkernel._meshkernel is not None


def test_the_variable_turns_the_kernel_off(use) -> None:
    use("numpy")
    assert meshkernel.weld(_cube().reshape(-1, 3)) is None
    assert meshkernel.edges(np.zeros((1, 3), dtype=np.int32), 1) is None
    assert meshkernel.bodies(np.zeros((1, 3), dtype=np.int32), 1, True) is None


CASES = {
    "closed": lambda: _cube(),
    "open": lambda: _cube()[1:],
    "flipped": lambda: np.concatenate([_cube()[:3], _cube()[3:4, ::-1], _cube()[4:]]),
    "non-manifold": lambda: np.concatenate([_cube(), np.float32([[[0, 0, 0], [10, 10, 0], [5, 5, -10]]])]),
    "duplicate faces": lambda: np.concatenate([_cube(), _cube()[:4]]),
    "duplicate flipped": lambda: np.concatenate([_cube(), _cube()[:4, ::-1]]),
    "degenerate": lambda: np.concatenate([_cube(), np.float32([[[1, 1, 1], [1, 1, 1], [2, 2, 2]],
                                                               [[3, 3, 3], [3, 3, 3], [3, 3, 3]]])]),
    "bodies": lambda: np.concatenate([_cube(30), _cube(), _cube(-30)[::-1], _cube(60)[2:]]),
    "float64": lambda: np.concatenate([_cube(), _cube(20)]).astype(np.float64) + 1e-3,
    "near values": lambda: _cube() + np.float32(3e-9) * (np.arange(36, dtype=np.float32).reshape(12, 3, 1) % 3),
    "signed zeros": lambda: _cube() * np.float32(-1.0),
    "one triangle": lambda: _cube()[:1],
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_facts_are_the_same_with_either_kernel(case, use) -> None:
    assert_same_facts(CASES[case](), use)


@pytest.mark.parametrize("case", sorted(CASES))
def test_weld_and_merge_are_the_same_with_either_kernel(case, use) -> None:
    tri = CASES[case]()
    assert_same(*both(use, lambda: weld_module.weld(tri)))
    assert_same(*both(use, lambda: merge_vertices(tri)))


def test_non_finite_corners_weld_alike(use) -> None:
    """The readers refuse them first (stl_non_finite); the passes still agree bit for bit."""
    tri = np.concatenate([_cube(), _cube(5)])
    tri[3, 1, 2] = np.nan
    tri[4, 0, 2] = np.nan
    tri[5, 0, 0] = np.inf
    tri[6, 2, 1] = -np.inf
    tri[7, 1, 0] = np.float32(3e38)  # overflows to inf when rounded, in numpy as in C
    assert_same(*both(use, lambda: weld_module.weld(tri)))


def test_an_empty_mesh(use) -> None:
    tri = np.empty((0, 3, 3), dtype=np.float32)
    assert_same(*both(use, lambda: weld_module.weld(tri)))


@pytest.mark.parametrize("prefix_bits", [64, 20, 3])
def test_hash_order_with_colliding_hashes(prefix_bits, use, monkeypatch) -> None:
    """Vertices whose hashes share a prefix, or the whole hash: the compiled weld's hash order
    falls back as the numpy pass does, to the same numbering."""
    rng = np.random.default_rng(7)
    points = np.round(rng.random((300, 3)) * 50, 2).astype(np.float32)
    tri = points[rng.integers(0, 300, size=(600, 3))]
    real_hash = weld_module._hash
    keep = np.uint64(((1 << prefix_bits) - 1) << (64 - prefix_bits)) if prefix_bits < 64 else None
    if keep is not None:
        monkeypatch.setattr(weld_module, "_hash", lambda words: real_hash(words) & keep)
    assert_same(*both(use, lambda: weld_module.weld(tri)))


@pytest.mark.parametrize("all_used", [False, True])
def test_edges_and_bodies_on_raw_faces(all_used, use) -> None:
    """Faces straight from a test (vertices unused, repeated in a face, in any order)."""
    rng = np.random.default_rng(11)
    for n_vertices, n_faces in ((60, 200), (200, 40), (5, 30), (1, 1)):
        faces = rng.integers(0, n_vertices, size=(n_faces, 3))
        if all_used:
            faces = np.unique(faces, return_inverse=True)[1].reshape(-1, 3)
            n_vertices = int(faces.max()) + 1
        hash_id = rng.permutation(n_vertices).astype(np.int32)
        for ids in (None, hash_id):
            assert_same(*both(use, lambda f=faces, n=n_vertices, i=ids: topology.edges(f, n, i)))
            assert_same(*both(use, lambda f=faces, n=n_vertices, i=ids: topology.bodies(f, n, i, all_used)))


def test_faces_outside_the_vertices_go_to_the_numpy_pass(use) -> None:
    use("c")
    faces = np.array([[0, 1, 7]], dtype=np.int32)
    assert meshkernel.edges(faces, 3) is None and meshkernel.bodies(faces, 3, False) is None


grid = st.integers(min_value=0, max_value=5)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(corners=st.lists(st.tuples(grid, grid, grid), min_size=3, max_size=90).filter(lambda c: len(c) % 3 == 0),
       wide=st.booleans(), jitter=st.sampled_from([0.0, 2e-9, 7e-9, 1e-7]), negate=st.booleans(),
       shift=st.sampled_from([0.0, 0.5, -7.25]))
def test_random_meshes_give_the_same_facts(corners, wide, jitter, negate, shift, use) -> None:
    """Corners on a small grid (so they repeat, faces share edges, some collapse), nudged below
    or above the 1e-8 merge, mirrored through 0 (signed zeros), shifted off 0 (a box with no
    zero bound: the compiled per-face pass gives it), float32 or float64."""
    tri = np.array(corners, dtype=np.float64).reshape(-1, 3, 3) * 2.5
    tri += jitter * (np.arange(tri.size).reshape(tri.shape) % 2)
    if negate:
        tri = -tri
    tri += shift
    tri = tri if wide else tri.astype(np.float32)
    assert_same(*both(use, lambda: weld_module.weld(tri)))
    assert_same_facts(tri, use)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_per_face_figures_match_even_with_signed_zeros(dtype, use) -> None:
    """Every per-face array bit for bit, -0.0 beside 0.0 in a face's z (the lowest and highest z
    keep numpy's choice); a box bound at 0 with the sign numpy gives, unless both signs are on
    that axis (then numpy's reduction picks one: left to numpy)."""
    rng = np.random.default_rng(9)
    tri = (rng.random((500, 3, 3)) * 20 - 10).astype(dtype)
    tri[:50, :, 2] = np.array([-0.0, 0.0, 0.0], dtype=dtype)[rng.integers(0, 3, size=(50, 3))]
    tri[50:60] = tri[50:51]  # degenerate: zero area, zero normal
    use("c")
    fast = meshkernel.per_face(tri)
    assert fast is not None
    assert_same(fast, _per_face_numpy(tri))
    tri[:, :, 2] = np.abs(tri[:, :, 2])  # the lowest z is now 0.0 (a part on the bed)
    assert_same(meshkernel.per_face(tri), _per_face_numpy(tri))
    tri[:, :, 1] = -np.abs(tri[:, :, 1]) * 0  # every y is -0.0: both bounds -0.0
    assert_same(meshkernel.per_face(tri), _per_face_numpy(tri))
    tri[0, 0, 2] = -0.0  # -0.0 and 0.0 at the lowest z: numpy's reduction decides
    assert meshkernel.per_face(tri) is None


@pytest.mark.parametrize("n,radius", [(3000, 4.0), (800, 2.5), (200, 100.0), (2, 100.0), (1, 1.0), (50, 0.001)])
def test_close_pairs_are_the_same_pairs_in_the_same_order(n, radius, use) -> None:
    """near_pairs with the compiled candidate pass: the numpy pass's pairs, in its order, with
    and without a `keep` filter; a few more pairs than the first guess of room makes it ask again."""
    rng = np.random.default_rng(n)
    pts = rng.random((n, 3)) * [60, 40, 20]
    pts[n // 2:] = np.round(pts[n // 2:], 1)  # some points on the cell edges, some twice

    def keep(i: np.ndarray, j: np.ndarray) -> np.ndarray:
        return (i + j) % 3 != 0

    normal = rng.normal(size=(n, 3))
    normal /= np.linalg.norm(normal, axis=1)[:, None]
    normal[1::2] = -normal[::2][: n // 2]  # half the samples face another one exactly
    faces = rng.integers(0, max(1, n // 3), size=n)  # some samples share a face
    mesh_faces = rng.integers(0, max(3, n // 2), size=(max(1, n // 3), 3)).astype(np.int32)  # and a vertex
    columns = tuple(np.ascontiguousarray(c) for c in normal.T)
    for filt in (None, keep, Facing(columns, faces, None), Facing(columns, faces, mesh_faces)):
        assert_same(*both(use, lambda f=filt: near_pairs(pts, radius, keep=f)))


def test_thin_walls_are_the_same_with_either_kernel(use) -> None:
    """A slab 0.3 mm thick (thinner than the nozzle) beside a thick block: the same thin area,
    thickness, points and faces."""
    slab = _cube() * np.float32([3, 3, 0.03])
    tri = np.concatenate([slab, _cube(40) * np.float32(2)])
    fast, slow = both(use, lambda: mesh_facts(tri))
    walls = both(use, lambda: thin_walls(tri, slow.normals_of, slow.face_areas, 0.4, slow.faces))
    assert walls[0] is not None and walls[0] == walls[1]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_corner_bounds_are_the_same_with_either_kernel(dtype, use) -> None:
    """The box of the corners in their own dtype, the sign of a zero bound included."""
    rng = np.random.default_rng(12)
    tri = (rng.random((300, 3, 3)) * 20).astype(dtype)  # x, y, z >= 0
    tri[:, :, 2] -= dtype(10)
    tri[5, 1, 0] = 0.0  # lowest x is 0.0
    tri[:, :, 1] = -tri[:, :, 1]
    tri[7, 2, 1] = -0.0  # highest y is -0.0
    for points in (tri, tri.reshape(-1, 3), tri[:1]):
        assert_same(*both(use, lambda p=points: corner_bounds(p)))
    tri[8, 0, 1] = 0.0  # and 0.0: numpy decides
    use("c")
    assert meshkernel.bounds(tri) is None
    tri[8, 0, 1] = -0.0
    assert meshkernel.bounds(tri) is not None
    for bad in (np.nan, np.inf, -np.inf):
        tri[9, 2, 2] = bad
        assert meshkernel.bounds(tri) is None and meshkernel.per_face(tri) is None
