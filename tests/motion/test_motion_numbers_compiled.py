"""The compiled reading of a program's numbers (gcode_reader/_numbers.c) against the numpy
columns (gcode_reader/numbers.py), the reference, on random text."""

from __future__ import annotations

import numpy as np
import pytest

from gcode_reader import numbers
from gcode_reader.numbers import numbers_at


@pytest.mark.skipif(numbers._numbers is None, reason="gcode_reader._numbers is not built (make builds it)")
def test_the_two_readings_agree_on_any_text(monkeypatch: pytest.MonkeyPatch) -> None:
    """Random runs of number characters, spaces and letters, read from random places (the
    text's end included): the same values bit for bit, or the same refusal."""
    rng = np.random.default_rng(11)
    alphabet = np.frombuffer(b"0123456789012345678901234567890123456789..-+ XE", np.uint8)
    for _ in range(300):
        a = alphabet[rng.integers(0, len(alphabet), rng.integers(1, 400))].copy()
        starts = np.sort(rng.integers(0, len(a), rng.integers(1, 30))).astype(np.int64)
        for s in (starts, starts[a[starts] != ord(" ")]):
            compiled = numbers_at(a, s)
            monkeypatch.setenv("FABLAB_GCODE_KERNEL", "numpy")
            columns = numbers_at(a, s)
            monkeypatch.setenv("FABLAB_GCODE_KERNEL", "")
            assert (compiled is None) == (columns is None)
            if compiled is not None:
                assert compiled.view(np.int64).tolist() == columns.view(np.int64).tolist()
