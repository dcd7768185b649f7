"""A small G-code writer for GRBL-style 2D/2.5D programs: modal words written once.

It keeps the last position, feed and power so each line carries only what changed (short
lines matter: GRBL's line buffer is 80 characters), and it adds up rapid and cutting
lengths as it goes, so the metrics describe exactly the program written.
"""

from __future__ import annotations

import math
import unicodedata

from slicing.toolpaths.numbers import fmt


def ascii_text(text: str) -> str:
    """Text safe inside a program: GRBL reads bytes >= 0x80 as real-time commands (overrides,
    safety door), so 'Contreplaqué' must travel as 'Contreplaque'."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return "".join(ch for ch in folded if ch.isprintable() and ch not in "()")


class GcodeWriter:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.x: float | None = None
        self.y: float | None = None
        self.z: float | None = None
        self.feed_rate: float | None = None
        self.power: float | None = None
        self.rapid_mm = 0.0
        self.cut_mm = 0.0

    def comment(self, text: str) -> None:
        self.lines.append(f"; {ascii_text(text)}"[:78])

    def raw(self, line: str) -> None:
        self.lines.append(line)

    def _distance(self, x: float | None, y: float | None, z: float | None) -> float:
        if self.x is None or self.y is None:
            return 0.0
        dx = 0.0 if x is None else x - self.x
        dy = 0.0 if y is None else y - self.y
        dz = 0.0 if z is None or self.z is None else z - self.z
        return math.sqrt(dx * dx + dy * dy + dz * dz)

    def _axes(self, x: float | None, y: float | None, z: float | None) -> str:
        words = []
        if x is not None and (self.x is None or fmt(x) != fmt(self.x)):
            words.append(f"X{fmt(x)}")
        if y is not None and (self.y is None or fmt(y) != fmt(self.y)):
            words.append(f"Y{fmt(y)}")
        if z is not None and (self.z is None or fmt(z) != fmt(self.z)):
            words.append(f"Z{fmt(z)}")
        return " ".join(words)

    def _moved(self, x: float | None, y: float | None, z: float | None) -> None:
        self.x = self.x if x is None else x
        self.y = self.y if y is None else y
        self.z = self.z if z is None else z

    def rapid(self, x: float | None = None, y: float | None = None, z: float | None = None) -> None:
        axes = self._axes(x, y, z)
        if not axes:
            return
        self.rapid_mm += self._distance(x, y, z)
        self.lines.append(f"G0 {axes}")
        self._moved(x, y, z)

    def cut(
        self,
        x: float | None = None,
        y: float | None = None,
        z: float | None = None,
        feed: float | None = None,
        power: float | None = None,
    ) -> None:
        axes = self._axes(x, y, z)
        if not axes:
            return
        words = ["G1", axes]
        if feed is not None and (self.feed_rate is None or fmt(feed, 0) != fmt(self.feed_rate, 0)):
            words.append(f"F{fmt(feed, 0)}")
            self.feed_rate = feed
        if power is not None and (self.power is None or fmt(power, 0) != fmt(self.power, 0)):
            words.append(f"S{fmt(power, 0)}")
            self.power = power
        self.cut_mm += self._distance(x, y, z)
        self.lines.append(" ".join(words))
        self._moved(x, y, z)
