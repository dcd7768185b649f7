"""Checks a program must pass before it is queued: a failure is an issue, never a crash.

Every line parses; nothing is NaN; every move stays inside the work area; feeds, laser
power, spindle speed and temperatures stay within the machine's limits; lines fit the
firmware's line buffer; only ASCII reaches GRBL (bytes >= 0x80 are real-time commands).
The program is read back from its lines, so a slicer's output is checked like ours.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from gcode_reader import Words, tokenize
from gcode_reader.tokens import program_text
from slicing.machine_spec import Machine
from slicing.toolpaths.issues import make_issue
from slicing.toolpaths.program_parse import MoveArrays, flavour_of, gcode_move_arrays, hpgl_moves, strip_gcode

TOLERANCE_MM = 1e-3
MAX_REPORTED_LINES = 5
GRBL_WORDS = set("GMXYZFSPNTLRIJKABCDHOQ")  # GRBL 1.1 rejects any other letter (error:20)
LINE_LIMITS = {"grbl": 79, "marlin": 95, "octoprint": 95}  # significant characters per line


def _err(code: str, line: int | None = None, severity: str = "error", detail: str = "", **params: Any):
    """An issue of the program, at its 1-based `line` when there is one (also a parameter of
    its sentence); `detail` is technical text kept behind the page's toggle."""
    where = {"line": line + 1} if line is not None else None
    issue = make_issue(code, severity, where, **({"line": line + 1} if line is not None else {}), **params)
    if detail:
        issue["detail"] = detail[:500]
    return issue


def check_program(lines: list[str], machine: Machine, fmt: str, options: dict[str, Any] | None = None,
                  words: Words | None = None) -> list[dict[str, Any]]:
    """Issues found in `lines` (empty list: the program may be queued). `words`: the lines as
    `gcode_reader.tokenize` read them, when the caller has them already."""
    options = {**machine.process, **(options or {})}
    try:
        return _check(lines, machine, fmt, options, words)
    except Exception as exc:  # a checker bug must not take the job down with a traceback
        return [
            _err("check_failed", detail=f"{type(exc).__name__}: {exc}", name=type(exc).__name__)
        ]


def _check(lines: list[str], machine: Machine, fmt: str, options: dict[str, Any], words: Words | None) -> list[dict[str, Any]]:
    issues: list[dict[str, Any]] = []
    if not lines:
        return [_err("empty_program")]
    wants = "hpgl" if machine.driver == "hpgl" else "gcode"
    if fmt != wants:
        return [
            _err("format_mismatch", fmt=fmt.upper(), machine=machine.id, driver=machine.driver,
                 wants=wants.upper())
        ]
    issues += _check_text(lines, machine, fmt, words if fmt == "gcode" else None)
    errors: list[tuple[int, str]] = []
    if fmt == "gcode" and words is None:
        words = tokenize(lines)  # the program read once, for every check
    elif fmt != "gcode":
        words = None
    if words is not None and machine.driver == "grbl":
        errors += _foreign_words(words)
    moves = (MoveArrays.from_moves(list(hpgl_moves(lines, errors))) if words is None else
             gcode_move_arrays(lines, errors, words, flavour_of(machine.driver), layers=False))
    errors.sort()
    for n, why in errors[:MAX_REPORTED_LINES]:
        issues.append(
            _err("unparsable_line", n, detail=f"{lines[n][:40]!r}: {why}", **_why(why))
        )
    if not len(moves):
        issues.append(_err("no_motion"))
        return issues
    going = _goes_somewhere(moves)
    issues += _check_area(moves, machine, going)
    issues += _check_feeds(moves, machine, fmt, going)
    if fmt == "gcode":
        issues += _check_power_and_heat(words, machine, options)
    return issues


def _why(why: str) -> dict[str, str]:
    """A reader's reason as the issue's parameters: letters GRBL lacks are a variant of the
    sentence; any other reason (a parser's own words) stays in the technical detail only."""
    if why.startswith("grbl_word:"):
        return {"variant": "grbl_word", "letters": why.removeprefix("grbl_word:")}
    return {}


