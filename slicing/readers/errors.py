"""The one exception every reader raises, and the limits every parser works under.

A user's upload may be broken or hostile; whatever goes wrong while reading it becomes an
`UnreadableFile` with a code and parameters (numbers, counts, names), so the analysis can turn
it into an issue instead of a traceback. No sentence here: the web and the CLI say it in the
reader's language (web/issue_messages_files.py). A parser's own words (expat's "not
well-formed (invalid token)", ezdxf's refusal) travel as `detail`, a technical detail the page
keeps behind its toggle.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from slicing.toolpaths.issues import make_issue


class UnreadableFile(Exception):
    """The file cannot be turned into geometry: broken, hostile, or over a limit."""

    def __init__(self, code: str, detail: str = "", /, **params: Any) -> None:
        super().__init__(" ".join([code, *(f"{k}={v}" for k, v in params.items()), detail]).strip())
        self.code = code
        self.params = params
        self.detail = detail
        self.location: dict = {}  # where in the file (a DXF handle, an SVG element id), when known

    def as_issue(self) -> dict:
        """The analysis issue this failure becomes (code + parameters, the raw text as `detail`)."""
        issue = make_issue(self.code, "error", dict(self.location), **self.params)
        if self.detail:
            issue["detail"] = self.detail[:500]
        return issue


@dataclass(frozen=True)
class Limits:
    """What one parse may cost. Each limit is named in the message of the file that exceeds it."""

    max_file_bytes: int = 200 * 1024 * 1024  # a 4 M-triangle binary STL
    max_svg_bytes: int = 25 * 1024 * 1024  # svgelements reads ~0.5 MB/s of dense paths
    max_dxf_bytes: int = 60 * 1024 * 1024  # ezdxf loads ~1 MB/s
    max_triangles: int = 5_000_000
    max_entities: int = 500_000  # DXF entities after expanding blocks; SVG elements
    max_points: int = 5_000_000  # points of all flattened 2D paths together
    max_block_depth: int = 16  # DXF blocks inside blocks
    max_svg_depth: int = 256  # nested SVG elements
    max_size_mm: float = 100_000.0  # 100 m: bigger is a unit mistake or a hostile declaration
    seconds: float = 30.0

    def deadline(self) -> Deadline:
        return Deadline(time.monotonic() + self.seconds, self.seconds)


DEFAULT_LIMITS = Limits()


@dataclass
class Deadline:
    """A cooperative time limit: loops call `check()` now and then."""

    at: float
    seconds: float

    def check(self) -> None:
        if time.monotonic() > self.at:
            raise UnreadableFile("file_too_slow", seconds=round(self.seconds))


def size_params(size: int, limit: int) -> dict[str, Any]:
    """The file's size and the limit in the unit that reads best (MB, or kB under 1 MB)."""
    if limit >= 1024 * 1024:
        return {"variant": "mb", "size": round(size / 1024 / 1024, 1), "limit": round(limit / 1024 / 1024)}
    return {"variant": "kb", "size": round(size / 1024, 1), "limit": round(limit / 1024, 1)}


def check_file_size(size: int, limits: Limits, limit: int | None = None) -> None:
    """Refuse a file over `limit` bytes (the general file limit by default), naming the limit."""
    limit = limits.max_file_bytes if limit is None else limit
    if size > limit:
        raise UnreadableFile("file_too_large", **size_params(size, limit))


def empty_file() -> UnreadableFile:
    return UnreadableFile("file_empty")
