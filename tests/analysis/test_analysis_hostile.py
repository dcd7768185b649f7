"""Broken and hostile uploads: each gives valid: false with a clear issue, never a traceback."""

from __future__ import annotations

import resource

import ezdxf
import numpy as np
import pytest
from analysis_files import ascii_stl, binary_stl, box_triangles, svg, write

from jobqueue.cli.words import issue_text
from slicing.analysis import analyze_file
from slicing.readers import UnreadableFile, read_drawing, read_mesh


def _refused(spec, path, code_prefix: str | tuple[str, ...]) -> dict:
    result = analyze_file(path, spec=spec, filename=path.name)
    assert result["valid"] is False
    codes = [i["code"] for i in result["issues"] if i["severity"] == "error"]
    assert any(c.startswith(code_prefix) for c in codes), codes
    for issue in result["issues"]:
        assert issue_text(issue, "fr") and issue_text(issue, "en")
        assert "Traceback" not in issue_text(issue, "en")
    return result


def test_truncated_binary_stl(tmp_path, spec):
    data = binary_stl(box_triangles())[:-30]
    r = _refused(spec, write(tmp_path, "cut.stl", data), "stl_")
    assert "tronqué" in issue_text(r["issues"][0], "fr") or "ment" in issue_text(r["issues"][0], "fr")


def test_count_lies(tmp_path, spec):
    r = _refused(spec, write(tmp_path, "lies.stl", binary_stl(box_triangles(), declared=5)), "stl_count_mismatch")
    assert "5" in issue_text(r["issues"][0], "en")


def test_huge_declared_count(tmp_path, spec):
    _refused(spec, write(tmp_path, "huge.stl", binary_stl(box_triangles(), declared=4_000_000_000)), "stl_truncated")


def test_nan_vertices(tmp_path, spec):
    tri = box_triangles()
    tri[3, 1, 2] = np.nan
    tri[5, 0, 0] = np.inf
    r = _refused(spec, write(tmp_path, "nan.stl", binary_stl(tri)), "stl_non_finite")
    assert "n° 3" in issue_text(r["issues"][0], "fr") and "infinies" in issue_text(r["issues"][0], "fr")


def test_empty_file(tmp_path, spec):
    _refused(spec, write(tmp_path, "empty.stl", b""), "file_empty")
    _refused(spec, write(tmp_path, "empty.svg", b""), "file_empty")
    _refused(spec, write(tmp_path, "empty.dxf", b""), "file_empty")


def test_garbage_ascii_stl(tmp_path, spec):
    text = ascii_stl(box_triangles()).replace(b"vertex 1.0", b"vertex zz", 1).replace(b"vertex 0.0", b"vertex x", 3)
    _refused(spec, write(tmp_path, "garbage.stl", text), "stl_")
    _refused(spec, write(tmp_path, "words.stl", b"solid nothing here\nfacet facet vertex 1 2\n"), "stl_")
    _refused(spec, write(tmp_path, "incomplete.stl", ascii_stl(box_triangles())[:-200]), "stl_")


def test_dxf_without_entities(tmp_path, spec):
    doc = ezdxf.new()
    doc.saveas(tmp_path / "nothing.dxf")
    _refused(spec, tmp_path / "nothing.dxf", "drawing_empty")


def test_dxf_block_referencing_itself(tmp_path, spec):
    doc = ezdxf.new()
    block = doc.blocks.new("LOOP")
    block.add_line((0, 0), (10, 0))
    block.add_blockref("LOOP", (1, 1))
    doc.modelspace().add_blockref("LOOP", (0, 0))
    doc.saveas(tmp_path / "loop.dxf")
    _refused(spec, tmp_path / "loop.dxf", ("dxf_block_cycle", "file_unreadable"))
    with pytest.raises(UnreadableFile):
        read_drawing(tmp_path / "loop.dxf")


def test_dxf_blocks_referencing_each_other(tmp_path, spec):
    doc = ezdxf.new()
    a, b = doc.blocks.new("A"), doc.blocks.new("B")
    a.add_circle((0, 0), 2)
    a.add_blockref("B", (5, 0))
    b.add_blockref("A", (0, 5))
    doc.modelspace().add_blockref("A", (0, 0))
    doc.saveas(tmp_path / "ab.dxf")
    _refused(spec, tmp_path / "ab.dxf", ("dxf_block_cycle", "file_unreadable"))


