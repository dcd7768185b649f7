"""Read program lines back into moves, for the checks and the previews.

Checking and drawing what was written (rather than the toolpaths it came from) means
PrusaSlicer's output goes through exactly the same checks as ours, and a writer bug shows
up as a failed check instead of a machine surprise. G-code is read by the one reader's
whole-program form (`gcode_reader.tokenize` + `interpret`, vectorised, as the time model
reads it): moves come out as columns (`MoveArrays`) for checks over a million lines, or as
`Move` objects for a preview.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from gcode_reader import BadLine, Words, interpret, read_line, strip, tokenize
from gcode_reader.tokens import program_text

HPGL_UNITS_PER_MM = 40.0
strip_gcode = strip  # the significant part of a line, by the one reader's grammar


@dataclass
class Move:
    line: int  # 0-based index in the program
    kind: str  # "rapid" | "feed" (G0/G1, PU/PD)
    start: tuple[float, float, float]
    end: tuple[float, float, float]
    feed: float | None  # mm/min
    power: float | None  # laser/spindle S at that time
    extrude: float = 0.0  # filament pushed during this move, mm
    layer: int | None = None  # FDM ;LAYER:n


def flavour_of(driver: str | None, words: Words | None = None) -> str:
    """How a machine's firmware reads modal G-code: GRBL, or Marlin (also behind OctoPrint).
    Without a driver: Marlin when the program drives an extruder, else GRBL."""
    if driver in ("marlin", "octoprint"):
        return "marlin"
    if driver is None and words is not None and bool(np.any(words.letter == ord("E"))):
        return "marlin"
    return "grbl"


def bad_line_reasons(lines: Sequence[str], bad: Sequence[int]) -> list[tuple[int, str]]:
    """(line, why) for the lines the fast reader refused, why from the line reader's grammar."""
    out = []
    for n in bad:
        try:
            read_line(lines[int(n)])
            why = "unexpected text"  # pragma: no cover - the two readers refuse the same lines
        except BadLine as exc:
            why = str(exc)
        out.append((int(n), why))
    return out


_LAYER_MARK = re.compile(r";LAYER:[ \t]*([-+]?\d+)[ \t]*")  # the whole line


