"""The uploaded file and its byte→line map (pure functions, no server)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drivers.octoprint_program import build_upload, resume_preamble


def test_line_ends_map_bytes_back_to_lines() -> None:
    lines = ["G28", "G1 X1 ; pièce", "", "M84\n"]
    upload = build_upload(lines)
    assert upload.content == "G28\nG1 X1 ; pièce\n\nM84\n".encode()
    assert upload.line_ends == (4, 19, 20, 24)
    assert [upload.lines_done(pos) for pos in (None, 0, 3, 4, 18, 19, 20, 23, 24, 99)] == [
        0, 0, 0, 1, 1, 2, 3, 3, 4, 4,
    ]


@given(st.lists(st.text(alphabet=st.characters(blacklist_characters="\r\n\x00", blacklist_categories=("Cs",)), max_size=12), min_size=1, max_size=30))
def test_every_line_end_counts_exactly_one_line(lines: list[str]) -> None:
    upload = build_upload(lines)
    assert len(upload.content) == upload.line_ends[-1]
    for index, end in enumerate(upload.line_ends):
        assert upload.lines_done(end) == index + 1
        assert upload.lines_done(end - 1) == index


def test_resume_counts_from_the_start_line_after_the_preamble() -> None:
    lines = ["G21", "G91", "M83", "M140 S60", "M104 S210", "G1 X1 E1 F1500", "G1 X2 E1", "G1 X3 E1"]
    upload = build_upload(lines, start_line=6)
    preamble = upload.content.decode().splitlines()[: upload.preamble_lines]
    assert preamble[1:] == ["G21", "G91", "M83", "M140 S60", "M104 T0 S210", "M190 S60", "M109 T0 S210", "G1 F1500"]
    assert upload.lines_done(0) == 6
    assert upload.lines_done(upload.line_ends[0]) == 7
    assert upload.lines_done(len(upload.content)) == len(lines)


def test_preamble_tracks_last_state_and_absolute_extruder() -> None:
    lines = [
        "G20", "G21 (metric)", "G90", "M82", "M104 T1 S200", "M109 S215 ; wait", "M190 S55",
        "G1 X5 E3.5 F1200", "G92 E0", "G1 X6 E0.4", "; comment only", "",
    ]
    assert resume_preamble(lines, len(lines))[1:] == [
        "G21", "G90", "M82", "M140 S55", "M104 T0 S215", "M104 T1 S200", "M190 S55",
        "M109 T0 S215", "M109 T1 S200", "G92 E0.4", "G1 F1200",
    ]


def test_g91_after_m83_makes_extruder_relative_again() -> None:
    assert resume_preamble(["M82", "G91", "G1 E5"], 3)[1:] == ["G91"]


@pytest.mark.parametrize(
    ("lines", "start", "error"),
    [
        ([], 0, ValueError),
        (["G28"], 1, ValueError),
        (["G28"], -1, ValueError),
        (["G28", "G1\nX1"], 0, ValueError),
        (["G28", "G1\rX1"], 0, ValueError),
        (["G1 X1\x00"], 0, ValueError),
        (["G1 X1 ; \ud800"], 0, ValueError),
        (["G28", 12], 0, TypeError),
        ("G28\nG1", 0, TypeError),
        (b"G28", 0, TypeError),
    ],
)
def test_bad_input_is_refused(lines, start: int, error: type[Exception]) -> None:
    with pytest.raises(error):
        build_upload(lines, start)


def test_lines_before_start_are_not_validated_as_upload() -> None:
    # Only lines[start:] are uploaded; a broken line before it is parsed for state, not sent.
    upload = build_upload(["G1 X1\x00 junk", "G28"], start_line=1)
    assert upload.content.endswith(b"G28\n")
