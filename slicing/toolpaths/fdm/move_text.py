"""`G1 X.. Y.. E..` lines for many moves at once, written as numbers.fmt writes numbers.

The digits of every number are computed by integer arithmetic into one character table (a row
a line, fixed columns), the characters a number does not use (leading zeros, trailing zeros
of the fraction, the point of a whole number, the sign of a positive one) are masked out, and
the kept characters, read row after row, are the program's text. Ten times faster than
formatting each number (f-strings or numpy's string functions): on a large part the moves are
hundreds of thousands of lines.
"""

from __future__ import annotations

import numpy as np

_DIGITS = np.frombuffer(b"0123456789", dtype=np.uint8)


def _number_columns(values: np.ndarray, decimals: int) -> tuple[np.ndarray, np.ndarray]:
    """Characters (n, width) and which of them are kept, for `values` rounded to `decimals`:
    the shortest form with no trailing zeros, never '-0'."""
    scale = 10**decimals
    q = np.round(values * scale).astype(np.int64)
    a = np.abs(q)
    whole, frac = a // scale, a % scale
    n_int = max(1, len(str(int(whole.max())))) if len(a) else 1
    width = 1 + n_int + 1 + decimals  # sign, whole digits, point, fraction digits
    chars = np.empty((len(a), width), dtype=np.uint8)
    keep = np.zeros((len(a), width), dtype=bool)
    chars[:, 0] = ord("-")
    keep[:, 0] = q < 0
    # Whole part: digit k (k = 0 the units) kept up to the number's most significant digit.
    top = np.zeros(len(a), dtype=np.int64)  # index of the most significant digit (0 for 0..9)
    for k in range(n_int):
        col = 1 + n_int - 1 - k
        digit = (whole // 10**k) % 10
        chars[:, col] = _DIGITS[digit]
        if k:
            top = np.where(whole >= 10**k, k, top)
    for k in range(n_int):
        keep[:, 1 + n_int - 1 - k] = top >= k
    chars[:, 1 + n_int] = ord(".")
    keep[:, 1 + n_int] = frac != 0
    # Fraction: digit j (j = 1 the tenths) kept up to its last non-zero digit.
    last = np.zeros(len(a), dtype=np.int64)
    for j in range(1, decimals + 1):
        digit = (frac // 10 ** (decimals - j)) % 10
        chars[:, 1 + n_int + j] = _DIGITS[digit]
        last = np.where(digit != 0, j, last)
    for j in range(1, decimals + 1):
        keep[:, 1 + n_int + j] = last >= j
    return chars, keep


def _literal(text: str, n: int) -> tuple[np.ndarray, np.ndarray]:
    chars = np.broadcast_to(np.frombuffer(text.encode("ascii"), dtype=np.uint8), (n, len(text)))
    return chars, np.ones((n, len(text)), dtype=bool)


def format_moves(pts: np.ndarray, e: np.ndarray) -> list[str]:
    """`G1 X.. Y.. E..` lines: 3 decimals for coordinates, 5 for extrusion."""
    n = len(pts)
    if n == 0:
        return []
    pieces = [
        _literal("G1 X", n), _number_columns(pts[:, 0], 3),
        _literal(" Y", n), _number_columns(pts[:, 1], 3),
        _literal(" E", n), _number_columns(np.asarray(e, dtype=float), 5),
        _literal("\n", n),
    ]
    chars = np.concatenate([c for c, _ in pieces], axis=1)
    keep = np.concatenate([k for _, k in pieces], axis=1)
    text = chars[keep].tobytes().decode("ascii")
    return text.split("\n")[:-1]
