"""The one reader's two forms agree: whole programs at once (`gcode_reader.program`, what the
time model, checks and previews read) and line by line (`gcode_reader.modal`, the resume
preamble)."""

from __future__ import annotations

import numpy as np
import pytest

from gcode_reader import ModalState, apply_words, modal_state_at, read_line, read_program
from slicing.toolpaths.program_parse import gcode_moves

PROGRAM = [
    "G21 G90 ; millimetres, absolute",
    "G0 X10 Y5 (rapid)",
    "M3 S300",
    "G1 X20 F1200",
    "Y15",  # GRBL keeps the motion mode
    "G91",
    "G1 X-2.5 Y1 Z-0.5",
    "G90",
    "G92 X0 Y0",
    "G1 X3 Y4 S800",
    "N12 G1 X5 Y4 *45",
    "M117 Hello world",
    "G1 X6 Y# 3",  # unreadable: refused by both, ignored
    "G20",
    "G1 X1 Y1",
]


GRBL_MIXED = [
    "G21 G90", "G0 X10 Y5", "G1 X20 F1200", "Y15", "G20", "X1", "G1 Y2 F10", "G21", "G28 X0", "Y7",
    "G53 G0 Z-1", "X3", "G92 X0 Y0", "G1 X2 Y2", "G91", "X1 Z-0.5", "G90", "G80", "X50", "G1 X4",
    "G2 X6 Y4 I1 J0", "J1", "G28", "G4 P1", "G10 L20 P1 X0", "G30", "G1 X9 Z2", "G1 X6 Y# 3",
]
MARLIN_MIXED = [
    "G21 G90 M82", "G28", "G1 X10 Y5 E1 F1200", "X20 Y20 E2", "G1 X20 E3", "G20", "G1 X1 E0.1 F10",
    "G21", "G28 X0", "G1 Y7", "G53 G0 Z3", "G92 X0 Y0 E0", "G1 X2 Y2 E0.5", "M83", "G1 X3 E0.5",
    "G91", "G1 X1 E0.5", "G90", "M82", "G1 X5 E2", "G30", "G28 Y0 Z0", "G0 X8", "E5", "G2 X9 Y1 I1 J0",
]


@pytest.mark.parametrize(("flavour", "lines"), [("grbl", GRBL_MIXED), ("marlin", MARLIN_MIXED)])
def test_both_forms_agree_line_by_line(flavour: str, lines: list[str]) -> None:
    """One set of rules: G20/G21, G28 with and without axes, bare coordinates (modal in GRBL,
    ignored by Marlin), G53, G92, G91, M83, G80, arcs: the same position, E, feed and move."""
    program = read_program(lines, flavour)
    state = ModalState(flavour=flavour)
    for n, line in enumerate(lines):
        try:
            moved = apply_words(state, read_line(line))
        except ValueError:
            assert n in program.words.bad_lines.tolist()
            continue
        assert moved == bool(program.moving[n]), (n, line)
        for k, axis in enumerate("XYZ"):
            assert np.isclose(program.position[n, k], state.position.get(axis, 0.0)), (n, line, axis)
        if flavour == "marlin":
            assert np.isclose(program.position[n, 3], state.e), (n, line, "E")
        if state.feed is not None:
            assert np.isclose(program.feed()[n], state.feed), (n, line, "F")
    assert state.position == modal_state_at(lines, len(lines), flavour).position


def test_the_flavours_differ_where_the_firmwares_do() -> None:
    """GRBL keeps the motion mode, Marlin does not; G28 X homes X alone; G20 words are inches."""
    lines = ["G1 X20 Y3 F600", "Y15", "G28 X0", "G20", "G1 X1"]
    grbl, marlin = modal_state_at(lines, 2, "grbl"), modal_state_at(lines, 2, "marlin")
    assert grbl.position["Y"] == 15 and marlin.position["Y"] == 3
    assert modal_state_at(lines, 3, "grbl").position == {"X": 0.0, "Y": 15.0}
    assert modal_state_at(lines, 5, "marlin").position == {"X": 25.4, "Y": 3.0}


def test_moves_for_checks_and_previews() -> None:
    errors: list[tuple[int, str]] = []
    moves = gcode_moves(PROGRAM, errors, flavour="grbl")
    assert [m.line for m in moves] == [1, 3, 4, 6, 9, 10, 14]
    assert errors and errors[0][0] == 12 and "#" in errors[0][1]
    assert moves[1].kind == "feed" and moves[1].feed == 1200 and moves[1].power == 300
    assert moves[-1].end[:2] == (25.4, 25.4)
    # Marlin moves only on an explicit G0-G3: a bare `Y15` is not a move there.
    assert 4 not in [m.line for m in gcode_moves(PROGRAM, flavour="marlin")]


def test_interpreted_once_per_flavour_and_read_only() -> None:
    """The checks, the preview and the time model of one prepared program share one reading."""
    from gcode_reader import interpret, tokenize

    words = tokenize(["G21", "G90", "G1 X1 Y2 F600", "G1 X3"])
    first = interpret(words, "marlin")
    assert interpret(words, "marlin") is first and interpret(words, "grbl") is not first
    with pytest.raises(ValueError):
        first.position[0, 0] = 1.0
    assert np.allclose(first.position[3, :2], (3.0, 2.0))


def test_layer_marks_as_the_line_by_line_reading() -> None:
    from slicing.toolpaths.program_parse import layer_marks, layers_at

    lines = ["G1 X1", ";LAYER:0", "G1 X2", ";LAYER: 3 ", ";LAYER:x", "G1 X3", " ;LAYER:9", ";LAYER:-1"]
    at, numbers = layer_marks(lines)
    assert at.tolist() == [1, 3, 7] and numbers.tolist() == [0, 3, -1]
    odd = [*lines[:2], "G1\nX2", *lines[3:]]  # a line holding a line break: read line by line
    assert [a.tolist() for a in layer_marks(odd)] == [[1, 3, 7], [0, 3, -1]]
    assert layers_at(lines, np.array([0, 2, 5, 7])).tolist() == [-1, 0, 3, -1]
