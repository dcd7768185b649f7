"""The tokenizer's numbers (`gcode_reader.numbers`) are what `float(text)` gives, bit for bit,
and a text `float` refuses makes the reading refuse it too (the tokenizer then reads the
program number by number and marks that line unreadable). Both readings, the compiled one
(gcode_reader/_numbers.c) and the numpy columns, are held to it, and to each other."""

from __future__ import annotations

import numpy as np
import pytest

from gcode_reader import numbers, tokenize
from gcode_reader.numbers import numbers_at


@pytest.fixture(autouse=True, params=["compiled", "numpy"])
def reading(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every test here runs on both readings."""
    if request.param == "compiled" and numbers._numbers is None:
        pytest.skip("gcode_reader._numbers is not built (make builds it)")
    monkeypatch.setenv("FABLAB_GCODE_KERNEL", "numpy" if request.param == "numpy" else "")
    return request.param


def _read(texts: list[str]) -> np.ndarray | None:
    blob = " ".join(texts).encode()
    starts = np.cumsum([0] + [len(t) + 1 for t in texts[:-1]])
    return numbers_at(np.frombuffer(blob, np.uint8).copy(), starts.astype(np.int64))


@pytest.mark.parametrize("texts", [
    ["1", "-0", "+0.5", ".5", "5.", "-.5", "0.1", "2.675", "-1234567.891234567"],
    ["0.1234567890123456789", "12345678901234567890", "0000000000000000001.5"],  # read by float()
])
def test_numbers_as_float_reads_them(texts: list[str]) -> None:
    got = _read(texts)
    assert got is not None
    assert got.view(np.int64).tolist() == np.array([float(t) for t in texts]).view(np.int64).tolist()


def test_random_decimals_bit_for_bit() -> None:
    rng = np.random.default_rng(5)
    texts = [f"{v:.{k}f}" for v, k in zip(rng.normal(0, 300, 5000), rng.integers(0, 9, 5000), strict=True)]
    got = _read(texts)
    assert got is not None and np.array_equal(got.view(np.int64), np.array([float(t) for t in texts]).view(np.int64))


@pytest.mark.parametrize("text", [".", "-", "+", "1.2.3", "1-2", "--1", "+-1"])
def test_not_a_number(text: str) -> None:
    assert _read(["1.5", text]) is None


def test_a_malformed_number_makes_its_line_unreadable_only() -> None:
    words = tokenize(["G1 X1.5 Y2", "G1 X1.2.3", "G1 X-.25 E5."])
    assert words.bad_lines.tolist() == [1]
    assert words.value.tolist() == [1.0, 1.5, 2.0, 1.0, -0.25, 5.0]

