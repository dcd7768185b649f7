"""The built-in slicer's move lines are written as numbers.fmt writes each number."""

from __future__ import annotations

import numpy as np

from slicing.toolpaths.fdm.move_text import format_moves
from slicing.toolpaths.numbers import fmt


def test_move_lines_write_numbers_as_fmt() -> None:
    rng = np.random.default_rng(5)
    edge = np.array([0.0, 0.0004, 0.00051, -0.0004, -0.0006, 9.9996, 99.99951, 1e-9, -1e-9, 123.4567, 1000.0,
                     0.1, 0.01, 10.05, -10.05, 250.0, 0.9999, -0.5])
    # Values on a grid finer than the decimals written (no halfway ties, where fmt's rounding
    # of the binary value and a scaled round could disagree).
    x = np.concatenate([edge, np.round(rng.uniform(-300, 300, 2000), 4) + 0.00013])
    y = np.concatenate([edge[::-1], np.round(rng.uniform(0, 30, 2000), 4) + 0.00021])
    e = np.concatenate([np.abs(edge) / 7, np.round(rng.uniform(-0.01, 2.0, 2000), 6) + 1.3e-7])
    lines = format_moves(np.column_stack([x, y]), e)
    assert lines == [f"G1 X{fmt(a)} Y{fmt(b)} E{fmt(c, 5)}" for a, b, c in zip(x, y, e, strict=True)]
    assert format_moves(np.empty((0, 2)), np.empty(0)) == []
