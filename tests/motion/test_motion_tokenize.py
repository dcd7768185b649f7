"""A long program is read in chunks, side by side (`gcode_reader.tokens`): its words are those
of its pieces read one by one, and the joined text kept with them is the program's."""

from __future__ import annotations

import numpy as np
import pytest

from gcode_reader import tokenize, tokens
from gcode_reader.tokens import program_text

CHUNK = 1000  # chunks of the real size (64k lines) take seconds to build here; the reading is the same


def test_chunks_read_side_by_side_give_the_whole_program(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tokens, "CHUNK_LINES", CHUNK)
    rng = np.random.default_rng(2)
    n = 3 * CHUNK + CHUNK // 3
    xs, es = rng.uniform(0, 200, n), rng.uniform(-1, 1, n)
    lines = [f"G1 X{x:.3f} Y{x / 2:.3f} E{e:.5f} ; c" if k % 97 else "G1 X1.2.3" for k, (x, e) in
             enumerate(zip(xs, es, strict=True))]
    whole = tokenize(lines)
    cut = CHUNK - 5  # pieces that do not follow the chunks
    first, second = tokenize(lines[:cut]), tokenize(lines[cut:])
    assert np.array_equal(whole.line, np.concatenate((first.line, second.line + cut)))
    assert np.array_equal(whole.value.view(np.int64), np.concatenate((first.value, second.value)).view(np.int64))
    assert np.array_equal(whole.bad_lines, np.concatenate((first.bad_lines, second.bad_lines + cut)))
    assert program_text(lines, whole) == ("\n".join(lines), True)
