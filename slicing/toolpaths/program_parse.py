"""Read program lines back into moves, for the checks and the previews.

Checking and drawing what was written (rather than the toolpaths it came from) means
PrusaSlicer's output goes through exactly the same checks as ours, and a writer bug shows
up as a failed check instead of a machine surprise.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from gcode_reader import BadLine, ModalState, apply_words, read_line, read_lines, strip

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


def _xyz(position: dict[str, float]) -> tuple[float, float, float]:
    return (position.get("X", 0.0), position.get("Y", 0.0), position.get("Z", 0.0))


def gcode_moves(lines: list[str], errors: list[tuple[int, str]] | None = None,
                parsed: list | None = None) -> Iterator[Move]:
    """Every G0/G1/G2/G3 move with absolute start/end; unparsable lines go to `errors`.

    Words and modal state come from `gcode_reader`, the reader the resume preamble and the
    time model share; `parsed` (from `read_lines`) spares a second reading of the program.
    """
    state = ModalState()
    layer: int | None = None
    for n, words in enumerate(parsed if parsed is not None else read_lines(lines)):
        if isinstance(words, BadLine):
            if errors is not None:
                errors.append((n, str(words)))
            continue
        if not words:
            if lines[n].startswith(";LAYER:"):
                try:
                    layer = int(lines[n][7:].strip())
                except ValueError:
                    pass
            continue
        start, e_before = _xyz(state.position), state.e
        if apply_words(state, words) and state.motion in ("G0", "G1", "G2", "G3"):
            yield Move(n, "rapid" if state.motion == "G0" else "feed", start, _xyz(state.position), state.feed,
                       state.spindle_speed, state.e - e_before, layer)


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
                  parsed: list | None = None) -> Iterator[Move]:
    return hpgl_moves(lines, errors) if fmt == "hpgl" else gcode_moves(lines, errors, parsed)
