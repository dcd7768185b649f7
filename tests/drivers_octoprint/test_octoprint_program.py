"""The uploaded file and its byte→line map (pure functions, no server)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drivers.modal import resume_preamble
from drivers.octoprint_program import build_upload


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


def test_resume_counts_from_the_start_line_after_the_shared_preamble() -> None:
    lines = ["G21", "G91", "M83", "M140 S60", "M104 S210", "G1 X1 E1 F1500", "G1 X2 E1", "G1 X3 E1"]
    upload = build_upload(lines, start_line=6)
    text = upload.content.decode().splitlines()
    assert text[0].startswith("; fablab: resumed at program line 7")
    assert text[1 : upload.preamble_lines] == resume_preamble(lines, 6, "marlin")
    assert "M109 S210" in text and "M190 S60" in text
    assert text[upload.preamble_lines :] == lines[6:]
    assert upload.lines_done(0) == 6
    assert upload.lines_done(upload.line_ends[0]) == 7
    assert upload.lines_done(len(upload.content)) == len(lines)


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
