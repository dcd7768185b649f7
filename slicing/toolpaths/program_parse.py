"""Read program lines back into moves, for the checks and the previews.

Checking and drawing what was written (rather than the toolpaths it came from) means
PrusaSlicer's output goes through exactly the same checks as ours, and a writer bug shows
up as a failed check instead of a machine surprise.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from gcode_reader import BadLine, Words, interpret, read_line, strip, tokenize
from gcode_reader.program import ffill

HPGL_UNITS_PER_MM = 40.0
ParseError = BadLine  # the name callers knew
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


def parse_gcode_words(code: str) -> list[tuple[str, float]]:
    """Letter/number pairs of one line; `BadLine` (ParseError) on anything else."""
    return read_line(code)


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


def layer_of_lines(lines: Sequence[str]) -> np.ndarray:
    """Per line, the FDM layer number (`;LAYER:n` marks) in force, -1 before the first."""
    marks = np.full(len(lines), np.nan)
    for n, line in enumerate(lines):
        if line.startswith(";LAYER:"):
            try:
                marks[n] = int(line[7:].strip())
            except ValueError:
                pass
    return ffill(marks, -1.0).astype(np.int64)


def gcode_moves(lines: Sequence[str], errors: list[tuple[int, str]] | None = None, words: Words | None = None,
                flavour: str | None = None) -> list[Move]:
    """Every G0/G1/G2/G3 move with absolute start/end (mm); unreadable lines go to `errors`.

    Words and modal state come from the one reader's whole-program form (`gcode_reader`,
    vectorised), as the time model reads them; `words` (from `gcode_reader.tokenize`) spares
    a second reading of the program; `flavour` (see `flavour_of`): how the firmware reads it.
    An arc is one move from its start to its end point.
    """
    words = words if words is not None else tokenize(lines)
    if errors is not None:
        errors.extend(bad_line_reasons(lines, words.bad_lines))
    state = interpret(words, flavour or flavour_of(None, words))
    at = np.flatnonzero(state.moving)
    start, end = state.start()[at], state.position[at]
    rapid = state.mode[at] == 0
    feed, power = state.feed_words()[at], state.power()[at]
    extrude = end[:, 3] - start[:, 3]
    layer = layer_of_lines(lines)[at] if any(line.startswith(";LAYER:") for line in lines) else np.full(len(at), -1)
    return [
        Move(n, "rapid" if r else "feed", (s[0], s[1], s[2]), (e[0], e[1], e[2]), None if f != f else f,
             None if p != p else p, x, None if k < 0 else k)
        for n, r, s, e, f, p, x, k in zip(at.tolist(), rapid.tolist(), start.tolist(), end.tolist(), feed.tolist(),
                                          power.tolist(), extrude.tolist(), layer.tolist(), strict=True)
    ]


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


def program_moves(lines: list[str], fmt: str, errors: list[tuple[int, str]] | None = None,
                  words: Words | None = None, flavour: str | None = None) -> Iterator[Move] | list[Move]:
    return hpgl_moves(lines, errors) if fmt == "hpgl" else gcode_moves(lines, errors, words, flavour)
