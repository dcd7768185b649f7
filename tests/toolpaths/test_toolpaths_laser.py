"""Laser programs measured as geometry: kerf, order, travel, G-code contract."""

from __future__ import annotations

import numpy as np
import pytest
from program_reader import moves
from shapely.geometry import Polygon, box
from toolpaths_shapes import circle, square

from jobqueue.cli.words import issue_text
from slicing.geometry import Drawing, Path2D
from slicing.prepare import prepare_program


def cut_runs(lines: list[str]) -> list[np.ndarray]:
    """The polylines cut (G1 runs between rapids), in program order."""
    runs: list[list] = []
    current: list = []
    for m in moves(lines):
        if m.kind == "feed":
            if not current:
                current.append(m.start[:2])
            current.append(m.end[:2])
        elif current:
            runs.append(current)
            current = []
    if current:
        runs.append(current)
    return [np.array(r) for r in runs]


def test_square_with_kerf_encloses_a_bigger_square(spec):
    machine = spec.machine("laser-1")
    d = Drawing(paths=[Path2D(square(20, 30, 50), True, stroke="#ff0000")])
    program = prepare_program(d, machine, options={"kerf_mm": 0.2, "placement": "keep"})
    assert program.ok, program.issues
    (run,) = cut_runs(program.lines)
    outline = Polygon(run)
    assert outline.contains(box(20 - 0.1 + 1e-6, 30 - 0.1 + 1e-6, 70.1 - 1e-6, 80.1 - 1e-6))
    assert outline.area == pytest.approx(50.2 * 50.2, abs=1e-3)
    xs, ys = run[:, 0], run[:, 1]
    assert xs.max() - xs.min() == pytest.approx(50.2, abs=1e-3)
    assert ys.max() - ys.min() == pytest.approx(50.2, abs=1e-3)


def test_hole_is_offset_inward_and_cut_before_its_contour(spec):
    machine = spec.machine("laser-1")
    d = Drawing(
        paths=[
            Path2D(square(0, 0, 100), True, stroke="#ff0000", source="outer"),
            Path2D(circle(30, 30, 10), True, stroke="#ff0000", source="hole"),
            Path2D(square(60, 60, 20), True, stroke="#ff0000", source="hole2"),
            Path2D(square(65, 65, 10), True, stroke="#ff0000", source="part-in-hole"),
        ]
    )
    program = prepare_program(d, machine, options={"kerf_mm": 0.4, "margin_mm": 5})
    assert program.ok, program.issues
    runs = [Polygon(r - 5.2) for r in cut_runs(program.lines)]  # undo the placement
    assert len(runs) == 4
    areas = [p.area for p in runs]
    outer_pos = int(np.argmax(areas))
    assert outer_pos == 3, "the outer contour is cut last"
    hole2 = next(i for i, p in enumerate(runs) if abs(p.area - 19.6**2) < 1e-3)
    inner_part = next(i for i, p in enumerate(runs) if abs(p.area - 10.4**2) < 1e-3)
    assert inner_part < hole2 < outer_pos
    round_hole = next(p for p in runs if p.centroid.distance(Polygon(circle(30, 30, 10)).centroid) < 1e-2)
    assert round_hole.area < Polygon(circle(30, 30, 10)).area


def test_operations_follow_colours_and_layers(spec):
    machine = spec.machine("laser-1")
    d = Drawing(
        paths=[
            Path2D(square(0, 0, 40), True, stroke="#ff0000"),
            Path2D(np.array([[5.0, 5.0], [30.0, 5.0]]), False, stroke="#0000ff"),
            Path2D(np.array([[5.0, 10.0], [30.0, 10.0]]), False, layer="ENGRAVE"),
        ]
    )
    program = prepare_program(d, machine, material="MDF 6 mm")
    assert program.ok, program.issues
    s_values = [float(w[1:]) for line in program.lines if line.startswith("G1") for w in line.split() if w[0] == "S"]
    assert 300.0 in s_values and 1000.0 in s_values  # engrave 30 %, cut 100 % of S-max 1000
    assert program.metrics["passes"] == 1 + 1 + 2  # MDF cuts in 2 passes
    assert program.lines.index("M4 S0") < next(i for i, line in enumerate(program.lines) if line.startswith("G1"))
    assert "M8" in program.lines and program.lines[-3:].count("M9") == 1
    assert "M5" in program.lines[-4:]
    # engraving runs before cutting
    first_cut = next(i for i, line in enumerate(program.lines) if "S1000" in line)
    assert all(i < first_cut for i, line in enumerate(program.lines) if "S300" in line)