def _foreign_words(words: Words) -> list[tuple[int, str]]:
    """The first lines with a letter GRBL does not know (unreadable lines are the move reader's)."""
    foreign = ~np.isin(words.letter, np.frombuffer("".join(sorted(GRBL_WORDS)).encode(), dtype=np.uint8))
    found = []
    for n in np.unique(words.line[foreign])[:MAX_REPORTED_LINES].tolist():
        letters = {chr(c) for c in words.letter[(words.line == n) & foreign].tolist()}
        found.append((n, f"grbl_word:{''.join(sorted(letters))}"))
    return found


def _check_text(lines: list[str], machine: Machine, fmt: str, words: Words | None) -> list[dict[str, Any]]:
    issues = []
    limit = LINE_LIMITS.get(machine.driver, 95) if fmt == "gcode" else 1000
    text, whole = program_text(lines, words)
    for n, line in enumerate(lines if not text.isascii() else ()):
        if not line.isascii():
            issues.append(
                _err("non_ascii", n)
            )
            break
    for n in _suspect_lines(lines, text, whole, limit, words):
        line = lines[n]
        significant = strip_gcode(line).replace(" ", "") if fmt == "gcode" else line
        if len(significant) > limit:
            issues.append(
                _err("line_too_long", n, length=len(significant), limit=limit)
            )
            break
        if "nan" in line.lower().split(";")[0] or "inf" in line.lower().split(";")[0]:
            issues.append(
                _err("not_a_number", n)
            )
            break
    return issues


def _suspect_lines(lines: list[str], text: str, whole: bool, limit: int, words: Words | None = None) -> list[int]:
    """The lines the text checks must look at, in order: longer than `limit`, or holding "nan"
    or "inf" before any ';' (a million short clean lines cost a few passes of C string search).
    `text`: the lines joined; `whole`: no line holds its own line break. `words`: the lines'
    words; when reading them blanked nothing but comments, a line with "nan" or "inf" before
    its ';' is among their unreadable lines (three letters in a row), and no line's part
    before its ';' is longer than the bytes a sender transmits of it, so those stand for the
    search (a slicer's ";TYPE:...infill" comments made it stop ~3000 times in 300k lines) and
    for the lengths of all lines."""
    if not whole:  # a line holding its own line break: look at all
        return list(range(len(lines)))
    sent = words.line_bytes if words is not None and words.n_lines == len(lines) else None
    if sent is not None and not words.trimmed:
        return sorted(set(np.flatnonzero(sent > limit + 1).tolist()).union(words.bad_lines.tolist()))
    lengths = np.fromiter(map(len, lines), dtype=np.int64, count=len(lines))  # C speed, not a Python loop
    suspects = set(np.flatnonzero(lengths > limit).tolist())
    lowered = text.lower()
    for word in ("nan", "inf"):  # comments too ("; infill"): the check itself looks before the ';'
        at, pos, line_no = lowered.find(word), 0, 0
        while at >= 0:
            line_no += lowered.count("\n", pos, at)
            if lowered.find(";", lowered.rfind("\n", 0, at) + 1, at) < 0:  # a ";" before: all in a comment
                suspects.add(line_no)  # (";TYPE:Solid infill" fills a slicer's program)
            pos = lowered.find("\n", at)
            if pos < 0:
                break
            at = lowered.find(word, pos)
    return sorted(suspects)


def _goes_somewhere(moves: MoveArrays) -> np.ndarray:
    """Per move: its end differs from its start (column by column: a reduction over a short
    last axis is slow in numpy)."""
    start, end = moves.start, moves.end
    return (start[:, 0] != end[:, 0]) | (start[:, 1] != end[:, 1]) | (start[:, 2] != end[:, 2])


def _check_area(moves: MoveArrays, machine: Machine, going: np.ndarray) -> list[dict[str, Any]]:
    area = machine.work_area
    z_low = -area.z if machine.kind == "cnc" else 0.0
    check_z = machine.kind in ("fdm", "cnc") and area.z > 0
    x, y, z = moves.end[:, 0], moves.end[:, 1], moves.end[:, 2]
    bad = (x < -TOLERANCE_MM) | (y < -TOLERANCE_MM) | (x > area.x + TOLERANCE_MM) | (y > area.y + TOLERANCE_MM)
    if check_z:
        bad |= (z < z_low - TOLERANCE_MM) | (z > area.z + TOLERANCE_MM)
    bad &= going  # a move that goes somewhere
    if not bad.any():
        return []
    first = int(np.argmax(bad))
    ends = moves.end[going]
    lo, hi = ends.min(axis=0), ends.max(axis=0)
    x, y, z = moves.end[first].tolist()
    return [
        _err("outside_work_area", int(moves.line[first]), area_x=area.x, area_y=area.y, x=round(x, 1), y=round(y, 1),
             z=round(z, 1), x_min=round(float(lo[0]), 1), x_max=round(float(hi[0]), 1), y_min=round(float(lo[1]), 1),
             y_max=round(float(hi[1]), 1))
    ]


