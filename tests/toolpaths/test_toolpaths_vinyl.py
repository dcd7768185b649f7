"""Vinyl programs: blade offset swivels, overcut, weeding border, HPGL units, order."""

from __future__ import annotations

import numpy as np
import pytest
from program_reader import hpgl_moves
from shapely.geometry import Point, Polygon
from toolpaths_shapes import square

from slicing.geometry import Drawing, Path2D
from slicing.prepare import prepare_program
from slicing.toolpaths.dragknife import blade_compensate, with_overcut


def test_blade_axis_leads_the_tip_and_swivels_at_corners():
    tip = with_overcut(square(0, 0, 20), 1.0)
    axis = blade_compensate(tip, 0.25)
    # every axis point is one blade offset from a tip vertex (leading it or swivelling round it)
    # and never inside the shape by more than that
    for p in axis:
        assert np.hypot(*(tip - p).T).min() == pytest.approx(0.25, abs=1e-9)
        assert Polygon(square(0, 0, 20)).exterior.distance(Point(p)) <= 0.25 + 1e-9
    corners = [np.array(c, float) for c in ([20, 0], [20, 20], [0, 20], [0, 0])]
    for c in corners:  # a quarter-turn swivel of radius 0.25 around each corner
        near = [p for p in axis if np.hypot(*(p - c)) == pytest.approx(0.25, abs=1e-9)]
        assert len(near) >= 4
    # the overcut carries the tip 1 mm past the start along the first side
    assert tip[-1] == pytest.approx([1.0, 0.0])


def test_blade_is_swivelled_on_the_spot_before_a_new_direction():
    tip = np.array([[10.0, 10.0], [10.0, 30.0]])  # going +y, blade left pointing -x
    axis = blade_compensate(tip, 0.5, start_direction=np.array([-1.0, 0.0]))
    assert axis[0] == pytest.approx([9.5, 10.0])  # the blade comes down trailing its old direction
    swivel = axis[: np.argmax(np.isclose(axis[:, 1], 30.0))]
    assert all(np.hypot(*(p - tip[0])) == pytest.approx(0.5) for p in swivel)  # turning round the tip
    assert axis[-1] == pytest.approx([10.0, 30.5])


def test_hpgl_program_contract_and_units(spec):
    d = Drawing(paths=[Path2D(square(0, 0, 50), True), Path2D(square(20, 20, 10), True)])
    program = prepare_program(d, spec.machine("vinyl-1"), options={"weeding_border": False, "blade_offset_mm": 0})
    assert program.ok, program.issues
    assert program.format == "hpgl"
    assert program.lines[:3] == ["IN;", "SP1;", "VS20;"]  # 12000 mm/min = 20 cm/s
    assert program.lines[-1] == "SP0;"
    cuts = [m for m in hpgl_moves(program.lines) if m.kind == "feed"]
    xs = [m.end[0] for m in cuts]
    assert max(xs) - min(xs) == pytest.approx(50.0, abs=0.03)  # 2000 plotter units
    assert "PD2000,0;" in program.lines or "PD2000,2000;" in program.lines


def test_weeding_border_is_cut_last_around_everything(spec):
    d = Drawing(paths=[Path2D(square(0, 0, 30), True), Path2D(square(40, 0, 30), True)])
    program = prepare_program(d, spec.machine("vinyl-1"), options={"blade_offset_mm": 0, "overcut_mm": 0})
    runs, current = [], []
    for m in hpgl_moves(program.lines):
        if m.kind == "feed":
            current.append(m.end[:2])
        elif current:
            runs.append(np.array(current))
            current = []
    last = runs[-1]
    assert last[:, 0].max() - last[:, 0].min() == pytest.approx(70 + 2 * 5, abs=0.05)
    assert program.metrics["weeding_border_mm"] == 5


def test_gcode_output_for_grbl_cutters(spec):
    d = Drawing(paths=[Path2D(square(0, 0, 30), True)])
    grbl_cutter = spec.machine("vinyl-1").model_copy(update={"driver": "grbl"})
    program = prepare_program(d, grbl_cutter, options={"output": "gcode"})
    assert program.format == "gcode" and program.ok, program.issues
    assert any(line.startswith("G1 Z0") for line in program.lines)
    # the same program for the HPGL-driven cutter is refused, not streamed as garbage
    wrong = prepare_program(d, spec.machine("vinyl-1"), options={"output": "gcode"})
    assert not wrong.ok and wrong.issues[-1]["code"] == "format_mismatch"


def test_counters_are_cut_before_their_letter(spec):
    outer = Path2D(square(0, 0, 40), True, source="O")
    counter = Path2D(square(15, 15, 10), True, source="O-counter")
    program = prepare_program(Drawing(paths=[outer, counter]), spec.machine("vinyl-1"),
                              options={"weeding_border": False, "blade_offset_mm": 0, "overcut_mm": 0})
    first_cut = next(m for m in hpgl_moves(program.lines) if m.kind == "feed")
    assert first_cut.start[0] > 10  # the counter, placed 15 mm in (minus nothing: no offsets)
