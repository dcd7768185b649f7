"""The .gcode file the OctoPrint driver uploads, and the map from file bytes back to lines.

OctoPrint reports progress as a byte position in the file it streams (`progress.filepos`),
not as acknowledged lines. Since the driver writes the file itself, it knows where every
line ends and can turn that position back into "program lines read" with a bisect.
Pure functions only: no HTTP here.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass

from drivers.modal import resume_preamble


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

    preamble = []
    if start_line:
        # OctoPrint gets a file that starts mid-program: restore the modal state first
        # (units, modes, temperatures, fan, extruder position, a safe Z move), Marlin flavour.
        preamble = [f"; fablab: resumed at program line {start_line + 1}", *resume_preamble(lines, start_line, "marlin")]
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