def _check_feeds(moves: MoveArrays, machine: Machine, fmt: str, going: np.ndarray) -> list[dict[str, Any]]:
    """The first cutting move without a feed (GRBL refuses it), with a feed of zero or less, or
    above the machine's limit (XY moves against the faster of X and Y, Z-only moves against Z)."""
    rates = machine.motion.max_rate_mm_min
    xy_max = max(rates.x, rates.y)
    cutting = ~moves.rapid & going
    feed = moves.feed
    xy_moving = (moves.start[:, 0] != moves.end[:, 0]) | (moves.start[:, 1] != moves.end[:, 1])
    limit = np.where(xy_moving, xy_max, rates.z)
    undefined = np.isnan(feed) & (fmt == "gcode" and machine.driver == "grbl")
    with np.errstate(invalid="ignore"):
        wrong = undefined | (feed <= 0) | (feed > limit * 1.0001)
    found = np.flatnonzero(cutting & wrong)
    if not len(found):
        return []
    k = int(found[0])
    line, value = int(moves.line[k]), float(feed[k])
    if undefined[k]:
        return [_err("feed_undefined", line)]
    if value <= 0:
        return [_err("feed_not_positive", line, feed=value)]
    return [_err("feed_above_limit", line, severity="warning", feed=value, limit=float(limit[k]))]


def _check_power_and_heat(words: Words, machine: Machine, options: dict[str, Any]) -> list[dict[str, Any]]:
    s_max = float(options.get("s_max", 1000)) if machine.kind == "laser" else float(options.get("spindle_max_rpm", 30000))
    nozzle_max = float(options.get("max_nozzle_temp_c", 300))
    bed_max = float(options.get("max_bed_temp_c", 120))
    s_col = words.column("S")
    if machine.kind == "fdm":  # heater lines only: a few, read from the M words rather than full columns
        lines, last_m = _last_m(words)
        limit = np.full(len(lines), np.nan)
        limit[np.isin(last_m, (104, 109))] = nozzle_max
        limit[np.isin(last_m, (140, 190))] = bed_max
        s = s_col[lines]
        with np.errstate(invalid="ignore"):
            out = lines[~np.isnan(s) & ~np.isnan(limit) & ((s < 0) | (s > limit))]
        return [_err("power_out_of_range", int(out[0]), value=float(s_col[out[0]]),
                     limit=float(limit[lines == out[0]][0]), variant="temperature")] if len(out) else []
    m_col, g_col = words.column("M"), words.column("G")
    limits = np.full(words.n_lines, np.nan)  # per line: the limit its S is held to (NaN: none)
    what = ""
    if machine.kind in ("laser", "cnc"):
        limits[np.isin(m_col, (3, 4)) | ~np.isnan(g_col) | np.isnan(m_col)] = s_max
        what = "power" if machine.kind == "laser" else "spindle"
    with np.errstate(invalid="ignore"):
        out = np.flatnonzero(~np.isnan(s_col) & ~np.isnan(limits) & ((s_col < 0) | (s_col > limits)))
    if len(out):
        n = int(out[0])
        s, limit = float(s_col[n]), float(limits[n])
        return [
            _err("power_out_of_range", n, value=s, limit=limit, variant=what)
        ]
    return []


def _last_m(words: Words) -> tuple[np.ndarray, np.ndarray]:
    """(lines holding an M word, the last M number on each), in program order: what the M
    column holds on those lines."""
    at = words.at("M")
    lines, values = words.line[at], words.value[at]
    last = np.concatenate((lines[1:] != lines[:-1], [True])) if len(lines) else np.zeros(0, dtype=bool)
    return lines[last], values[last]
