"""DXF files as users' CAD writes them (issue 12, item 3): no header, no subclass markers."""

from __future__ import annotations

import pytest
from analysis_files import write

from jobqueue.cli.words import issue_text
from slicing.analysis import analyze_file
from slicing.readers import UnreadableFile, load_drawing


def _dxf(pairs: list[tuple[int, object]]) -> str:
    return "".join(f"{code}\n{value}\n" for code, value in pairs)


def headerless_square() -> str:
    """A 40 mm square of four LINEs in an ENTITIES section alone, as small scripts write it."""
    pairs: list[tuple[int, object]] = [(0, "SECTION"), (2, "ENTITIES")]
    corners = [(0, 0), (40, 0), (40, 40), (0, 40)]
    for k, (x0, y0) in enumerate(corners):
        x1, y1 = corners[(k + 1) % 4]
        pairs += [(0, "LINE"), (8, "0"), (10, float(x0)), (20, float(y0)), (30, 0.0), (11, float(x1)),
                  (21, float(y1)), (31, 0.0)]
    return _dxf([*pairs, (0, "ENDSEC"), (0, "EOF")])


def square_without_subclass_markers() -> str:
    """A closed LWPOLYLINE with no AcDb markers: ezdxf refuses it even in recover mode."""
    pairs: list[tuple[int, object]] = [(0, "SECTION"), (2, "ENTITIES"), (0, "LWPOLYLINE"), (5, "2A"), (8, "CUT"),
                                       (90, 4), (70, 1)]
    for x, y in [(0, 0), (40, 0), (40, 40), (0, 40)]:
        pairs += [(10, float(x)), (20, float(y))]
    return _dxf([*pairs, (0, "ENDSEC"), (0, "EOF")])


def test_a_dxf_without_header_is_unitless_not_metres(tmp_path, spec):
    path = write(tmp_path, "square.dxf", headerless_square())
    drawing, _ = load_drawing(path)
    assert drawing.units == "unitless" and drawing.bounds() == (0.0, 0.0, 40.0, 40.0)
    result = analyze_file(path, spec=spec, machine_id="laser-1")
    assert result["metrics"]["bbox_mm"] == [40.0, 40.0]
    assert "units_unconfirmed" in {i["code"] for i in result["issues"]}


def test_a_dxf_without_subclass_markers_is_read_tolerantly(tmp_path, spec):
    path = write(tmp_path, "old.dxf", square_without_subclass_markers())
    drawing, notes = load_drawing(path)
    assert drawing.bounds() == (0.0, 0.0, 40.0, 40.0)
    assert len(drawing.paths) == 1 and drawing.paths[0].closed and drawing.paths[0].layer == "CUT"
    (note,) = notes
    assert note["code"] == "dxf_read_tolerant" and note["severity"] == "info"
    assert note["location"] == {"handle": "2A"}
    result = analyze_file(path, spec=spec, machine_id="laser-1")
    assert result["metrics"]["bbox_mm"] == [40.0, 40.0]


def test_a_refused_dxf_names_the_handle_never_an_object_id(tmp_path):
    broken = square_without_subclass_markers().replace("10\n40.0\n20\n40.0\n", "10\nnot-a-number\n")
    path = write(tmp_path, "broken.dxf", broken)
    with pytest.raises(UnreadableFile) as refused:
        load_drawing(path)
    issue = refused.value.as_issue()
    assert issue["code"] == "dxf_unreadable" and issue["location"] == {"handle": "2A"}
    text = issue_text(issue, "en") + issue_text(issue, "fr")
    assert "2A" in text and "0x" not in text and "object at" not in text


def test_the_unit_chosen_rescales_analysis_and_program(tmp_path, spec):
    """Issue 12, item 4: the unitless square chosen as centimetres is 400 mm at analysis and in the program."""
    from slicing.prepare import prepare_program

    path = write(tmp_path, "square.dxf", headerless_square())
    result = analyze_file(path, spec=spec, machine_id="cnc-1", scale=10.0)
    assert result["metrics"]["bbox_mm"] == [400.0, 400.0]
    assert "units_unconfirmed" not in {i["code"] for i in result["issues"]}
    program = prepare_program(path, spec.machine("cnc-1"), options={"scale": 10.0})
    assert program.ok
    x0, y0, x1, y1 = program.metrics["bounds_mm"]
    assert x1 - x0 == pytest.approx(406.0) and y1 - y0 == pytest.approx(406.0)  # plus the 6 mm tool
    refused = prepare_program(path, spec.machine("cnc-1"), options={"scale": -1})
    assert not refused.ok and refused.issues[0]["code"] == "option_invalid"


def test_cli_takes_the_scale(tmp_path, capsys):
    import json

    from jobqueue.cli.main import main

    path = write(tmp_path, "square.dxf", headerless_square())
    assert main(["analyze", str(path), "--machine", "laser-1", "--scale", "25.4", "--json"]) in (0, 1)
    assert json.loads(capsys.readouterr().out)["metrics"]["bbox_mm"] == [1016.0, 1016.0]
    out = tmp_path / "p.nc"
    assert main(["prepare", str(path), "--machine", "cnc-1", "--scale", "10", "-o", str(out)]) == 0
    assert out.exists()
