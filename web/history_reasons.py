"""The reasons jobqueue writes in a job's history (short codes such as `upload`, `approved for
laser-1`, `1200 lines`) said in the page's language.

jobqueue's vocabulary here is closed and written by code (services, tasks, runner), so each
form is matched whole; a fabmanager's own words (a rejection reason) are shown as written.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from web.i18n import _, ngettext
from web.issue_messages import ISSUES

_FORMS: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]] = [
    (re.compile(r"upload"), lambda m: _("file uploaded")),
    (re.compile(r"analysed"), lambda m: _("analysis done")),
    (re.compile(r"start"), lambda m: _("started")),
    (re.compile(r"approved for (?P<machine>\S+?)(?:; (?P<note>.*))?", re.S),
     lambda m: _("approved for %(machine)s", machine=m["machine"]) + (f"; {m['note']}" if m["note"] else "")),
    (re.compile(r"resume from line (?P<line>\d+)"), lambda m: _("resumed from line %(line)s", line=m["line"])),
    (re.compile(r"from line (?P<line>\d+)"), lambda m: _("from line %(line)s", line=m["line"])),
    (re.compile(r"(?P<n>\d+) lines"), lambda m: ngettext("program of %(num)d line", "program of %(num)d lines",
                                                          int(m["n"]))),
    (re.compile(r"revision (?P<n>\d+)"), lambda m: _("revision %(n)s", n=m["n"])),
    (re.compile(r"unit (?P<unit>\S+)"), lambda m: _("unit chosen: %(unit)s", unit=_unit_name(m["unit"]))),
    (re.compile(r"cancelled before running"), lambda m: _("cancelled before running")),
    (re.compile(r"program finished while pausing"), lambda m: _("program finished while pausing")),
    (re.compile(r"file not usable"), lambda m: _("file not usable")),
    (re.compile(r"copy (?P<n>\d+) of job (?P<job>\d+)"), lambda m: _("copy %(n)s of job #%(job)s", n=m["n"], job=m["job"])),
    (re.compile(r"program checks failed"), lambda m: _("program checks failed")),
]


def _unit_name(unit: str) -> str:
    from web.units import UNIT_NAMES  # jobqueue.units writes `unit in`, `unit px90`, `unit x25.4`

    return _(UNIT_NAMES[unit]) if unit in UNIT_NAMES else unit


_CODES = re.compile(r"(?P<codes>[a-z0-9_]+(?:; [a-z0-9_]+)*)(?: \(\+(?P<more>\d+)\))?")


def history_reason(text: str | None) -> str:
    """`text` in the page's language when it is one of jobqueue's forms, else as written."""
    if not text:
        return ""
    for pattern, say in _FORMS:
        match = pattern.fullmatch(text)
        if match:
            return say(match)
    match = _CODES.fullmatch(text)
    if match and all(code in ISSUES for code in match["codes"].split("; ")):
        n = len(match["codes"].split("; ")) + int(match["more"] or 0)
        return ngettext("%(num)d problem found (listed on this page)", "%(num)d problems found (listed on this page)", n)
    return text
