"""Measures that mean what they say (issue 12, item 5)."""

from __future__ import annotations

import ezdxf
import pytest
from analysis_files import svg, write

from slicing.analysis import analyze_file


def test_enclosed_area_counts_outlines_of_pieces_and_nested_parts(tmp_path, spec):
    """A 100 x 60 plate drawn as four LINEs, a 40 x 20 hole in it (a closed polyline), and a
    10 x 10 part inside the hole: 6000 - 800 + 100 mm²; the plate drawn twice counts once."""
    doc = ezdxf.new("R2010")
    doc.header["$INSUNITS"] = 4
    msp = doc.modelspace()
    corners = [(0, 0), (100, 0), (100, 60), (0, 60)]
    for _ in range(2):  # drawn twice, as CAD exports sometimes do
        for k in range(4):
            msp.add_line(corners[k], corners[(k + 1) % 4])
    msp.add_lwpolyline([(30, 20), (70, 20), (70, 40), (30, 40)], close=True)
    msp.add_lwpolyline([(45, 25), (55, 25), (55, 35), (45, 35)], close=True)
    path = tmp_path / "plate.dxf"
    doc.saveas(path)
    result = analyze_file(path, spec=spec, machine_id="laser-1")
    assert result["metrics"]["enclosed_area_mm2"] == pytest.approx(6000 - 800 + 100)


def test_no_loose_end_warning_on_an_engrave_only_drawing(tmp_path, spec):
    lines = "".join(f'<path d="M 10 {10 + 5 * k} L 90 {10 + 5 * k}" stroke="#0000ff" fill="none"/>' for k in range(5))
    result = analyze_file(write(tmp_path, "hatch.svg", svg(lines)), spec=spec, machine_id="laser-1")
    assert "open_contours" not in {i["code"] for i in result["issues"]}
    cut = lines.replace("#0000ff", "#ff0000")
    result = analyze_file(write(tmp_path, "cut.svg", svg(cut)), spec=spec, machine_id="laser-1")
    assert "open_contours" in {i["code"] for i in result["issues"]}