def layer_marks(lines: Sequence[str], words: Words | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(lines holding a `;LAYER:n` mark, their n), in program order. The joined text is
    searched from mark to mark (a Python loop over a million lines costs ten times more); kept
    with `words` when given, as the checks and the preview both ask."""
    if words is not None and "layer_marks" in words.memo:
        return words.memo["layer_marks"]  # type: ignore[return-value]
    text, whole = program_text(lines, words)
    if not whole:  # a line holding its own line break: line by line
        found = []
        for n, line in enumerate(lines):
            if line.startswith(";LAYER:"):
                try:
                    found.append((n, int(line[7:].strip())))
                except ValueError:
                    pass
    else:  # str.find jumps from mark to mark (a regex scan tries every character: 10x slower)
        found, pos, line_no = [], 0, 0
        hit = 0 if text.startswith(";LAYER:") else _after(text.find("\n;LAYER:"))
        while hit >= 0:
            end = text.find("\n", hit)
            end = len(text) if end < 0 else end
            m = _LAYER_MARK.fullmatch(text, hit, end)
            if m:
                line_no += text.count("\n", pos, hit)
                pos = hit
                found.append((line_no, int(m.group(1))))
            hit = _after(text.find("\n;LAYER:", end))
    marks = (np.array([n for n, _ in found], dtype=np.int64), np.array([k for _, k in found], dtype=np.int64))
    if words is not None:
        words.memo["layer_marks"] = marks
    return marks


def _after(newline: int) -> int:
    """The start of the line after the line break found at `newline` (-1: none found)."""
    return newline + 1 if newline >= 0 else -1


def layers_at(lines: Sequence[str], at: np.ndarray, words: Words | None = None) -> np.ndarray:
    """The FDM layer number (`;LAYER:n` marks) in force at each of the lines `at`, -1 before the first."""
    mark_lines, numbers = layer_marks(lines, words)
    if not len(mark_lines):
        return np.full(len(at), -1, dtype=np.int64)
    last = np.searchsorted(mark_lines, at, side="right") - 1
    return np.where(last >= 0, numbers[np.maximum(last, 0)], -1)


@dataclass
class MoveArrays:
    """The moves of a program as columns (one row per move), for checks over a whole program."""

    line: np.ndarray  # int64, 0-based program line
    rapid: np.ndarray  # bool: G0 / pen up
    start: np.ndarray  # float64 [k, 3] mm
    end: np.ndarray  # float64 [k, 3] mm
    feed: np.ndarray  # float64 mm/min, NaN when none was set
    power: np.ndarray  # float64, NaN when none was set
    extrude: np.ndarray  # float64 mm of filament
    layer: np.ndarray | None  # int64, -1 outside any ;LAYER: (None: not asked for, as by the checks)

    def __len__(self) -> int:
        return len(self.line)

    def to_moves(self) -> list[Move]:
        return [
            Move(n, "rapid" if r else "feed", (s[0], s[1], s[2]), (e[0], e[1], e[2]), None if f != f else f,
                 None if p != p else p, x, None if k < 0 else k)
            for n, r, s, e, f, p, x, k in zip(self.line.tolist(), self.rapid.tolist(), self.start.tolist(),
                                              self.end.tolist(), self.feed.tolist(), self.power.tolist(),
                                              self.extrude.tolist(), self._layers().tolist(), strict=True)
        ]

    def _layers(self) -> np.ndarray:
        return self.layer if self.layer is not None else np.full(len(self.line), -1, dtype=np.int64)

    @classmethod
    def from_moves(cls, moves: list[Move]) -> MoveArrays:
        def column(values: list, dtype: type = float) -> np.ndarray:
            return np.array([np.nan if v is None else v for v in values], dtype=dtype)

        return cls(
            line=np.array([m.line for m in moves], dtype=np.int64),
            rapid=np.array([m.kind == "rapid" for m in moves], dtype=bool),
            start=np.array([m.start for m in moves], dtype=float).reshape(-1, 3),
            end=np.array([m.end for m in moves], dtype=float).reshape(-1, 3),
            feed=column([m.feed for m in moves]), power=column([m.power for m in moves]),
            extrude=column([m.extrude for m in moves]),
            layer=np.array([-1 if m.layer is None else m.layer for m in moves], dtype=np.int64),
        )


def gcode_move_arrays(lines: Sequence[str], errors: list[tuple[int, str]] | None = None, words: Words | None = None,
                      flavour: str | None = None, first: int = 0, upto: int | None = None,
                      layers: bool = True) -> MoveArrays:
    """Every G0/G1/G2/G3 move with absolute start/end (mm) on lines first..upto-1 (all by
    default); unreadable lines go to `errors`.

    Words and modal state come from the one reader's whole-program form (`gcode_reader`,
    vectorised), as the time model reads them; `words` (from `gcode_reader.tokenize`) spares
    a second reading of the program; `flavour` (see `flavour_of`): how the firmware reads it.
    An arc is one move from its start to its end point. `layers=False`: no layer numbers
    (the checks do without them).
    """
    words = words if words is not None else tokenize(lines)
    if errors is not None:
        errors.extend(bad_line_reasons(lines, words.bad_lines))
    state = interpret(words, flavour or flavour_of(None, words))
    at = np.flatnonzero(state.moving[first:upto]) + first
    end = state.position[at]
    start = state.position[at - 1]  # the position before each move (the origin before line 0)
    if len(at) and at[0] == 0:
        start[0] = 0.0
    return MoveArrays(line=at, rapid=state.mode[at] == 0, start=start[:, :3], end=end[:, :3],
                      feed=state.feed_words()[at], power=state.power()[at], extrude=end[:, 3] - start[:, 3],
                      layer=layers_at(lines, at, words) if layers else None)


def gcode_moves(lines: Sequence[str], errors: list[tuple[int, str]] | None = None, words: Words | None = None,
                flavour: str | None = None, first: int = 0, upto: int | None = None) -> list[Move]:
    """`gcode_move_arrays` as `Move` objects (previews, a few moves at a time)."""
    return gcode_move_arrays(lines, errors, words, flavour, first, upto).to_moves()


def hpgl_commands(lines: list[str], errors: list[tuple[int, str]] | None = None) -> Iterator[tuple[int, str, list[float]]]:
    """(line, mnemonic, numbers) for every `XX...;` command."""
    for n, raw in enumerate(lines):
        for chunk in raw.split(";"):
            chunk = chunk.strip()
            if not chunk:
                continue
            m = re.fullmatch(r"([A-Za-z]{2})\s*([-+0-9.,\s]*)", chunk)
            if not m:
                if errors is not None:
                    errors.append((n, f"not an HPGL command: '{chunk[:20]}'"))
                continue
            args = [a for a in re.split(r"[,\s]+", m.group(2).strip()) if a]
            try:
                numbers = [float(a) for a in args]
            except ValueError:
                if errors is not None:
                    errors.append((n, f"bad number in '{chunk[:20]}'"))
                continue
            yield n, m.group(1).upper(), numbers


def hpgl_moves(lines: list[str], errors: list[tuple[int, str]] | None = None) -> Iterator[Move]:
    """PU/PD/PA moves in mm (absolute plotting, 40 units per mm)."""
    x = y = 0.0
    pen_down = False
    speed: float | None = None
    for n, cmd, nums in hpgl_commands(lines, errors):
        if cmd == "VS" and nums:
            speed = nums[0] * 600.0  # cm/s -> mm/min
        if cmd not in ("PU", "PD", "PA"):
            if cmd == "IN":
                pen_down = False
            continue
        if cmd in ("PU", "PD"):
            pen_down = cmd == "PD"
        if len(nums) % 2:
            if errors is not None:
                errors.append((n, f"{cmd} needs x,y pairs"))
            continue
        for k in range(0, len(nums), 2):
            nx, ny = nums[k] / HPGL_UNITS_PER_MM, nums[k + 1] / HPGL_UNITS_PER_MM
            yield Move(n, "feed" if pen_down else "rapid", (x, y, 0.0), (nx, ny, 0.0), speed, None)
            x, y = nx, ny
