"""FDM slicer choice (issue 12.6): when PrusaSlicer refuses a model the built-in slicer can
slice, `prepare` uses the built-in one and keeps PrusaSlicer's reason; `prepare --json` gives
the estimate in seconds."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import trimesh

from jobqueue.cli.main import main
from jobqueue.machines import load_spec
from slicing.prepare import prepare_program
from slicing.toolpaths.fdm.prusaslicer import refusal_reason

REPO = Path(__file__).resolve().parents[2]


def _octahedron_on_its_tip() -> trimesh.Trimesh:
    """Touches the bed at one point: nothing to extrude in the first layer, which PrusaSlicer refuses."""
    v = np.array([[0, 0, 0], [10, 0, 10], [0, 10, 10], [-10, 0, 10], [0, -10, 10], [0, 0, 20]], float) + [100, 100, 0]
    f = np.array([[0, 2, 1], [0, 3, 2], [0, 4, 3], [0, 1, 4], [5, 1, 2], [5, 2, 3], [5, 3, 4], [5, 4, 1]])
    mesh = trimesh.Trimesh(v, f)
    mesh.fix_normals()
    return mesh


def test_refusal_reason_keeps_prusaslicers_words() -> None:
    stderr = ("10 => Processing triangulated mesh\n90 => Exporting G-code to o.gcode\n"
              "There is an object with no extrusions in the first layer.\nObject name: model.stl\n")
    assert refusal_reason(stderr) == "There is an object with no extrusions in the first layer."
    assert refusal_reason("", "Slicing failed: empty layer\n") == "Slicing failed: empty layer"
    assert refusal_reason(None, "") == ""


@pytest.mark.skipif(shutil.which("prusa-slicer") is None, reason="prusa-slicer is not installed")
def test_a_model_prusaslicer_refuses_is_prepared_by_the_builtin_slicer() -> None:
    machine = load_spec(REPO / "machines.yaml").machine("prusa-mk3")
    program = prepare_program(_octahedron_on_its_tip(), machine, options={"slicer": "auto", "layer_height_mm": 0.3})
    assert program.ok and program.lines
    used = [i for i in program.issues if i["code"] == "prusaslicer_refused_builtin_used"]
    assert len(used) == 1 and used[0]["severity"] == "info"
    assert "first layer" in used[0]["detail"]  # PrusaSlicer's own words, a technical detail
    assert program.metrics["slicer"] == "builtin" and program.metrics["prusaslicer_refused"] is True
    insisted = prepare_program(_octahedron_on_its_tip(), machine,
                               options={"slicer": "prusaslicer", "layer_height_mm": 0.3})
    assert not insisted.ok and "first layer" in json.dumps(insisted.issues)


def test_prepare_json_gives_the_estimate_in_seconds(tmp_path, capsys) -> None:  # noqa: ANN001
    src = tmp_path / "square.svg"
    src.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="70mm" height="70mm" viewBox="0 0 70 70">'
                   '<rect x="10" y="10" width="50" height="50" fill="none" stroke="#ff0000"/></svg>')
    rc = main(["prepare", str(src), "--machine", "laser-1", "-o", str(tmp_path / "o.gcode"), "--json"])
    out = json.loads(capsys.readouterr().out)
    assert rc == 0
    assert isinstance(out["estimate_s"], float) and out["estimate_s"] > 0


def test_the_analysis_says_when_the_first_layer_is_empty(tmp_path) -> None:  # noqa: ANN001
    from slicing.analysis import analyze_file
    from slicing.analysis.mesh_footprint import section_area_mm2

    spec = load_spec(REPO / "machines.yaml")
    tip = tmp_path / "tip.stl"
    _octahedron_on_its_tip().export(tip)
    result = analyze_file(tip, spec=spec, process="fdm", machine_id="prusa-mk3")
    issue = next(i for i in result["issues"] if i["code"] == "mesh_first_layer_empty")
    assert issue["severity"] == "warning" and issue["params"]["area_mm2"] < 0.16
    assert issue["params"]["prusaslicer_refuses"] == (shutil.which("prusa-slicer") is not None)
    builtin_only = analyze_file(tip, spec=spec, process="fdm", machine_id="ender-3")
    flagged = [i for i in builtin_only["issues"] if i["code"] == "mesh_first_layer_empty"]
    assert flagged and flagged[0]["params"]["prusaslicer_refuses"] is False
    box = tmp_path / "box.stl"
    trimesh.creation.box((10, 20, 5)).apply_translation((100, 100, 2.5)).export(box)
    flat = analyze_file(box, spec=spec, process="fdm", machine_id="prusa-mk3")
    assert flat["metrics"]["first_layer_area_mm2"] == pytest.approx(200.0)
    assert not [i for i in flat["issues"] if i["code"] == "mesh_first_layer_empty"]
    tube = trimesh.creation.annulus(r_min=12, r_max=20, height=15, sections=256)
    assert section_area_mm2(np.asarray(tube.triangles), 0.0) == pytest.approx(np.pi * (20**2 - 12**2), rel=1e-3)
