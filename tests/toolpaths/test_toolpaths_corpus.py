"""Real files from the corpus through the readers and prepare, one per process and more."""

from __future__ import annotations

import numpy as np
import pytest

from jobqueue.cli.words import issue_text
from slicing.geometry import Drawing, Path2D
from slicing.prepare import prepare_program
from slicing.toolpaths.contours import contours_from


@pytest.mark.parametrize(
    "name,machine,options",
    [
        ("svg/DrillBox.svg", "laser-1", {}),
        ("dxf/wrench.dxf", "laser-1", {}),
        ("dxf/wrench.dxf", "cnc-1", {}),
        ("dxf/spline.DXF", "vinyl-1", {}),
        ("svg/all_shapes.svg", "vinyl-1", {}),
        ("stl/20mm-xyz-cube.stl", "ender-3", {}),
    ],
)
def test_corpus_file_becomes_a_checked_program(corpus, spec, name, machine, options):
    program = prepare_program(corpus / name, spec.machine(machine), options=options)
    assert program.ok, [issue_text(i, "en") for i in program.issues if i["severity"] == "error"]
    assert program.lines and program.preview_svg.startswith("<svg")
    assert program.metrics.get("travel_mm", 0) <= program.metrics.get("travel_file_order_mm", np.inf) * 1.5


def test_wrench_segments_are_chained_into_closed_contours(corpus, spec):
    from slicing.readers import read_drawing

    drawing = read_drawing(corpus / "dxf/wrench.dxf")
    contours = contours_from(drawing)
    assert len(drawing.paths) > 30 and len(contours) == 2
    assert all(c.closed for c in contours)


def test_design_larger_than_the_bed_is_refused(corpus, spec):
    program = prepare_program(corpus / "svg/Lamp.svg", spec.machine("laser-1"), options={"two_opt": False})
    assert not program.ok and any(i["code"] == "drawing_too_big" for i in program.issues)


def test_unreadable_files_are_issues(corpus, spec, tmp_path):
    for name in ("stl/slicertest_random_bits.stl", "stl/slicertest_empty_file.stl"):
        program = prepare_program(corpus / name, spec.machine("ender-3"))
        assert not program.ok and issue_text(program.issues[0], "fr")
    bogus = tmp_path / "x.svg"
    bogus.write_text("<svg><!ENTITY boom SYSTEM 'file:///etc/passwd'></svg>")
    program = prepare_program(bogus, spec.machine("laser-1"))
    assert not program.ok


def test_loose_segments_with_gaps_chain_within_tolerance():
    sq = [(0, 0), (10, 0), (10, 10), (0, 10)]
    segs = [np.array([sq[k], sq[(k + 1) % 4]], float) + (0.004 * k) for k in range(4)]
    drawing = Drawing(paths=[Path2D(s, False, layer="CUT") for s in segs], tolerance_mm=0.01)
    (contour,) = contours_from(drawing)
    assert contour.closed and len(contour.points) == 4
    other_layer = Drawing(paths=[Path2D(segs[0], False, layer="A"), Path2D(segs[1], False, layer="B")])
    assert len(contours_from(other_layer)) == 2  # different layers never merge


def test_duplicate_paths_are_cut_once(spec):
    sq = np.array([[0, 0], [20, 0], [20, 20], [0, 20]], float)
    d = Drawing(paths=[Path2D(sq, True), Path2D(np.roll(sq, 2, axis=0)[::-1], True), Path2D(sq[:2], False),
                       Path2D(sq[:2][::-1], False)])
    contours = contours_from(d)
    assert len(contours) == 2 and sum(c.duplicates for c in contours) == 2
    program = prepare_program(d, spec.machine("laser-1"), options={"kerf_mm": 0})
    assert program.metrics["cut_length_mm"] == pytest.approx(80 + 20, abs=0.01)
    assert any(i["code"] == "duplicate_paths" for i in program.issues)
