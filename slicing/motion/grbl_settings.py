"""GRBL's `$$` report (`$110=24000.000`) read into {110: 24000.0}."""

from __future__ import annotations

import re

_LINE = re.compile(r"^\s*\$(\d+)\s*=\s*([-+]?(?:\d+\.?\d*|\.\d+))")


def parse_grbl_settings(text: str) -> dict[int, float]:
    """Every `$N=value` line of `text` (other lines, `ok` and comments, are skipped)."""
    out: dict[int, float] = {}
    for line in text.splitlines():
        m = _LINE.match(line)
        if m:
            out[int(m.group(1))] = float(m.group(2))
    return out
