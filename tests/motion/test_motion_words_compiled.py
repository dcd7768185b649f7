"""The compiled reading of a program's words (gcode_reader/_numbers.c `scan_words`) against
the numpy passes (gcode_reader/tokens.py `_numpy_chunk`), the reference, on random programs:
the same words, unreadable lines, bytes sent and values, bit for bit."""

from __future__ import annotations

import numpy as np
import pytest

from gcode_reader import numbers, tokens
from gcode_reader.tokens import Words, tokenize

pytestmark = pytest.mark.skipif(numbers._numbers is None, reason="gcode_reader._numbers is not built (make builds it)")

PIECES = ["G1", "X1.5", "Y-2", "E.02", "F3000", "M73 P1 R2", "X", "1", "1.2.3", "-", "+5", "X1-2", " ", "\t", "\r",
          "(note)", "; comment", "*33", "N5", "$100=80", "%", "?", "xY2", "G1X1Y2", "12345678901234567.5",
          "X1234567890123456789", "M117 hello", "T0", "Z.", "Z-.5e3", "@", "é"]


def _same(a: Words, b: Words) -> bool:
    return (a.n_lines == b.n_lines and a.line.tolist() == b.line.tolist() and a.letter.tolist() == b.letter.tolist()
            and a.value.view(np.int64).tolist() == b.value.view(np.int64).tolist()
            and a.bad_lines.tolist() == b.bad_lines.tolist() and a.settings == b.settings
            and a.line_bytes.tolist() == b.line_bytes.tolist() and a.trimmed == b.trimmed
            and a.line.dtype == b.line.dtype and a.letter.dtype == b.letter.dtype
            and a.bad_lines.dtype == b.bad_lines.dtype and a.line_bytes.dtype == b.line_bytes.dtype)


def _both(lines: list[str], monkeypatch: pytest.MonkeyPatch, fallback: bool = True) -> tuple[Words, Words]:
    """(compiled, numpy) words of `lines`; `fallback` False: the compiled reading may not hand
    any chunk to the numpy passes."""
    if not fallback:
        numpy_chunk = tokens._numpy_chunk
        monkeypatch.setattr(tokens, "_numpy_chunk", lambda *a: pytest.fail("handed to the numpy passes"))
    compiled = tokenize(lines)
    if not fallback:
        monkeypatch.setattr(tokens, "_numpy_chunk", numpy_chunk)
    monkeypatch.setenv("FABLAB_GCODE_KERNEL", "numpy")
    reference = tokenize(lines)
    monkeypatch.setenv("FABLAB_GCODE_KERNEL", "")
    return compiled, reference


def test_the_two_readings_agree_on_random_programs(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(7)
    for _ in range(400):
        lines = [" ".join(rng.choice(PIECES, rng.integers(0, 6))) if rng.random() < 0.6
                 else "".join(rng.choice(PIECES, rng.integers(0, 4))) for _ in range(rng.integers(0, 40))]
        compiled, reference = _both(lines, monkeypatch)
        assert _same(compiled, reference), lines


def test_the_two_readings_agree_on_random_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(8)
    alphabet = "GXYZEFMT0123456789.-+ \t\r;*()$%?NP\n"
    for _ in range(300):
        text = "".join(rng.choice(list(alphabet), rng.integers(0, 300)))
        compiled, reference = _both(text.split("\n"), monkeypatch)
        assert _same(compiled, reference), text


def test_a_slicer_program_in_one_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    """A long program (several chunks, read side by side) whose every line is readable."""
    lines = [f"G1 X{i % 97}.{i % 10} Y{i % 89}.25 E.0{i % 7}{i % 3}" for i in range(tokens.CHUNK_LINES + 5000)]
    lines[::500] = [";LAYER:1"] * len(lines[::500])
    compiled, reference = _both(lines, monkeypatch, fallback=False)
    assert _same(compiled, reference) and not len(compiled.bad_lines)


def test_a_malformed_number_in_a_readable_line_is_read_by_the_numpy_passes(monkeypatch: pytest.MonkeyPatch) -> None:
    for lines in (["G1 X1.2.3 Y2", "G1 X1"], ["G1 X1", "G1 Y-"], ["X12345678901234567.8.9"], ["G1 X-", "M2"]):
        compiled, reference = _both(lines, monkeypatch)
        assert _same(compiled, reference), lines
