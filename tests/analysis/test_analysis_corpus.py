"""Real files from ../shared/corpus: figures agree with independent computations, verdicts are clear."""

from __future__ import annotations

import math

import ezdxf
import pytest
import svgelements
import trimesh

from jobqueue.cli.words import issue_hint, issue_text
from slicing.analysis import analyze_file
from slicing.readers import read_drawing

WATERTIGHT = ["20mm-xyz-cube.stl", "1002_tray_bottom.STL", "idler_riser.STL", "slicertest_tetrahedra.stl",
              "slicertest_too_large.stl", "counter.unitsmm.STL"]
BROKEN = ["slicertest_empty_file.stl", "slicertest_text_file.stl", "slicertest_random_bits.stl",
          "slicertest_invalid_stl_ascii.stl", "slicertest_cube_missing_corner.stl", "slicertest_plane.stl",
          "slicertest_zero_size_cube.stl", "soup.stl", "teapot.stl"]


@pytest.mark.parametrize("name", WATERTIGHT)
def test_volume_agrees_with_trimesh(corpus, spec, name):
    result = analyze_file(corpus / "stl" / name, spec=spec)
    mesh = trimesh.load(corpus / "stl" / name, force="mesh")
    assert mesh.is_watertight
    assert result["metrics"]["volume_mm3"] == pytest.approx(abs(mesh.volume), rel=1e-4)
    assert result["metrics"]["area_mm2"] == pytest.approx(mesh.area, rel=1e-6)
    assert result["metrics"]["bbox_mm"] == pytest.approx(list(mesh.extents), abs=1e-3)
    assert result["metrics"]["watertight"]


@pytest.mark.parametrize("name", BROKEN)
def test_broken_meshes_get_a_clear_verdict(corpus, spec, name):
    result = analyze_file(corpus / "stl" / name, spec=spec)
    assert result["valid"] is False
    errors = [i for i in result["issues"] if i["severity"] == "error"]
    assert errors and all(issue_text(i, "fr") and issue_hint(i, "fr") for i in errors)


def test_known_facts(corpus, spec):
    def codes(name):
        return {i["code"] for i in analyze_file(corpus / "stl" / name, spec=spec)["issues"]}

    assert "mesh_scale_suspicious" in codes("ADIS16480.STL")  # metres
    assert "mesh_scale_suspicious" in codes("idler_riser.STL")  # inches
    assert "mesh_too_big" in codes("counter.unitsmm.STL")
    assert "mesh_inconsistent_winding" in codes("slicertest_inverted_face.stl")
    assert "mesh_inconsistent_winding" in codes("multibody.stl")
    assert "mesh_several_bodies" in codes("multibody.stl")
    hole = analyze_file(corpus / "stl" / "slicertest_missing_triangle_hi.stl", spec=spec)
    assert hole["valid"]  # one missing triangle: the slicer repairs it, the user is told
    assert [i["severity"] for i in hole["issues"] if i["code"] == "mesh_open_edges"] == ["warning"]
    cube = analyze_file(corpus / "stl" / "20mm-xyz-cube.stl", spec=spec, machine_id="prusa-mk3", material="PLA")
    assert cube["valid"]
    (q,) = cube["quotes"]
    assert 15 * 60 < q["seconds"] < 40 * 60  # PrusaSlicer: about 24 min
    assert 2.5 < q["material_used"]["grams"] < 6.0  # PrusaSlicer: 4.2 g


def _dxf_length(path) -> float:
    """Independent length: from the entities' own definitions, not from flattened points."""
    doc = ezdxf.readfile(path)
    scale = {0: 1.0, 1: 25.4, 4: 1.0}[doc.header.get("$INSUNITS", 0)]
    total = 0.0
    for e in doc.modelspace():
        kind = e.dxftype()
        if kind == "LINE":
            total += (e.dxf.end - e.dxf.start).magnitude
        elif kind == "CIRCLE":
            total += 2 * math.pi * e.dxf.radius
        elif kind == "ARC":
            sweep = (e.dxf.end_angle - e.dxf.start_angle) % 360 or 360
            total += math.radians(sweep) * e.dxf.radius
        elif kind == "SPLINE":
            pts = list(e.construction_tool().approximate(4000))  # dense, independent of our tolerance
            total += sum((b - a).magnitude for a, b in zip(pts[:-1], pts[1:], strict=True))
    return total * scale


@pytest.mark.parametrize("name", ["wrench.dxf", "spline.DXF"])
def test_dxf_lengths_agree_with_entity_geometry(corpus, spec, name):
    expected = _dxf_length(corpus / "dxf" / name)
    result = analyze_file(corpus / "dxf" / name, spec=spec, process="laser")
    # every operation: spline.DXF draws its splines in blue, which the laser engraves
    assert sum(result["metrics"]["length_by_operation_mm"].values()) == pytest.approx(expected, rel=5e-3)


@pytest.mark.parametrize("name", ["arc_with_rotate.svg", "all_shapes.svg", "500_circles.svg"])
def test_svg_lengths_agree_with_svgelements(corpus, spec, name):
    svg = svgelements.SVG.parse(str(corpus / "svg" / name), ppi=96.0, reify=True)
    expected = sum(svgelements.Path(e).length(error=1e-6) for e in svg.elements()
                   if isinstance(e, svgelements.Shape)) * 25.4 / 96
    drawing = read_drawing(corpus / "svg" / name)
    assert sum(p.length_mm() for p in drawing.paths) == pytest.approx(expected, rel=5e-3)


def test_drawings_read_and_flag(corpus, spec):
    lamp = analyze_file(corpus / "svg" / "Lamp.svg", spec=spec, process="laser")
    assert {"text_not_outlined", "open_contours"} & {i["code"] for i in lamp["issues"]}
    assert lamp["quotes"] and all(q["machine"] == "laser-1" for q in lamp["quotes"])
    text = analyze_file(corpus / "svg" / "text_element.svg", spec=spec)
    assert not text["valid"] and {"drawing_empty", "text_not_outlined"} <= {i["code"] for i in text["issues"]}
    assert not analyze_file(corpus / "svg" / "empty.svg", spec=spec)["valid"]
    recovered = analyze_file(corpus / "dxf" / "recover01.dxf", spec=spec)
    assert recovered["metrics"]["paths"] > 100
    assert "units_unconfirmed" in {i["code"] for i in recovered["issues"]}
    inches = read_drawing(corpus / "dxf" / "125_aluminum_srcMH.DXF")
    assert inches.units == "in"
    text_dxf = read_drawing(corpus / "dxf" / "text.dxf")
    assert len(text_dxf.texts) >= 62


@pytest.mark.slow
@pytest.mark.parametrize("folder", ["stl", "dxf", "svg"])
def test_every_corpus_file_is_analysed(corpus, spec, folder):
    for path in sorted((corpus / folder).rglob("*")):
        if path.is_file() and path.suffix.lower() in (".stl", ".dxf", ".svg"):
            result = analyze_file(path, spec=spec, filename=path.name)
            assert isinstance(result["valid"], bool), path.name
            assert result["valid"] or any(i["severity"] == "error" for i in result["issues"]), path.name
