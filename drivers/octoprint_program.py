"""The .gcode file the OctoPrint driver uploads, and the map from file bytes back to lines.

OctoPrint reports progress as a byte position in the file it streams (`progress.filepos`),
not as acknowledged lines. Since the driver writes the file itself, it knows where every
line ends and can turn that position back into "program lines read" with a bisect.
Pure functions only: no HTTP here.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass

_COMMENT = re.compile(r"\([^)]*\)|;.*$")
_WORD = re.compile(r"([A-Z])\s*([-+]?\d*\.?\d+)")


@dataclass(frozen=True)
class UploadProgram:
    """The bytes to upload and where each program line ends in them."""

    content: bytes
    start_line: int
    lines_total: int
    preamble_lines: int
    line_ends: tuple[int, ...]  # byte offset just past each uploaded program line

    def lines_done(self, filepos: int | None) -> int:
        """Program lines (counted from the start of the whole program) read up to `filepos`."""
        if not filepos or filepos <= 0:
            return self.start_line
        return self.start_line + bisect.bisect_right(self.line_ends, filepos)


def _words(line: str) -> list[tuple[str, float]]:
    code = _COMMENT.sub("", line).upper()
    return [(letter, float(value)) for letter, value in _WORD.findall(code)]


def _fmt(value: float) -> str:
    return f"{value:g}"


def resume_preamble(lines: Sequence[str], start_line: int) -> list[str]:
    """Modal state in force before `lines[start_line]`: units, positioning, temperatures.

    Kept deliberately small (what OctoPrint itself cannot know when it is handed a file that
    starts mid-program): G20/G21, G90/G91, M82/M83, the last hotend and bed targets (set,
    then waited for), the extruder position (G92 E) and the last feed rate.
    """
    units = positioning = extrusion = None
    tool_temps: dict[int, float] = {}
    bed: float | None = None
    extruder_e: float | None = None
    feed: float | None = None
    for line in lines[:start_line]:
        words = _words(line)
        if not words:
            continue
        letter, number = words[0]
        params = dict(words[1:])
        code = f"{letter}{int(number)}" if number == int(number) else f"{letter}{number}"
        if code in ("G20", "G21"):
            units = code
        elif code in ("G90", "G91"):
            positioning = code
            extrusion = None  # G90/G91 set E too; a later M82/M83 overrides it
        elif code in ("M82", "M83"):
            extrusion = code
        elif code in ("M104", "M109") and "S" in params:
            tool_temps[int(params.get("T", 0))] = params["S"]
        elif code in ("M140", "M190") and "S" in params:
            bed = params["S"]
        elif code in ("G0", "G1", "G2", "G3"):
            e_absolute = extrusion == "M82" or (extrusion is None and positioning != "G91")
            if "E" in params and e_absolute:
                extruder_e = params["E"]
            if "F" in params:
                feed = params["F"]
        elif code == "G92" and "E" in params:
            extruder_e = params["E"]

    preamble = [f"; fablab: resumed at program line {start_line + 1}, modal state restored"]
    preamble += [code for code in (units, positioning, extrusion) if code]
    if bed is not None:
        preamble.append(f"M140 S{_fmt(bed)}")
    preamble += [f"M104 T{tool} S{_fmt(temp)}" for tool, temp in sorted(tool_temps.items())]
    if bed is not None:
        preamble.append(f"M190 S{_fmt(bed)}")
    preamble += [f"M109 T{tool} S{_fmt(temp)}" for tool, temp in sorted(tool_temps.items())]
    if extruder_e is not None:
        preamble.append(f"G92 E{_fmt(extruder_e)}")
    if feed is not None:
        preamble.append(f"G1 F{_fmt(feed)}")
    return preamble


def build_upload(lines: Sequence[str], start_line: int = 0) -> UploadProgram:
    """Encode `lines[start_line:]` (after a resume preamble when `start_line` > 0) as a file.

    Raises ValueError/TypeError on input that would make the line count lie: a line that is
    not a string, that holds a newline or a NUL byte or cannot be UTF-8 encoded, or a start
    line out of range.
    """
    if isinstance(lines, str | bytes):
        raise TypeError("lines must be a sequence of G-code lines, not one string")
    total = len(lines)
    if total == 0:
        raise ValueError("empty program: nothing to print")
    if not 0 <= start_line < total:
        raise ValueError(f"start_line {start_line} is outside the program (0..{total - 1})")
    for index in range(start_line, total):
        line = lines[index]
        if not isinstance(line, str):
            raise TypeError(f"line {index + 1} is {type(line).__name__}, not text")
        stripped = line.rstrip("\r\n")
        if "\n" in stripped or "\r" in stripped or "\x00" in stripped:
            raise ValueError(f"line {index + 1} holds a line break or a NUL byte")
        try:
            stripped.encode()
        except UnicodeEncodeError:
            raise ValueError(f"line {index + 1} is not valid text (lone surrogate)") from None

    preamble = resume_preamble(lines, start_line) if start_line else []
    chunks = [(text + "\n").encode() for text in preamble]
    offset = sum(len(chunk) for chunk in chunks)
    ends: list[int] = []
    for line in lines[start_line:]:
        chunk = (line.rstrip("\r\n") + "\n").encode()
        chunks.append(chunk)
        offset += len(chunk)
        ends.append(offset)
    return UploadProgram(
        content=b"".join(chunks),
        start_line=start_line,
        lines_total=total,
        preamble_lines=len(preamble),
        line_ends=tuple(ends),
    )
