"""CNC programs measured as geometry: tool offset, depth passes, tabs, pockets, refusals."""

from __future__ import annotations

import numpy as np
import pytest
from program_reader import moves
from shapely.geometry import LineString, Point, Polygon, box
from shapely.ops import unary_union
from toolpaths_shapes import circle, square

from jobqueue.cli.words import issue_text
from slicing.geometry import Drawing, Path2D
from slicing.prepare import prepare_program
from slicing.toolpaths.offsets import is_clockwise


def xy_cuts(lines, z_max=-0.0):
    return [m for m in moves(lines) if m.kind == "feed" and m.start[:2] != m.end[:2] and m.end[2] < z_max]


def test_outside_profile_runs_one_radius_off_the_part_everywhere(spec):
    part = Polygon(np.vstack([square(50, 50, 80), ]))
    part = part.difference(box(90, 90, 130, 130))  # an L-shaped part (one concave corner)
    pts = np.asarray(part.exterior.coords)[:-1]
    d = Drawing(paths=[Path2D(pts, True)])
    program = prepare_program(d, spec.machine("cnc-1"), options={"placement": "keep", "tabs": False})
    assert program.ok, program.issues
    moves = xy_cuts(program.lines)
    assert moves
    for m in moves:
        for t in np.linspace(0, 1, 5):
            p = Point(np.array(m.start[:2]) * (1 - t) + np.array(m.end[:2]) * t)
            assert part.exterior.distance(p) == pytest.approx(3.0, abs=0.01)
            assert not part.contains(p)


def test_depth_passes_follow_stepdown_and_go_through(spec):
    d = Drawing(paths=[Path2D(square(0, 0, 100), True)])
    program = prepare_program(d, spec.machine("cnc-1"), material="Contreplaqué 18 mm", options={"tabs": False})
    zs = sorted({round(m.end[2], 3) for m in moves(program.lines) if m.end[2] < 0 and m.start[2] == m.end[2]})
    assert zs[0] == pytest.approx(-18.2)  # through the sheet by 0.2 mm
    steps = np.diff([0.0] + [-z for z in reversed(zs)])
    assert len(zs) == 7 and all(s <= 3.0 + 1e-9 for s in steps)  # stepdown 3 mm
    assert program.metrics["passes"] == 7
    assert "M3 S18000" in program.lines and "M5" in program.lines


def test_tabs_hold_the_part_on_the_last_passes(spec):
    d = Drawing(paths=[Path2D(square(0, 0, 200), True)])
    program = prepare_program(d, spec.machine("cnc-1"), material="MDF 10 mm")
    tabs, run = [], 0.0
    for m in moves(program.lines):
        on_tab = m.kind == "feed" and abs(m.start[2] + 8.0) < 1e-6 and abs(m.end[2] + 8.0) < 1e-6
        if on_tab:
            run += float(np.hypot(*(np.array(m.end[:2]) - m.start[:2])))
        elif run:
            tabs.append(run)
            run = 0.0
    assert 2 <= len(tabs) <= 8
    for length in tabs:  # each lifted stretch is the tab plus the tool's diameter
        assert length == pytest.approx(6 + 6, abs=0.05)
    deepest = min(m.end[2] for m in moves(program.lines))
    assert deepest == pytest.approx(-10.2)


def test_climb_milling_direction(spec):
    d = Drawing(paths=[Path2D(square(0, 0, 100), True), Path2D(square(30, 30, 20), True)])
    for direction, outer_cw in (("climb", True), ("conventional", False)):
        program = prepare_program(d, spec.machine("cnc-1"), options={"direction": direction, "tabs": False})
        loops = _loops(program.lines)
        hole, outer = loops[0], loops[-1]
        assert is_clockwise(outer) == outer_cw
        assert is_clockwise(hole) != outer_cw


def _loops(lines):
    loops, current = [], []
    for m in moves(lines):
        if m.kind == "feed" and m.start[:2] != m.end[:2]:
            current.append(m.end[:2])
        elif m.kind == "rapid" and current:
            loops.append(np.array(current))
            current = []
    return loops


def test_hole_and_pocket_before_outline(spec):
    d = Drawing(
        paths=[
            Path2D(square(0, 0, 150), True, source="outline"),
            Path2D(circle(40, 40, 15), True, source="hole"),
            Path2D(square(80, 80, 40), True, layer="POCKET", source="pocket"),
        ]
    )
    program = prepare_program(d, spec.machine("cnc-1"), options={"tabs": False})
    assert program.ok, program.issues
    moves = xy_cuts(program.lines)
    shift = 3.0  # the outline's offset moved to the origin
    outline_ring = LineString(square(-3, -3, 156) + shift)
    first_outline = next(i for i, m in enumerate(moves) if outline_ring.distance(Point(m.end[:2])) < 3.5 and m.end[2] < -9)
    pocket_region = box(80 + shift, 80 + shift, 120 + shift, 120 + shift)
    pocket_moves = [i for i, m in enumerate(moves) if pocket_region.contains(Point(m.end[:2]))]
    assert pocket_moves and max(pocket_moves) < first_outline
    # the pocket is cleared: only the four corner fillets a round 6 mm tool leaves remain
    swept = unary_union([LineString([moves[i].start[:2], moves[i].end[:2]]).buffer(3.0) for i in pocket_moves])
    assert pocket_region.difference(swept).area == pytest.approx(4 * 9 * (1 - np.pi / 4), abs=0.3)
    assert min(moves[i].end[2] for i in pocket_moves) == pytest.approx(-9.0)  # half the 18 mm sheet


