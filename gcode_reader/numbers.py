"""The numbers of a tokenized program, read digit column by digit column with numpy.

`np.fromstring` reads a G-code number in ~400 ns (a locale-aware strtod per token): the
largest share of tokenizing a slicer's program. Here the i-th characters of all numbers are
taken at once, so a program's numbers cost about fifteen numpy passes over one array per
character column. Each number becomes an integer mantissa and a count of decimals; a
mantissa of at most 15 digits and a power of ten up to 1e22 are exact doubles, so their
quotient is the correctly rounded value: bit for bit what `float(text)` gives.
"""

from __future__ import annotations

import os

import numpy as np

try:  # the same reading in one pass per number (gcode_reader/_numbers.c, built by `make`)
    from gcode_reader import _numbers
except ImportError:  # not built: the column passes below
    _numbers = None

MAX_DIGITS = 15  # mantissas below 1e15 < 2**53 are exact doubles
COLUMNS = 16  # characters read column by column; a longer number is read by float()
_POW10 = 10.0 ** np.arange(COLUMNS + 1)
_SPACE, _DOT, _MINUS, _PLUS = 32, 46, 45, 43


def numbers_at(a: np.ndarray, starts: np.ndarray) -> np.ndarray | None:
    """The number whose text starts at each of `starts` in `a` (uint8 characters; a number
    ends at the first character that is not a digit, '.', '-' or '+'), as `float(text)`
    reads it; None when one of them is not a number to `float` ('1.2.3', '-', '1-2')."""
    n = len(starts)
    if not n:
        return np.zeros(0)
    if compiled() is not None:
        return _compiled(a, starts)
    padded = np.concatenate((a, np.full(COLUMNS + 1, _SPACE, np.uint8)))
    first = padded[starts]
    negative = first == _MINUS
    pos = starts + (negative | (first == _PLUS))
    mantissa = np.zeros(n, np.int64)
    digits = np.zeros(n, np.int8)
    decimals = np.zeros(n, np.int8)
    dots = np.zeros(n, np.int8)
    sign_inside = np.zeros(n, bool)
    alive = np.ones(n, bool)
    for _ in range(COLUMNS):
        c = padded[pos]
        d = c - np.uint8(48)
        digit = d <= 9
        dot, sign = c == _DOT, (c == _MINUS) | (c == _PLUS)
        alive &= digit | dot | sign
        if not alive.any():
            break
        digit &= alive
        mantissa = np.where(digit, mantissa * 10 + d, mantissa)
        digits += digit
        decimals += digit & (dots > 0)
        dots += dot & alive
        sign_inside |= sign & alive
        pos += 1
    else:
        alive &= _is_number_char(padded[pos])
    hard = np.flatnonzero(alive | (digits > MAX_DIGITS))  # long numbers: float() reads them
    bad = sign_inside | (dots > 1) | (digits == 0)
    bad[hard] = False
    if bad.any():
        return None
    values = mantissa.astype(np.float64) / _POW10[decimals]
    values = np.where(negative, -values, values)
    for k in hard.tolist():
        value = _one_number(padded, int(starts[k]))
        if value is None:
            return None
        values[k] = value
    return values


def _compiled(a: np.ndarray, starts: np.ndarray) -> np.ndarray | None:
    """`numbers_at` by the C pass; the long numbers it hands back are read by float() here."""
    chars = np.ascontiguousarray(a, dtype=np.uint8)
    at = np.ascontiguousarray(starts, dtype=np.int64)
    values = np.empty(len(at))
    long_at = np.empty(len(at), np.int64)
    found = _numbers.numbers_at(chars, at, values, long_at)
    if found < 0:
        return None
    return values if read_long(chars, long_at[:found], at[long_at[:found]], values) else None


def compiled() -> object | None:
    """The C passes (gcode_reader/_numbers.c), unless not built or FABLAB_GCODE_KERNEL=numpy."""
    return _numbers if os.environ.get("FABLAB_GCODE_KERNEL", "").lower() != "numpy" else None


def read_long(chars: np.ndarray, which: np.ndarray, starts: np.ndarray, values: np.ndarray) -> bool:
    """values[which[i]] = the number at starts[i], read by float() (the C pass hands back the
    numbers of more than 15 digits); False when one is not a number."""
    if len(which):
        padded = np.concatenate((chars, np.full(COLUMNS + 1, _SPACE, np.uint8)))
        for k, start in zip(which.tolist(), starts.tolist(), strict=True):
            value = _one_number(padded, int(start))
            if value is None:
                return False
            values[k] = value
    return True


def _is_number_char(c: np.ndarray) -> np.ndarray:
    return ((c >= 48) & (c <= 57)) | (c == _DOT) | (c == _MINUS) | (c == _PLUS)


def _one_number(padded: np.ndarray, start: int) -> float | None:
    end = start
    while _is_number_char(padded[end]):
        end += 1
    try:
        return float(padded[start:end].tobytes())
    except ValueError:
        return None
