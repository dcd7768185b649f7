"""G-code lines -> `letter number` words: comments, checksums and line numbers aside.

The grammar, once: `;` comments and `(...)` comments are removed, a Marlin checksum `*nn`
ends the line, `N` line numbers are dropped, GRBL `$` commands and `%` markers carry no
words. Commands whose argument is free text (`M117 Hello`, `M23 file.gco`) give their code
alone. Anything else that is not `letter number` makes the line a `BadLine`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

FREE_TEXT_M = (117, 118, 23, 28, 30, 32, 928)  # M codes whose argument is text (messages, file names)
_FREE = re.compile(r"^\s*(?:N\d+\s*)?M(" + "|".join(str(m) for m in FREE_TEXT_M) + r")(?![0-9.])", re.I)
_PARENS = re.compile(r"\([^)]*\)")
_CHECKSUM = re.compile(r"\*\d*\s*$")
_LINE = re.compile(r"\s*(?:[A-Za-z]\s*[-+]?(?:\d+\.?\d*|\.\d+)\s*)*")
_WORD = re.compile(r"([A-Za-z])\s*([-+]?(?:\d+\.?\d*|\.\d+))")
Words = list[tuple[str, float]]


class BadLine(ValueError):
    """A line that is not made of `letter number` words (the reason is the message)."""


def strip(line: str) -> str:
    """The significant part of a line: comments and checksum removed, spaces kept."""
    code = line.split(";", 1)[0]
    if "(" in code:
        code = _PARENS.sub("", code)
    if "*" in code:
        code = _CHECKSUM.sub("", code)
    return code.strip()


_NUMBER_CHARS = frozenset("0123456789.+-")


def read_line(line: str) -> Words:
    """The words of one line (upper-case letters, N dropped); [] for blank, comment, `$` or `%` lines."""
    code = strip(line)
    if not code or code[0] in "$%":
        return []
    return list(_read_code(code))


@functools.lru_cache(maxsize=1 << 17)
def _read_code(code: str) -> tuple[tuple[str, float], ...]:
    """Cached (a program repeats its lines; checks and preview read the same ones). The common
    spaced form (`G1 X10.5 Y3 E0.02`) is split without a regular expression; anything else
    (`G1X10`, `X 10`, odd text) takes the exact path."""
    free = _FREE.match(code)
    if free:
        return (("M", float(free.group(1))),)
    words = []
    for token in code.split():
        number = token[1:]
        if not (token[0].isalpha() and token[0].isascii() and number and _NUMBER_CHARS.issuperset(number)):
            return _exactly(code)
        try:
            value = float(number)
        except ValueError:
            return _exactly(code)
        if token[0] not in "Nn":
            words.append((token[0].upper(), value))
    return tuple(words)


def _exactly(code: str) -> tuple[tuple[str, float], ...]:
    if not _LINE.fullmatch(code):
        bad = _LINE.match(code).end()
        raise BadLine(f"unexpected text '{code[bad:bad + 20].strip()}'")
    # The number pattern has no room for "inf" or "nan": every value is finite.
    return tuple((letter.upper(), float(number)) for letter, number in _WORD.findall(code) if letter not in "Nn")


def clear_cache() -> None:
    """Free the words cache (after a program's checks and preview)."""
    _read_code.cache_clear()


def read_lines(lines: Sequence[str]) -> list[Words | BadLine]:
    """Every line read once: its words, or the `BadLine` that explains why it cannot be read."""
    out: list[Words | BadLine] = []
    for line in lines:
        try:
            out.append(read_line(line))
        except BadLine as exc:
            out.append(exc)
    return out
