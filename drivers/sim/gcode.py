"""Splitting a G-code line into words, as the simulated firmwares read it."""

from __future__ import annotations

import re

_COMMENT = re.compile(r"\([^)]*\)|;.*$")
_WORD = re.compile(r"([A-Z])([-+]?(?:\d+\.?\d*|\.\d+))")


class GcodeSyntaxError(ValueError):
    def __init__(self, kind: str, text: str):
        super().__init__(f"{kind}: {text!r}")
        self.kind = kind  # "letter" (no letter where one was expected) or "number"


def strip_comments(line: str) -> str:
    return _COMMENT.sub("", line).strip()


def words(line: str) -> list[tuple[str, float]]:
    """`G1 X10 Y-2.5F300` -> [("G", 1.0), ("X", 10.0), ("Y", -2.5), ("F", 300.0)]."""
    text = strip_comments(line).upper().replace(" ", "").replace("\t", "")
    out: list[tuple[str, float]] = []
    pos = 0
    while pos < len(text):
        m = _WORD.match(text, pos)
        if not m:
            kind = "letter" if not text[pos].isalpha() else "number"
            raise GcodeSyntaxError(kind, text[pos:])
        out.append((m.group(1), float(m.group(2))))
        pos = m.end()
    return out
