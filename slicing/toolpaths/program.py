"""The result of preparing a job: program lines plus what was found and measured on the way."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from slicing.toolpaths.issues import has_errors


@dataclass
class PreparedProgram:
    """A machine program ready to be checked and queued.

    `lines` carry no trailing newline; `format` is "gcode" or "hpgl"; `issues` use the
    analysis shape; `metrics` holds the figures (lengths in mm, passes, filament...).
    """

    lines: list[str]
    format: str
    issues: list[dict[str, Any]] = field(default_factory=list)
    metrics: dict[str, Any] = field(default_factory=dict)
    preview_svg: str | None = None
    # The lines as `gcode_reader.tokenize` read them (G-code only), kept so the time model
    # after prepare does not read a long program a second time; not part of the result.
    words: Any = field(default=None, repr=False, compare=False)

    @property
    def ok(self) -> bool:
        """True when no issue is an error: the program may be queued."""
        return not has_errors(self.issues)

    def text(self) -> str:
        """The program as a file's content (one line each, newline-terminated)."""
        return "".join(line + "\n" for line in self.lines)

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "ok": self.ok,
            "issues": self.issues,
            "metrics": self.metrics,
            "line_count": len(self.lines),
        }
