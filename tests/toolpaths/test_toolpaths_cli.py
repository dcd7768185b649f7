"""`fablab prepare`: writes the program, prints checks and figures, exits by the result."""

from __future__ import annotations

import pytest
import trimesh

from jobqueue.cli.cmd_prepare import parse_settings
from jobqueue.cli.main import main


def _square_svg(path, size_mm=50):
    path.write_text(
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size_mm + 20}mm" height="{size_mm + 20}mm" '
        f'viewBox="0 0 {size_mm + 20} {size_mm + 20}"><rect x="10" y="10" width="{size_mm}" height="{size_mm}" '
        f'fill="none" stroke="#ff0000"/></svg>'
    )
    return path


def test_prepare_writes_laser_program(tmp_path, capsys):
    src = _square_svg(tmp_path / "square.svg")
    out = tmp_path / "square.gcode"
    rc = main(["prepare", str(src), "--machine", "laser-1", "--set", "kerf_mm=0.3", "-o", str(out),
               "--preview", str(tmp_path / "p.svg")])
    text = capsys.readouterr().out
    assert rc == 0, text
    assert "checks: all passed" in text and "cut_length_mm" in text and "estimate:" in text
    lines = out.read_text().splitlines()
    assert "M4 S0" in lines and lines[-1] != ""
    xs = [float(w[1:]) for line in lines if line.startswith("G1") for w in line.split() if w[0] == "X"]
    assert max(xs) - min(xs) == pytest.approx(50.3, abs=1e-3)
    assert (tmp_path / "p.svg").read_text().startswith("<svg")


def test_prepare_refuses_to_write_a_failing_program(tmp_path, capsys):
    src = _square_svg(tmp_path / "big.svg", size_mm=900)
    out = tmp_path / "big.gcode"
    rc = main(["prepare", str(src), "--machine", "laser-1", "-o", str(out), "--lang", "fr"])
    text = capsys.readouterr().out
    assert rc == 1 and not out.exists()
    assert "plus grand que le plateau" in text  # drawing_too_big, the analysis's own fit rule


def test_prepare_fdm_and_bad_arguments(tmp_path, capsys):
    stl = tmp_path / "cube.stl"
    trimesh.creation.box((10, 10, 2)).export(stl)
    out = tmp_path / "cube.gcode"
    assert main(["prepare", str(stl), "--machine", "ender-3", "-o", str(out)]) == 0
    assert ";LAYER:9" in out.read_text()
    assert main(["prepare", str(stl), "--machine", "nope", "-o", str(out)]) == 2
    assert main(["prepare", str(tmp_path / "missing.stl"), "--machine", "ender-3", "-o", str(out)]) == 2
    assert main(["prepare", str(stl), "--machine", "ender-3", "--set", "oops", "-o", str(out)]) == 2
    capsys.readouterr()


def test_settings_values_are_typed():
    assert parse_settings(["a=1", "b=0.5", "c=true", "d=hpgl", 'e={"#ff0000": "cut"}']) == {
        "a": 1, "b": 0.5, "c": True, "d": "hpgl", "e": {"#ff0000": "cut"}}
