"""Generated designs with known answers: each check finds what it should, figures are exact."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import ezdxf
import numpy as np
import pytest
import trimesh
from analysis_files import REPO_ROOT, binary_stl, box_triangles, svg, write

from jobqueue.cli.main import main as fablab
from jobqueue.cli.words import issue_text
from slicing.analysis import analyze_file, quick_figures
from slicing.previews import analysis_preview
from slicing.readers import read_drawing, read_mesh


def _codes(result: dict) -> set[str]:
    return {i["code"] for i in result["issues"]}


def test_clean_cube_figures_and_quotes(tmp_path, spec):
    path = write(tmp_path, "cube.stl", binary_stl(box_triangles((20, 20, 20))))
    r = analyze_file(path, spec=spec, machine_id="prusa-mk3", material="PLA")
    assert r["valid"] and r["metrics"]["volume_mm3"] == pytest.approx(8000)
    assert r["metrics"]["area_mm2"] == pytest.approx(2400) and r["metrics"]["bbox_mm"] == [20, 20, 20]
    assert r["metrics"]["mass_g"] == pytest.approx(8 * 1.24)
    (q,) = r["quotes"]
    assert q["subtotal"] == pytest.approx(sum(t["amount"] for t in q["terms"]), abs=0.02)
    # the total is the unrounded subtotal x 1.5, rounded: up to 0.0125 from the rounded subtotal x 1.5
    assert q["totals"]["public"] == pytest.approx(q["subtotal"] * 1.5, abs=0.013)
    assert all(t["params"] and "explanation" not in t and "label" not in t for t in q["terms"])  # codes, no text
    from jobqueue.cli.words import words
    from web.quote_render import term_explanation

    said = {lang: term_explanation(q["terms"][0], "EUR", words(lang), lambda v, c: f"{v} {c}") for lang in ("fr", "en")}
    assert q["material_used"]["grams"] == pytest.approx(4.19, rel=0.1)  # PrusaSlicer lays 4.19 g of this cube
    assert said["fr"].startswith("4 g de PLA") and said["en"].startswith("4 g of PLA"), said
    assert quick_figures(path)["volume_mm3"] == pytest.approx(8000)
    assert isinstance(read_mesh(path), trimesh.Trimesh)


def test_overlapping_bodies_counted_once(tmp_path, spec):
    tri = np.concatenate([box_triangles((10, 10, 10)), box_triangles((10, 10, 10), origin=(5, 0, 0))])
    r = analyze_file(write(tmp_path, "two.stl", binary_stl(tri)), spec=spec)
    assert r["metrics"]["bodies"] == 2
    assert r["metrics"]["volume_mm3"] == pytest.approx(1500, rel=1e-6)  # not 2000
    assert "mesh_several_bodies" in _codes(r)


def test_open_inverted_and_rotated(tmp_path, spec):
    tri = box_triangles((10, 10, 10))
    r = analyze_file(write(tmp_path, "open.stl", binary_stl(tri[:-1])), spec=spec)
    assert not r["valid"] and "mesh_open_edges" in _codes(r)
    r = analyze_file(write(tmp_path, "inside_out.stl", binary_stl(tri[:, ::-1])), spec=spec)
    assert "mesh_inverted_normals" in _codes(r) and r["metrics"]["volume_mm3"] == pytest.approx(1000)
    flipped = tri.copy()
    flipped[0] = flipped[0, ::-1]
    assert "mesh_inconsistent_winding" in _codes(analyze_file(write(tmp_path, "f.stl", binary_stl(flipped)), spec=spec))
    tall = analyze_file(write(tmp_path, "tall.stl", binary_stl(box_triangles((20, 20, 240)))), spec=spec,
                        machine_id="prusa-mk3")
    rot = next(i for i in tall["issues"] if i["code"] == "mesh_needs_rotation")
    assert rot["location"]["orientations"][0]["bbox_mm"][2] <= 210


def test_scale_thin_walls_overhang(tmp_path, spec):
    inches = analyze_file(write(tmp_path, "in.stl", binary_stl(box_triangles((2, 1.5, 0.5)))), spec=spec)
    choice = next(i for i in inches["issues"] if i["code"] == "mesh_scale_suspicious")["location"]["choices"]
    assert {"unit": "in", "factor": 25.4, "bbox_mm": [50.8, 38.1, 12.7]} in choice
    plate = analyze_file(write(tmp_path, "plate.stl", binary_stl(box_triangles((30, 30, 0.25)))), spec=spec)
    assert "mesh_thin_walls" in _codes(plate)
    bridge = np.concatenate([box_triangles((5, 5, 20)), box_triangles((5, 5, 20), origin=(25, 0, 0)),
                             box_triangles((35, 5, 5), origin=(-2, 0, 20))])
    assert "mesh_overhangs" in _codes(analyze_file(write(tmp_path, "b.stl", binary_stl(bridge)), spec=spec))


def test_svg_checks(tmp_path, spec):
    body = ('<g inkscape:groupmode="layer" inkscape:label="Decoupe" stroke="#ff0000" fill="none">'
            '<rect id="r1" x="10" y="10" width="50" height="30"/>'
            '<path id="open" d="M 100 10 L 150 10 L 150 50 L 100 50.5"/>'
            '<path id="dup" d="M 10 10 L 60 10"/>'
            '<path id="bow" d="M 10 60 L 40 90 L 40 60 L 10 90 Z"/>'
            '<path id="zero" d="M 5 5 L 5 5"/></g>'
            '<text id="t" x="120" y="80">Bonjour</text>'
            '<image id="img" x="0" y="0" width="5" height="5" href="data:image/png;base64,iVBORw0KGgo="/>')
    path = write(tmp_path, "design.svg", svg(body))
    r = analyze_file(path, spec=spec, machine_id="laser-1")
    assert {"open_contours", "duplicate_segments", "self_intersections", "text_not_outlined",
            "zero_length_segments"} <= _codes(r)
    drawing = read_drawing(path)
    rect = next(p for p in drawing.paths if p.source == "r1")
    assert rect.layer == "Decoupe" and rect.stroke == "#ff0000" and rect.closed
    assert rect.points[:, 1].max() == pytest.approx(90.0)  # y up: 100 - 10
    assert rect.length_mm() == pytest.approx(160.0)
    preview, mimetype = analysis_preview(path, process="laser", analysis=r, filename=path.name)
    assert mimetype == "image/svg+xml" and b"<circle" in preview


def test_svg_units_and_narrow_and_islands(tmp_path, spec):
    old = svg('<rect x="0" y="0" width="90" height="90"/>', width="90", height="90", viewbox="0 0 90 90",
              extra='inkscape:version="0.91 r13725"')
    r = analyze_file(write(tmp_path, "old.svg", old), spec=spec)
    assert "units_unconfirmed" in _codes(r)
    comb = svg('<path d="M 0 0 L 100 0 L 100 20 L 50.1 20 L 50.1 60 L 50 60 L 50 20 L 0 20 Z"/>')
    assert "features_too_narrow" in _codes(analyze_file(write(tmp_path, "c.svg", comb), spec=spec, machine_id="laser-1"))
    dots = svg('<rect x="10" y="10" width="50" height="50"/><circle cx="80" cy="80" r="0.5"/>')
    assert "too_small_to_weed" in _codes(analyze_file(write(tmp_path, "d.svg", dots), spec=spec,
                                                            machine_id="vinyl-1"))


def test_dxf_entities_blocks_units_paperspace(tmp_path, spec):
    doc = ezdxf.new()
    doc.header["$INSUNITS"] = 1  # inches
    msp = doc.modelspace()
    msp.add_lwpolyline([(0, 0, 0, 0, 1), (2, 0, 0, 0, 1)], format="xyseb", close=True)  # a circle of 2 in
    block = doc.blocks.new("HOLE")
    block.add_circle((0, 0), 0.25)
    inner = doc.blocks.new("PAIR")
    inner.add_blockref("HOLE", (0, 0))
    inner.add_blockref("HOLE", (1, 0))
    msp.add_blockref("PAIR", (3, 3)).dxf.rotation = 90
    msp.add_ellipse((10, 10), (2, 0, 0), 0.5)
    msp.add_spline([(0, 5), (1, 6), (2, 5), (3, 6)])
    msp.add_text("HELLO", dxfattribs={"insert": (0, 8)})
    doc.saveas(tmp_path / "parts.dxf")
    drawing = read_drawing(tmp_path / "parts.dxf")
    assert drawing.units == "in" and len(drawing.texts) == 1
    circle = drawing.paths[0]
    assert circle.closed and circle.length_mm() == pytest.approx(math.pi * 2 * 25.4, rel=1e-3)
    holes = [p for p in drawing.paths if abs(p.length_mm() - math.pi * 0.5 * 25.4) < 0.1]
    assert len(holes) == 2
    centres = sorted(tuple(np.round(p.points.mean(axis=0) / 25.4, 2)) for p in holes)
    assert centres == [(3.0, 3.0), (3.0, 4.0)]  # rotated 90° about the insert point
    paper = ezdxf.new()
    paper.header["$INSUNITS"] = 4  # ezdxf.new() says metres
    paper.layouts.get("Layout1").add_line((0, 0), (50, 0))
    paper.saveas(tmp_path / "paper.dxf")
    r = analyze_file(tmp_path / "paper.dxf", spec=spec)
    assert "dxf_paper_space" in _codes(r) and r["metrics"]["cut_length_mm"] == pytest.approx(50)
    unitless = ezdxf.new()
    unitless.header["$INSUNITS"] = 0
    unitless.modelspace().add_circle((0, 0), 10)
    unitless.saveas(tmp_path / "unitless.dxf")
    issue = next(i for i in analyze_file(tmp_path / "unitless.dxf", spec=spec)["issues"]
                 if i["code"] == "units_unconfirmed")
    assert {c["unit"] for c in issue["location"]["choices"]} == {"mm", "cm", "in"}


def test_lines_forming_a_closed_outline_are_not_open(tmp_path, spec):
    doc = ezdxf.new()
    doc.header["$INSUNITS"] = 4
    msp = doc.modelspace()
    for a, b in [((0, 0), (10, 0)), ((10, 0), (10, 10)), ((10, 10), (0, 10)), ((0, 10), (0, 0))]:
        msp.add_line(a, b)
    msp.add_line((20, 0), (30, 0))
    msp.add_line((30, 0.5), (30, 10))
    doc.saveas(tmp_path / "lines.dxf")
    r = analyze_file(tmp_path / "lines.dxf", spec=spec, machine_id="laser-1")
    issue = next(i for i in r["issues"] if i["code"] == "open_contours")
    assert issue["location"]["loose_ends"] == 4 and min(g for g in issue["location"]["gaps_mm"] if g) == 0.5
    assert r["metrics"]["pierce_count"] == 3


def test_cli(tmp_path, spec, capsys, monkeypatch):
    path = write(tmp_path, "cube.stl", binary_stl(box_triangles((20, 20, 20))))
    monkeypatch.chdir(REPO_ROOT)
    assert fablab(["analyze", str(path), "--machine", "prusa-mk3", "--material", "PLA", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) >= {"valid", "issues", "metrics", "quotes"} and out["metrics"]["volume_mm3"] == 8000
    assert fablab(["analyze", str(path), "--preview", str(tmp_path / "cube.png")]) == 0
    assert "Devis" in capsys.readouterr().out
    assert (tmp_path / "cube.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert fablab(["analyze", str(tmp_path / "missing.stl")]) == 2
    assert fablab(["analyze", str(path), "--machine", "nope"]) == 2
    broken = write(tmp_path, "broken.stl", b"garbage")
    assert fablab(["analyze", str(broken), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["valid"] is False
    with pytest.raises(SystemExit) as exc:
        fablab(["analyze"])
    assert exc.value.code == 2


def test_cli_process_with_env_machines(tmp_path):
    path = write(tmp_path, "cube.stl", binary_stl(box_triangles()))
    env = {"FABLAB_MACHINES": str(REPO_ROOT / "machines.yaml"), "PATH": "/usr/bin:/bin"}
    proc = subprocess.run([sys.executable, "-m", "jobqueue.cli.main", "analyze", str(path), "--json"], cwd=tmp_path,
                          env={**env, "PYTHONPATH": str(REPO_ROOT)}, capture_output=True, timeout=120)
    assert proc.returncode == 0, proc.stderr.decode()
    assert json.loads(proc.stdout)["valid"] is True


def test_mesh_preview_marks_open_edges_in_red(tmp_path, spec):
    import io

    from PIL import Image

    path = write(tmp_path, "open.stl", binary_stl(box_triangles((20, 20, 20))[:-2]))
    data, mimetype = analysis_preview(path, process="fdm", analysis=analyze_file(path, spec=spec), filename="open.stl")
    image = Image.open(io.BytesIO(data)).convert("RGB")
    assert mimetype == "image/png" and image.size == (640, 480)
    assert (220, 0, 0) in {c for _, c in image.getcolors(maxcolors=1 << 20)}
    assert analysis_preview(write(tmp_path, "bad.stl", b"nothing"), filename="bad.stl") is None


def test_french_messages_use_decimal_commas(tmp_path, spec):
    r = analyze_file(write(tmp_path, "plate.stl", binary_stl(box_triangles((30, 30, 0.25)))), spec=spec)
    thin = next(i for i in r["issues"] if i["code"] == "mesh_thin_walls")
    assert "0,4 mm" in issue_text(thin, "fr") and "0.4 mm" in issue_text(thin, "en")


def test_plain_group_ids_are_layers(tmp_path, spec):
    body = '<g id="Gravure"><g><rect width="20" height="20" stroke="#000000"/></g></g><rect id="x" width="5" height="5"/>'
    drawing = read_drawing(write(tmp_path, "illustrator.svg", svg(body)))
    assert [p.layer for p in drawing.paths] == ["Gravure", None]


def test_cnc_checks_what_the_cutter_cannot_reach(tmp_path, spec):
    # a 3 mm wide tongue is fine for a 6 mm cutter going round it; a 3 mm slot and a 4 mm hole are not
    tongue = svg('<path d="M 0 0 L 100 0 L 100 20 L 51.5 20 L 51.5 60 L 48.5 60 L 48.5 20 L 0 20 Z"/>')
    assert "narrower_than_tool" not in _codes(analyze_file(write(tmp_path, "t.svg", tongue), spec=spec,
                                                              machine_id="cnc-1"))
    slot = svg('<path d="M 0 0 L 100 0 L 100 60 L 51.5 60 L 51.5 20 L 48.5 20 L 48.5 60 L 0 60 Z"/>')
    assert "narrower_than_tool" in _codes(analyze_file(write(tmp_path, "s.svg", slot), spec=spec, machine_id="cnc-1"))
    hole = svg('<rect x="0" y="0" width="80" height="60"/><circle cx="40" cy="30" r="2"/>')
    assert "narrower_than_tool" in _codes(analyze_file(write(tmp_path, "h.svg", hole), spec=spec, machine_id="cnc-1"))


def test_cli_report_names_the_figures_in_the_readers_language(tmp_path, capsys):
    """`fablab analyze` says its measurements as the job page does: named, with units and the
    language's number format, never the raw metric keys."""
    path = write(tmp_path, "cube.stl", binary_stl(box_triangles((20, 20, 20))))
    said = {}
    for lang in ("fr", "en"):
        fablab(["analyze", str(path), "--lang", lang])
        said[lang] = capsys.readouterr().out
    assert "Volume de la pièce : 8 000 mm³" in said["fr"].replace("\u202f", " ")
    assert "Volume of the part: 8,000 mm³" in said["en"]
    assert "volume_mm3" not in said["fr"] + said["en"]
