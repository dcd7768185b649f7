"""Read program lines back into moves, for the checks and the previews.

Checking and drawing what was written (rather than the toolpaths it came from) means
PrusaSlicer's output goes through exactly the same checks as ours, and a writer bug shows
up as a failed check instead of a machine surprise.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass

_WORD = re.compile(r"([A-Za-z])\s*([-+]?(?:\d+\.?\d*|\.\d+))")
_FREE_TEXT = {"M117", "M118", "M23", "M28", "M32", "M30"}  # commands whose argument is text
HPGL_UNITS_PER_MM = 40.0


class ParseError(ValueError):
    pass


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


def strip_gcode(line: str) -> str:
    """The significant part of a G-code line: comments removed, spaces kept."""
    code = line.split(";", 1)[0]
    if "(" in code:
        code = re.sub(r"\([^)]*\)", "", code)
    return code.strip()


_NUMBER_CHARS = frozenset("0123456789.+-")


@functools.lru_cache(maxsize=1 << 17)
def parse_gcode_words(code: str) -> tuple[tuple[str, float], ...]:
    """Letter/number pairs of one comment-free line; ParseError on anything else.

    Cached (the checks, the preview and the time model read the same lines), and the common
    spaced form (`G1 X10.5 Y3 E0.02`) is split without the regular expression; anything
    else (`G1X10`, `X 10`, odd text) takes the exact, slower path.
    """
    upper = code.upper()
    for cmd in _FREE_TEXT:
        if upper.startswith(cmd) and (len(upper) == len(cmd) or upper[len(cmd)] == " "):
            return ((cmd[0], float(cmd[1:])),)
    words = []
    for token in code.split():
        number = token[1:]
        if not (token[0].isalpha() and token[0].isascii() and number and _NUMBER_CHARS.issuperset(number)):
            return _parse_words_exactly(code)
        try:
            words.append((token[0].upper(), float(number)))
        except ValueError:
            return _parse_words_exactly(code)
    return tuple(words)


def _parse_words_exactly(code: str) -> tuple[tuple[str, float], ...]:
    words = []
    pos = 0
    for m in _WORD.finditer(code):
        if code[pos : m.start()].strip():
            raise ParseError(f"unexpected text '{code[pos:m.start()].strip()}'")
        value = float(m.group(2))
        if not math.isfinite(value):
            raise ParseError("non-finite number")
        words.append((m.group(1).upper(), value))
        pos = m.end()
    if code[pos:].strip():
        raise ParseError(f"unexpected text '{code[pos:].strip()}'")
    return tuple(words)


def gcode_moves(lines: list[str], errors: list[tuple[int, str]] | None = None) -> Iterator[Move]:
    """Every G0/G1/G2/G3 move with absolute start/end; unparsable lines go to `errors`."""
    x = y = z = 0.0
    absolute = True
    e_absolute = True
    e_pos = 0.0
    feed: float | None = None
    power: float | None = None
    layer: int | None = None
    motion = None
    for n, raw in enumerate(lines):
        if raw.startswith(";LAYER:"):
            try:
                layer = int(raw[7:].strip())
            except ValueError:
                pass
            continue
        code = strip_gcode(raw)
        if not code:
            continue
        if code.startswith("$") or code.startswith("%"):
            continue
        try:
            words = parse_gcode_words(code)
        except ParseError as exc:
            if errors is not None:
                errors.append((n, str(exc)))
            continue
        params = {}
        g_codes = []
        for letter, value in words:
            if letter == "G":
                g_codes.append(value)
            elif letter == "M":
                if value == 82:
                    e_absolute = True
                elif value == 83:
                    e_absolute = False
                params["M"] = value
            else:
                params[letter] = value
        if "F" in params:
            feed = params["F"]
        if "S" in params and "M" not in params:
            power = params["S"]
        elif "S" in params and params["M"] in (3, 4):
            power = params["S"]
        for g in g_codes:
            if g == 90:
                absolute = True
            elif g == 91:
                absolute = False
            elif g == 92:
                if "E" in params:
                    e_pos = params["E"]
                x = params.get("X", x)
                y = params.get("Y", y)
                z = params.get("Z", z)
            elif g == 28:
                x, y, z = 0.0, 0.0, 0.0
            elif g in (0, 1, 2, 3):
                motion = g
        moving = any(k in params for k in "XYZE") and motion in (0, 1, 2, 3) and not any(
            g in (92, 28, 4, 10, 53) for g in g_codes
        )
        if not moving:
            continue
        nx = params.get("X", 0.0 if not absolute else x) + (x if not absolute else 0.0)
        ny = params.get("Y", 0.0 if not absolute else y) + (y if not absolute else 0.0)
        nz = params.get("Z", 0.0 if not absolute else z) + (z if not absolute else 0.0)
        extrude = 0.0
        if "E" in params:
            if e_absolute:
                extrude = params["E"] - e_pos
                e_pos = params["E"]
            else:
                extrude = params["E"]
        yield Move(n, "rapid" if motion == 0 else "feed", (x, y, z), (nx, ny, nz), feed, power, extrude, layer)
        x, y, z = nx, ny, nz


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


def program_moves(lines: list[str], fmt: str, errors: list[tuple[int, str]] | None = None) -> Iterator[Move]:
    return hpgl_moves(lines, errors) if fmt == "hpgl" else gcode_moves(lines, errors)
