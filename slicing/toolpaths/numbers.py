"""Number formatting shared by the G-code and HPGL writers."""

from __future__ import annotations

import math


def fmt(value: float, digits: int = 3) -> str:
    """Shortest decimal form with at most `digits` decimals: 10.5, 3, -0.125 (never '-0')."""
    if not math.isfinite(value):
        # A non-finite coordinate must never reach a machine: the program checks refuse it.
        return "nan"
    text = f"{value:.{digits}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text
