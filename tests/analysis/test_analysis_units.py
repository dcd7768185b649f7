"""The unit question (issue 12, item 4): each plausible unit with the size it gives; a doubtful
file is not usable until the unit is chosen; the chosen unit reaches the analysis and prepare
alike; an old-Inkscape SVG is measured at 90 px/in while the question is asked."""

from __future__ import annotations

import pytest
from analysis_files import binary_stl, box_triangles, write
from test_analysis_dxf_quirks import headerless_square

from slicing.analysis import analyze_file
from slicing.prepare import prepare_program

OLD_INKSCAPE = ('<svg xmlns="http://www.w3.org/2000/svg" xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape" '
                'inkscape:version="0.91 r13725" width="360" height="180" viewBox="0 0 360 180">'
                '<rect x="0" y="0" width="180" height="90" fill="none" stroke="#ff0000"/></svg>')


def _units(result: dict) -> dict:
    return result["units"]


def test_a_unitless_dxf_waits_for_its_unit_then_is_usable_at_that_size(tmp_path, spec):
    path = write(tmp_path, "square.dxf", headerless_square())
    asked = analyze_file(path, spec=spec, machine_id="laser-1")
    assert asked["valid"] and not asked["usable"]  # nothing wrong in the drawing, but its size is unknown
    units = _units(asked)
    assert units["pending"] and units["chosen"] is None and units["variant"] == "dxf_unitless"
    sizes = {c["unit"]: c["bbox_mm"] for c in units["choices"]}
    assert sizes == {"mm": [40.0, 40.0], "cm": [400.0, 400.0], "in": [1016.0, 1016.0]}  # 40 m is no fablab part
    assert "units_unconfirmed" in {i["code"] for i in asked["issues"]}
    inches = analyze_file(path, spec=spec, machine_id="laser-1", scale=25.4)
    assert _units(inches)["chosen"] == "in" and not _units(inches)["pending"]
    assert inches["metrics"]["bbox_mm"] == [1016.0, 1016.0] and not inches["usable"]  # 1 m: too big for the laser
    assert "units_unconfirmed" not in {i["code"] for i in inches["issues"]}
    cm = analyze_file(path, spec=spec, machine_id="cnc-1", scale=10.0)
    assert cm["usable"] and _units(cm)["chosen"] == "cm" and cm["metrics"]["bbox_mm"] == [400.0, 400.0]
    mm = analyze_file(path, spec=spec, machine_id="laser-1", scale=1.0)
    assert mm["usable"] and _units(mm)["chosen"] == "mm" and mm["metrics"]["bbox_mm"] == [40.0, 40.0]
    program = prepare_program(path, spec.machine("cnc-1"), options={"scale": 10.0})
    assert program.ok and program.metrics["bounds_mm"] == pytest.approx([0.0, 0.0, 406.0, 406.0])  # + the tool


def test_an_old_inkscape_svg_is_quoted_at_90_px_per_inch_while_asked(tmp_path, spec):
    path = write(tmp_path, "old.svg", OLD_INKSCAPE)
    asked = analyze_file(path, spec=spec, machine_id="laser-1")
    units = _units(asked)
    assert units["variant"] == "svg_90dpi" and units["pending"] and units["default"] == "px90"
    assert asked["metrics"]["bbox_mm"] == [50.8, 25.4]  # 180 px at 90 px/in = 2 in
    assert {c["unit"]: c["bbox_mm"] for c in units["choices"]} == {"px90": [50.8, 25.4], "px96": [47.62, 23.81]}
    assert asked["quotes"] and asked["quotes"][0]["seconds"] > 0
    px96 = analyze_file(path, spec=spec, machine_id="laser-1", scale=1.0)
    assert px96["usable"] and _units(px96)["chosen"] == "px96" and px96["metrics"]["bbox_mm"] == [47.62, 23.81]
    # prepare measures the same part as the analysis: 90 px/in until the member says otherwise
    program = prepare_program(path, spec.machine("laser-1"))
    assert program.ok
    assert program.metrics["cut_length_mm"] == pytest.approx(asked["metrics"]["cut_length_mm"], rel=0.02)


def test_a_mesh_in_metres_is_not_usable_until_its_unit_is_chosen(tmp_path, spec):
    path = write(tmp_path, "bracket.stl", binary_stl(box_triangles((0.04, 0.02, 0.01))))  # 40 x 20 x 10 mm, in m
    asked = analyze_file(path, spec=spec, machine_id="prusa-mk3", material="PLA")
    units = _units(asked)
    assert units["variant"] == "mesh" and units["pending"] and not asked["usable"]
    assert {c["unit"]: c["bbox_mm"] for c in units["choices"]}["m"] == [40.0, 20.0, 10.0]
    metres = analyze_file(path, spec=spec, machine_id="prusa-mk3", material="PLA", scale=1000.0)
    assert metres["usable"] and _units(metres)["chosen"] == "m"
    assert metres["metrics"]["bbox_mm"] == pytest.approx([40.0, 20.0, 10.0])
    assert metres["metrics"]["mass_g"] > 5 and "mesh_scale_suspicious" not in {i["code"] for i in metres["issues"]}
    program = prepare_program(path, spec.machine("prusa-mk3"), "PLA", {"scale": 1000.0, "slicer": "builtin"})
    assert program.ok and program.metrics["filament_mm"] > 100


def test_a_mesh_of_a_few_mm_is_asked_but_not_held(tmp_path, spec):
    path = write(tmp_path, "pin.stl", binary_stl(box_triangles((6, 4, 4))))
    result = analyze_file(path, spec=spec, machine_id="prusa-mk3")
    assert _units(result)["required"] is False and result["usable"]
    assert analyze_file(write(tmp_path, "cube.stl", binary_stl(box_triangles())), spec=spec)["units"] is None
