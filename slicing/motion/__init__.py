"""The time model: how long a G-code or HPGL program runs on a machine, as its firmware plans it.

`estimate_program(lines, machine)` returns a `ProgramEstimate` with the total, the naive
length/feed sum and, per line, the modelled time at which that line is finished (the job
worker's ETA: `remaining_seconds(last_acknowledged_line)`). The flavour follows the machine's
driver (grbl, marlin, octoprint -> marlin, hpgl) unless given, or from the program itself
when it is plainly in the other language (G-code for a GRBL cutter on an HPGL machine).
Pure computation, no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from slicing.machine_spec import Machine
from slicing.motion import ahead
from slicing.motion.estimate import ProgramEstimate
from slicing.motion.grbl_settings import parse_grbl_settings

if TYPE_CHECKING:
    from gcode_reader.tokens import Words

__all__ = ["ProgramEstimate", "estimate_ahead", "estimate_program", "flavour_for", "parse_grbl_settings"]

FLAVOURS = ("grbl", "marlin", "hpgl")
# Below this many lines the time model is not worth a thread beside the checks: their numpy
# passes are too short to release the interpreter lock for long (same run, paired, load ~1.5:
# threaded 0.35-0.9 ms slower at 12-54k lines, even at 169k, 6.5 ms faster at 309k).
AHEAD_MIN_LINES = 100_000
_DRIVER_FLAVOUR = {"grbl": "grbl", "marlin": "marlin", "octoprint": "marlin", "hpgl": "hpgl"}


_HPGL_LINE = re.compile(r"\s*(IN|SP|PU|PD|PA|PR|VS)[\d;,\s-]", re.I)
_GCODE_LINE = re.compile(r"\s*(N\d+\s*)?[GM]\d", re.I)


def flavour_for(machine: Machine, lines: Sequence[str] = ()) -> str:
    """The machine driver's language, unless the program is plainly in the other one (a vinyl
    cutter driven by HPGL can be given G-code for a GRBL cutter, and the other way round)."""
    flavour = _DRIVER_FLAVOUR.get(machine.driver, "grbl")
    head = [line for line in lines[:200] if line.strip()]
    hpgl = sum(1 for line in head if _HPGL_LINE.match(line))
    gcode = sum(1 for line in head if _GCODE_LINE.match(line))
    if flavour == "hpgl" and gcode > hpgl:
        return "grbl"
    if flavour != "hpgl" and hpgl > gcode:
        return "hpgl"
    return flavour


def estimate_program(
    lines: Sequence[str],
    machine: Machine,
    *,
    flavour: str | None = None,
    grbl_settings: dict[int, float] | None = None,
    words: Words | None = None,
) -> ProgramEstimate:
    """The modelled run time of `lines` on `machine` (see `ProgramEstimate`). `words`: the same
    lines as `gcode_reader.tokenize` read them, when the caller has them (prepare does, and
    starts this estimate beside its checks: `estimate_ahead`)."""
    if flavour is None and grbl_settings is None:
        started = ahead.taken(lines, machine, words)
        if started is not None:
            return started
    return _estimate(lines, machine, flavour, grbl_settings, words)


def estimate_ahead(lines: Sequence[str], machine: Machine, words: Words) -> None:
    """Start `estimate_program(lines, machine, words=words)` in a thread (`slicing.motion.ahead`);
    the program's modal state is read first, here, so the two sides do not both read it."""
    from gcode_reader.program import interpret

    if len(lines) < AHEAD_MIN_LINES:
        return  # asked later, it is computed then, on the words already read
    flavour = flavour_for(machine, lines)
    if flavour == "hpgl" or words.n_lines != len(lines):
        return  # asked later, it is computed then (and fails then, where it is reported)
    try:
        interpret(words, flavour)
    except Exception:  # noqa: BLE001 - the same failure is met, and reported, when the estimate is asked for
        return
    ahead.start(lines, machine, words, lambda: _estimate(lines, machine, flavour, None, words))


def _estimate(lines: Sequence[str], machine: Machine, flavour: str | None, grbl_settings: dict[int, float] | None,
              words: Words | None) -> ProgramEstimate:
    if isinstance(lines, str):
        raise TypeError("lines must be a sequence of lines, not one string (use text.splitlines())")
    flavour = flavour or flavour_for(machine, lines)
    if flavour not in FLAVOURS:
        raise ValueError(f"unknown flavour '{flavour}' (expected one of {', '.join(FLAVOURS)})")
    if flavour == "hpgl":
        from slicing.motion.hpgl import estimate_hpgl

        return estimate_hpgl(lines, machine)
    if words is None:
        from gcode_reader.tokens import tokenize

        words = tokenize(lines)
    elif words.n_lines != len(lines):
        raise ValueError("words were read from other lines")
    if flavour == "grbl":
        from slicing.motion.grbl import estimate_grbl

        return estimate_grbl(words, machine, grbl_settings)
    from slicing.motion.marlin import estimate_marlin

    return estimate_marlin(words, machine)