def test_no_air_assist_when_machine_says_so(spec):
    machine = spec.machine("laser-1")
    d = Drawing(paths=[Path2D(square(0, 0, 10), True)])
    program = prepare_program(d, machine, options={"air_assist": False})
    assert "M8" not in program.lines and "M9" not in program.lines


def test_ordered_travel_is_shorter_than_file_order(spec):
    rng = np.random.default_rng(4)
    centres = rng.uniform(10, 380, size=(120, 2))
    d = Drawing(paths=[Path2D(circle(x, y, 3, 16), True, stroke="#ff0000") for x, y in centres])
    program = prepare_program(d, spec.machine("laser-1"))
    assert program.ok, program.issues
    m = program.metrics
    assert m["travel_mm"] < 0.5 * m["travel_file_order_mm"], m


def test_hole_smaller_than_kerf_is_reported(spec):
    d = Drawing(paths=[Path2D(square(0, 0, 20), True), Path2D(square(5, 5, 0.1), True, source="tiny")])
    program = prepare_program(d, spec.machine("laser-1"), options={"kerf_mm": 0.2})
    assert any(i["code"] == "smaller_than_kerf" and i["location"]["source"] == "tiny" for i in program.issues)
    assert program.ok  # a warning, not an error


def test_empty_and_hostile_drawings_become_issues(spec):
    machine = spec.machine("laser-1")
    empty = prepare_program(Drawing(), machine)
    assert not empty.ok and any(i["code"] == "drawing_empty" for i in empty.issues)
    nan = Drawing(paths=[Path2D(np.array([[0, 0], [np.nan, 5], [10, 10]], float), False)])
    assert prepare_program(nan, machine).ok  # the NaN point is dropped, the rest is cut
    huge = Drawing(paths=[Path2D(square(0, 0, 5000), True)])
    program = prepare_program(huge, machine)
    assert not program.ok and any(i["code"] == "drawing_too_big" for i in program.issues)


def test_unknown_material_is_an_issue(spec):
    program = prepare_program(Drawing(paths=[Path2D(square(0, 0, 10), True)]), spec.machine("laser-1"), "Balsa")
    assert not program.ok and program.issues[0]["code"] == "material_unknown"
    assert issue_text(program.issues[0], "fr")


def test_filled_engraving_hatches_the_shape_but_not_its_counter(spec):
    machine = spec.machine("laser-1")
    d = Drawing(
        paths=[
            Path2D(square(0, 0, 60), True, stroke="#ff0000"),
            Path2D(square(10, 10, 30), True, fill="#0000ff"),
            Path2D(square(20, 20, 10), True, fill="#0000ff"),  # the counter of an "O"
        ]
    )
    program = prepare_program(d, machine, options={"placement": "keep", "kerf_mm": 0, "engrave_interval_mm": 0.2})
    assert program.ok, program.issues
    engraved = [m for m in moves(program.lines) if m.kind == "feed" and m.power == 250]
    area = sum(np.hypot(*(np.array(m.end[:2]) - m.start[:2])) for m in engraved) * 0.2
    assert area == pytest.approx(30 * 30 - 10 * 10, rel=0.01)
    counter = box(20.05, 20.05, 29.95, 29.95)
    from shapely.geometry import LineString

    assert not any(counter.intersects(LineString([m.start[:2], m.end[:2]])) for m in engraved)
    last_engrave = max(m.line for m in engraved)
    assert all(m.line > last_engrave for m in moves(program.lines) if m.kind == "feed" and m.power == 850)
