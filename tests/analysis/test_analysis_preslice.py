"""The pre-slice quote against the prepared program (issue 12, item 6): within 10 % of the time
and the filament of the program the machine's configured slicer makes. One small part on the
printer whose slicer is the built-in one (seconds, no PrusaSlicer run); bench/fit_preslice.py
--check measures every corpus file and generated solid on every printer."""

from __future__ import annotations

import pytest
import trimesh
from shapely.geometry import Polygon

from slicing.analysis import analyze_file
from slicing.motion import estimate_program
from slicing.prepare import prepare_program
from slicing.preslice import fdm_slicer


def test_the_quote_is_within_10_percent_of_the_builtin_program(tmp_path, spec):
    machine = spec.machine("ender-3")
    assert fdm_slicer(machine) == "builtin"  # as machines.yaml configures it
    path = tmp_path / "tee.stl"  # a shape the fit never saw
    tee = Polygon([(0, 0), (36, 0), (36, 10), (23, 10), (23, 26), (13, 26), (13, 10), (0, 10)])
    trimesh.creation.extrude_polygon(tee, 8).export(path)
    analysis = analyze_file(path, spec=spec, machine_id="ender-3", material="PLA")
    (quote,) = analysis["quotes"]
    metrics = analysis["metrics"]
    assert metrics["wall_area_mm2"] > 0 and metrics["top_area_mm2"] == pytest.approx(metrics["bottom_area_mm2"])
    program = prepare_program(path, machine, "PLA")
    assert program.ok and program.metrics["slicer"] == "builtin"
    seconds = estimate_program(program.lines, machine).seconds
    assert quote["seconds"] == pytest.approx(seconds, rel=0.10)
    assert quote["material_used"]["grams"] == pytest.approx(program.metrics["filament_g"], rel=0.10)
