"""No geometry dropped on the way from the drawing to the program (issue 12, item 2)."""

from __future__ import annotations

import math

import ezdxf
import numpy as np
import pytest
from program_reader import cut_length, hpgl_cut_length

from slicing.geometry import Drawing, Path2D
from slicing.prepare import prepare_program
from slicing.readers import read_drawing
from slicing.toolpaths.contours import contours_from
from slicing.toolpaths.fidelity import Made, fidelity_issues

SEGMENTS = 10_052


def fine_outline(tmp_path, n: int = SEGMENTS) -> tuple[str, float]:
    """A closed 24 x 12 mm ellipse drawn as `n` LINEs of ~0.006 mm, as some CAD exports do."""
    doc = ezdxf.new("R2010")
    doc.header["$INSUNITS"] = 4
    msp = doc.modelspace()
    t = np.linspace(0, 2 * np.pi, n + 1)
    pts = np.column_stack([30 + 12 * np.cos(t), 20 + 6 * np.sin(t)])
    pts[-1] = pts[0]
    for a, b in zip(pts[:-1], pts[1:], strict=True):
        msp.add_line((float(a[0]), float(a[1])), (float(b[0]), float(b[1])), dxfattribs={"layer": "CUT"})
    path = tmp_path / "fine_outline.dxf"
    doc.saveas(path)
    return str(path), float(np.hypot(*np.diff(pts, axis=0).T).sum())


def test_a_fine_segmented_outline_stays_one_closed_contour(tmp_path):
    path, perimeter = fine_outline(tmp_path)
    contours = contours_from(read_drawing(path))
    assert len(contours) == 1 and contours[0].closed and contours[0].duplicates == 0
    assert len(contours[0].points) == SEGMENTS


@pytest.mark.parametrize("machine", ["laser-1", "vinyl-1"])
def test_a_fine_segmented_outline_is_cut_whole(tmp_path, spec, machine):
    path, perimeter = fine_outline(tmp_path)
    program = prepare_program(path, spec.machine(machine), options={"kerf_mm": 0.0, "two_opt": False, "weeding_border": False})
    assert program.ok, program.issues
    if program.format == "hpgl":
        cut = hpgl_cut_length(program.lines)
        assert perimeter < cut < perimeter + 1.0 + 2 * math.pi * 0.25 + 1.0  # overcut, blade swivels
    else:
        assert cut_length(program.lines) == pytest.approx(perimeter, rel=5e-3)  # 0.001 mm G-code resolution


def test_duplicates_are_real_overlaps_only():
    seg = np.array([[0.0, 0.0], [0.005, 0.0]])
    paths = [Path2D(seg + [0.005 * k, 0.0], False) for k in range(40)]  # a 0.2 mm dashed run
    paths += [Path2D(seg[::-1].copy(), False)]  # the first one drawn again, reversed
    contours = contours_from(Drawing(paths=paths))
    assert sum(c.duplicates for c in contours) == 1
    assert sum(np.hypot(*np.diff(c.points, axis=0).T).sum() for c in contours) == pytest.approx(0.2)


def test_a_contour_the_process_dropped_is_an_error():
    sq = np.array([[0, 0], [20, 0], [20, 20], [0, 20]], float)
    drawing = Drawing(paths=[Path2D(sq, True), Path2D(sq / 4 + 5, True)])
    contours = contours_from(drawing)
    made = Made()
    made.add(contours[0], contours[0].points, True, "cut")  # the hole never made it
    (lost,) = fidelity_issues(drawing, contours, made)
    assert lost["code"] == "geometry_lost" and lost["severity"] == "error"
    assert lost["location"]["stage"] == "toolpaths" and lost["location"]["contours_missing"] == 1
    assert lost["location"]["operation"] == "none" and lost["location"]["drawn_mm"] == pytest.approx(20.0)
    from jobqueue.cli.words import issue_text  # stage and operation are codes, said in the reader's language

    assert "(étape : calcul des trajectoires ; aucune opération)" in issue_text(lost, "fr")
    assert "(step: making the toolpaths; no operation)" in issue_text(lost, "en")
    made.add(contours[1], contours[1].points * 1.0, True, "cut")
    assert fidelity_issues(drawing, contours, made) == []


def test_a_kerf_offset_is_no_loss(spec):
    sq = np.array([[0, 0], [20, 0], [20, 20], [0, 20]], float)
    drawing = Drawing(paths=[Path2D(sq, True), Path2D(sq / 4 + 5, True)])
    program = prepare_program(drawing, spec.machine("laser-1"), options={"kerf_mm": 0.3})
    assert program.ok and not [i for i in program.issues if i["code"] == "geometry_lost"]
