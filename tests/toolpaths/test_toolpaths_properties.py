"""Properties over generated designs: compensation distance, order rules, no crash on junk."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from program_reader import moves
from shapely.geometry import Point, Polygon
from toolpaths_shapes import square

from slicing.geometry import Drawing, Path2D
from slicing.prepare import prepare_program

coords = st.one_of(st.floats(min_value=-500, max_value=500), st.sampled_from([np.nan, np.inf, -np.inf, 1e12, 0.0]))
junk_path = st.builds(
    lambda pts, closed, stroke: Path2D(np.array(pts, dtype=float).reshape(-1, 2), closed, stroke=stroke),
    st.lists(st.tuples(coords, coords), min_size=0, max_size=12),
    st.booleans(),
    st.sampled_from([None, "#ff0000", "#0000ff", "#123456", "red"]),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(paths=st.lists(junk_path, max_size=6), machine_id=st.sampled_from(["laser-1", "cnc-1", "vinyl-1"]))
def test_junk_drawings_never_crash(spec, paths, machine_id):
    program = prepare_program(Drawing(paths=paths), spec.machine(machine_id))
    assert all(i["code"] != "prepare_failed" for i in program.issues), program.issues
    if program.ok:
        assert all(line.isascii() for line in program.lines)


def star(n: int, r_out: float, r_in: float, cx=100.0, cy=100.0) -> np.ndarray:
    t = np.linspace(0, 2 * np.pi, 2 * n, endpoint=False)
    r = np.where(np.arange(2 * n) % 2 == 0, r_out, r_in)
    return np.column_stack([cx + r * np.cos(t), cy + r * np.sin(t)])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(n=st.integers(3, 9), r_in=st.floats(20, 45), tool=st.sampled_from([3.0, 6.0]))
def test_cnc_outside_profile_keeps_one_radius_from_convex_and_round_corners(spec, n, r_in, tool):
    part = Polygon(star(n, 50, r_in))
    d = Drawing(paths=[Path2D(np.asarray(part.exterior.coords)[:-1], True)])
    program = prepare_program(d, spec.machine("cnc-1"), options={"placement": "keep", "tabs": False,
                                                                 "tool_diameter_mm": tool})
    for m in moves(program.lines):
        if m.kind == "feed" and m.start[:2] != m.end[:2]:
            p = Point(m.end[:2])
            assert part.exterior.distance(p) >= tool / 2 - 0.01  # never gouges the part
            assert not part.contains(p)


@pytest.mark.parametrize("kerf", [0.1, 0.2, 0.35])
def test_kerf_offsets_follow_containment_at_every_vertex(spec, kerf):
    outer = square(10, 10, 80)
    hole = square(30, 30, 20)
    island = square(35, 35, 10)
    d = Drawing(paths=[Path2D(p, True) for p in (outer, hole, island)])
    program = prepare_program(d, spec.machine("laser-1"), options={"placement": "keep", "kerf_mm": kerf})
    assert program.ok
    for m in moves(program.lines):
        if m.kind != "feed":
            continue
        p = Point(m.end[:2])
        nearest = min((Polygon(s) for s in (outer, hole, island)), key=lambda poly: poly.exterior.distance(p))
        # mitred corners sit at kerf/2 * sqrt(2) diagonally; sides at kerf/2, and always outside the material
        assert kerf / 2 - 1e-3 <= nearest.exterior.distance(p) <= kerf / 2 * np.sqrt(2) + 1e-3
        material = Polygon(outer).difference(Polygon(hole)).union(Polygon(island))
        assert not material.buffer(-1e-4).contains(p)