def test_dxf_garbage(tmp_path, spec):
    _refused(spec, write(tmp_path, "junk.dxf", "0\nSECTION\n2\nENTITIES\n0\nLINE\n10\nabc\n"), ("dxf_", "file_", "drawing_"))


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
<!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
<!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
<!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
<!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
<!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">]>
<svg xmlns="http://www.w3.org/2000/svg" width="10mm" height="10mm"><text x="1" y="1">&lol9;</text></svg>"""


def test_svg_billion_laughs(tmp_path, spec):
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    r = _refused(spec, write(tmp_path, "lol.svg", BILLION_LAUGHS), "svg_refused")
    assert "billion" in issue_text(r["issues"][0], "en")
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 200_000  # KB: nothing expanded


def test_svg_external_entity(tmp_path, spec):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET")
    text = (f'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY xxe SYSTEM "file://{secret}">]>'
            '<svg xmlns="http://www.w3.org/2000/svg" width="10mm" height="10mm"><text>&xxe;</text></svg>')
    r = _refused(spec, write(tmp_path, "xxe.svg", text), "svg_refused")
    assert "SECRET" not in str(r)


def test_svg_deep_groups(tmp_path, spec):
    body = "<g>" * 10_000 + '<rect width="5" height="5"/>' + "</g>" * 10_000
    r = _refused(spec, write(tmp_path, "deep.svg", svg(body)), "svg_refused")
    assert "256" in issue_text(r["issues"][0], "fr")


def test_svg_huge_declared_size(tmp_path, spec):
    text = svg('<rect x="0" y="0" width="10" height="10"/>', width="1e30mm", height="1e30mm", viewbox="0 0 20 20")
    _refused(spec, write(tmp_path, "huge.svg", text), ("size_over_limit", "svg_"))


def test_svg_not_xml(tmp_path, spec):
    _refused(spec, write(tmp_path, "broken.svg", "<svg><g></svg"), ("svg_malformed", "svg_"))
    _refused(spec, write(tmp_path, "html.svg", "<html><body>hi</body></html>"), ("svg_not_svg", "svg_"))


def test_unknown_format_and_wrong_process(tmp_path, spec):
    _refused(spec, write(tmp_path, "notes.txt", "hello"), "format_unknown")
    path = write(tmp_path, "cube.stl", binary_stl(box_triangles()))
    result = analyze_file(path, spec=spec, process="laser", filename="cube.stl")
    assert not result["valid"] and result["issues"][0]["code"] == "wrong_process"


def test_path_traversal_name_is_only_a_label(tmp_path, spec):
    path = write(tmp_path, "upload.bin", binary_stl(box_triangles()))
    result = analyze_file(path, spec=spec, filename="../../etc/passwd.stl")
    assert result["valid"] and result["metrics"]["volume_mm3"] == pytest.approx(1000.0)


def test_readers_raise_only_unreadable(tmp_path):
    for name, data in [("a.stl", b"\x00" * 83), ("b.svg", b"<svg"), ("c.dxf", b"\x00\xff garbage \x01" * 50)]:
        path = write(tmp_path, name, data)
        with pytest.raises(UnreadableFile):
            (read_mesh if name.endswith("stl") else read_drawing)(path)


def test_size_limits_name_the_limit(tmp_path, spec):
    from slicing.readers import Limits

    small = Limits(max_file_bytes=500, max_svg_bytes=100)
    big_svg = write(tmp_path, "big.svg", svg('<rect width="5" height="5"/>' * 20))
    with pytest.raises(UnreadableFile) as exc:
        read_drawing(big_svg, limits=small)
    assert exc.value.code == "file_too_large" and "0,1 ko" in issue_text(exc.value.as_issue(), "fr")
    with pytest.raises(UnreadableFile) as exc:
        read_mesh(write(tmp_path, "big.stl", binary_stl(box_triangles())), limits=small)
    assert exc.value.code == "file_too_large"
    few = Limits(max_triangles=5)
    with pytest.raises(UnreadableFile) as exc:
        read_mesh(write(tmp_path, "many.stl", binary_stl(box_triangles())), limits=few)
    assert exc.value.code == "too_many_triangles" and "limit is 5." in issue_text(exc.value.as_issue(), "en")


def test_merge_survives_a_hash_collision(monkeypatch):
    from slicing.readers import weld as mesh

    tri = box_triangles()
    honest_v, honest_f = mesh.merge_vertices(tri)
    monkeypatch.setattr(mesh, "_hash", lambda words: np.zeros(len(words[0]), dtype=np.uint64))
    v, f = mesh.merge_vertices(tri)
    assert len(v) == len(honest_v) == 8
    assert np.array_equal(v[f], tri.astype(np.float64))


def test_binary_stl_whose_header_says_solid(tmp_path, spec):
    data = b"solid exported-by-cad".ljust(80, b" ") + binary_stl(box_triangles())[80:]
    result = analyze_file(write(tmp_path, "cad.stl", data), spec=spec)
    assert result["valid"] and result["metrics"]["ascii"] is False
    assert result["metrics"]["volume_mm3"] == pytest.approx(1000)
    text = analyze_file(write(tmp_path, "text.stl", ascii_stl(box_triangles())), spec=spec)
    assert text["valid"] and text["metrics"]["ascii"] is True


def test_a_failing_check_becomes_an_issue(tmp_path, spec, monkeypatch):
    from slicing.analysis import mesh_flow

    def broken(*args, **kwargs):
        raise ZeroDivisionError("a bug in a check")

    monkeypatch.setattr(mesh_flow, "mesh_facts", broken)
    result = analyze_file(write(tmp_path, "cube.stl", binary_stl(box_triangles())), spec=spec)
    assert result["valid"] is False and result["issues"][0]["code"] == "analysis_failed"
    assert "ZeroDivisionError" in issue_text(result["issues"][0], "en")
