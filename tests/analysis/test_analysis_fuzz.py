"""Property-based fuzzing of each reader: any bytes give geometry or `UnreadableFile`, nothing else."""

from __future__ import annotations

import io

import ezdxf
import numpy as np
from analysis_files import ascii_stl, binary_stl, box_triangles, svg
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jobqueue.cli.words import issue_text
from slicing.analysis import analyze_file
from slicing.readers import UnreadableFile, read_drawing, read_mesh

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _dxf_bytes() -> bytes:
    doc = ezdxf.new()
    msp = doc.modelspace()
    msp.add_line((0, 0), (10, 0))
    msp.add_lwpolyline([(0, 0, 0, 0, 0.5), (10, 0, 0, 0, 0), (10, 10, 0, 0, 0)], format="xyseb", close=True)
    msp.add_circle((5, 5), 2)
    msp.add_arc((0, 0), 3, 0, 90)
    block = doc.blocks.new("B")
    block.add_line((0, 0), (1, 1))
    msp.add_blockref("B", (20, 20))
    stream = io.StringIO()
    doc.write(stream)
    return stream.getvalue().encode()


SEEDS = {
    "stl": binary_stl(box_triangles()),
    "ascii.stl": ascii_stl(box_triangles()),
    "svg": svg('<g id="l" stroke="#ff0000"><rect id="r" x="10" y="10" width="20" height="10"/>'
               '<path d="M 50 50 C 60 40 70 60 80 50 A 5 5 0 0 1 90 50 Z"/><text x="1" y="2">a</text></g>').encode(),
    "dxf": _dxf_bytes(),
}


@st.composite
def mutated(draw, seed: bytes) -> bytes:
    data = bytearray(seed)
    for _ in range(draw(st.integers(0, 8))):
        op = draw(st.sampled_from(["flip", "cut", "insert", "dup"]))
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        if op == "flip":
            data[at] = draw(st.integers(0, 255))
        elif op == "cut":
            del data[at: at + draw(st.integers(1, 64))]
        elif op == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=32))
        else:
            data[at:at] = data[at: at + draw(st.integers(1, 128))]
    return bytes(data)


def _check(tmp_path, name: str, data: bytes, reader, spec) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    try:
        reader(path)
    except UnreadableFile as exc:
        issue = exc.as_issue()  # a code the registry says in both languages, never a sentence here
        assert exc.code and all(issue_text(issue, lang) not in ("", exc.code) for lang in ("fr", "en")), issue
    result = analyze_file(path, spec=spec, filename=name)
    assert isinstance(result["valid"], bool)
    assert all({"code", "severity", "location"} <= set(i) and ("params" in i or "message" in i) for i in result["issues"])


@FUZZ
@given(data=mutated(SEEDS["stl"]))
def test_fuzz_binary_stl(tmp_path, spec, data):
    _check(tmp_path, "fuzz.stl", data, read_mesh, spec)


@FUZZ
@given(data=mutated(SEEDS["ascii.stl"]))
def test_fuzz_ascii_stl(tmp_path, spec, data):
    _check(tmp_path, "fuzz.stl", data, read_mesh, spec)


@FUZZ
@given(data=mutated(SEEDS["svg"]))
def test_fuzz_svg(tmp_path, spec, data):
    _check(tmp_path, "fuzz.svg", data, read_drawing, spec)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=mutated(SEEDS["dxf"]))
def test_fuzz_dxf(tmp_path, spec, data):
    _check(tmp_path, "fuzz.dxf", data, read_drawing, spec)


@FUZZ
@given(coords=st.lists(st.floats(allow_nan=True, allow_infinity=True, width=32), min_size=9, max_size=90))
def test_fuzz_stl_coordinates(tmp_path, spec, coords):
    n = len(coords) // 9
    tri = np.array(coords[: n * 9], dtype=np.float32).reshape(n, 3, 3)
    _check(tmp_path, "coords.stl", binary_stl(tri), read_mesh, spec)