def test_slot_narrower_than_tool_is_refused(spec):
    part = box(0, 0, 60, 60).difference(box(20, 30, 23, 60))  # a 3 mm slot for a 6 mm tool
    d = Drawing(paths=[Path2D(np.asarray(part.exterior.coords)[:-1], True, source="slotted")])
    program = prepare_program(d, spec.machine("cnc-1"))
    assert not program.ok
    issue = next(i for i in program.issues if i["code"] == "narrower_than_tool")
    assert issue["location"]["source"] == "slotted"
    assert 19 <= issue["location"]["x"] <= 24
    small_hole = Drawing(paths=[Path2D(square(0, 0, 60), True), Path2D(circle(30, 30, 2), True)])
    assert any(i["code"] == "narrower_than_tool" for i in prepare_program(small_hole, spec.machine("cnc-1")).issues)


def test_parts_closer_than_tool_are_refused(spec):
    d = Drawing(paths=[Path2D(square(0, 0, 40), True), Path2D(square(44, 0, 40), True)])
    program = prepare_program(d, spec.machine("cnc-1"))
    assert any(i["code"] == "parts_too_close" for i in program.issues)


def test_missing_cutting_data_is_an_issue(spec):
    machine = spec.machine("cnc-1")
    bare = machine.model_copy(update={"materials": [machine.materials[0].model_copy(update={"feed_mm_min": None})]})
    program = prepare_program(Drawing(paths=[Path2D(square(0, 0, 40), True)]), bare)
    assert not program.ok and program.issues[0]["code"] == "cnc_settings_missing"
    assert "feed_mm_min" in issue_text(program.issues[0], "en")


@pytest.mark.parametrize("profile,expected", [("inside", -3.0), ("on", 0.0), ("outside", 3.0)])
def test_profile_side_follows_the_setting(spec, profile, expected):
    opening = Polygon(circle(100, 100, 40))
    d = Drawing(paths=[Path2D(circle(100, 100, 40), True)])
    program = prepare_program(d, spec.machine("cnc-1"), options={"placement": "keep", "profile": profile, "tabs": False})
    assert program.ok, program.issues
    for m in xy_cuts(program.lines):
        p = Point(m.end[:2])
        signed = opening.exterior.distance(p) * (1 if not opening.contains(p) else -1)
        assert signed == pytest.approx(expected, abs=0.05)


def test_layer_names_choose_cnc_operations(spec):
    d = Drawing(paths=[
        Path2D(square(0, 0, 100), True, layer="OUTSIDE"),
        Path2D(square(20, 20, 30), True, layer="Pocket"),
        Path2D(np.array([[60.0, 60.0], [90.0, 60.0]]), False, layer="ENGRAVE"),
    ])
    program = prepare_program(d, spec.machine("cnc-1"), material="MDF 10 mm", options={"tabs": False})
    assert program.ok, program.issues
    depths = sorted({round(-m.end[2], 2) for m in moves(program.lines) if m.end[2] < 0})
    assert 0.5 in depths and 5.0 in depths and 10.2 in depths  # engrave, pocket (half), through


def test_ramps_enter_the_material_at_a_gentle_angle(spec):
    d = Drawing(paths=[Path2D(square(0, 0, 100), True), Path2D(circle(50, 50, 2.5), True)])  # the hole: too small
    program = prepare_program(d, spec.machine("cnc-1"), material="MDF 10 mm", options={"tabs": False, "tool_diameter_mm": 3})
    assert program.ok, program.issues
    assert program.metrics["ramps"] == 3 and program.metrics["plunges"] == 3  # the outline ramps, the hole plunges
    for m in moves(program.lines):
        dz = m.start[2] - m.end[2]
        if m.kind == "feed" and dz > 1e-9 and m.end[2] < 0:
            run = float(np.hypot(*(np.array(m.end[:2]) - m.start[:2])))
            if run > 0:
                assert dz <= run * np.tan(np.radians(5)) + 2e-3  # coordinates carry 3 decimals
    # each pass still goes all the way round at its depth
    deepest = [m for m in moves(program.lines) if abs(m.end[2] + 10.2) < 1e-6 and m.start[2] == m.end[2]]
    assert sum(np.hypot(*(np.array(m.end[:2]) - m.start[:2])) for m in deepest) >= 4 * 103 - 1
