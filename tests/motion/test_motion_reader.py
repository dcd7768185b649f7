"""The one reader's two forms agree: whole programs at once (`gcode_reader.program`, what the
time model, checks and previews read) and line by line (`gcode_reader.modal`, the resume
preamble)."""

from __future__ import annotations

import numpy as np

from gcode_reader import ModalState, apply_words, read_line, read_program
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


def test_whole_program_positions_match_the_line_reader() -> None:
    program = read_program(PROGRAM, "grbl")
    state = ModalState()
    for n, line in enumerate(PROGRAM[:13]):  # up to G20: the line reader keeps program units
        try:
            words = read_line(line)
        except ValueError:
            assert n in program.words.bad_lines.tolist()
            continue
        apply_words(state, words)
        for k, axis in enumerate("XYZ"):
            assert np.isclose(program.position[n, k], state.position.get(axis, 0.0)), (n, axis)
    assert program.words.bad_lines.tolist() == [12]
    assert program.power()[9] == 800 and program.feed()[9] == 1200


def test_moves_for_checks_and_previews() -> None:
    errors: list[tuple[int, str]] = []
    moves = gcode_moves(PROGRAM, errors, flavour="grbl")
    assert [m.line for m in moves] == [1, 3, 4, 6, 9, 10, 14]
    assert errors and errors[0][0] == 12 and "#" in errors[0][1]
    assert moves[1].kind == "feed" and moves[1].feed == 1200 and moves[1].power == 300
    assert moves[-1].end[:2] == (25.4, 25.4)
    # Marlin moves only on an explicit G0-G3: a bare `Y15` is not a move there.
    assert 4 not in [m.line for m in gcode_moves(PROGRAM, flavour="marlin")]
