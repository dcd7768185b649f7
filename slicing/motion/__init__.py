"""The time model: how long a G-code or HPGL program runs on a machine, as its firmware plans it.

`estimate_program(lines, machine)` returns a `ProgramEstimate` with the total, the naive
length/feed sum and, per line, the modelled time at which that line is finished (the job
worker's ETA: `remaining_seconds(last_acknowledged_line)`). The flavour follows the machine's
driver (grbl, marlin, octoprint -> marlin, hpgl) unless given. Pure computation, no I/O.
"""

from __future__ import annotations

from collections.abc import Sequence

from slicing.machine_spec import Machine
from slicing.motion.estimate import ProgramEstimate
from slicing.motion.grbl_settings import parse_grbl_settings

__all__ = ["ProgramEstimate", "estimate_program", "flavour_for", "parse_grbl_settings"]

FLAVOURS = ("grbl", "marlin", "hpgl")
_DRIVER_FLAVOUR = {"grbl": "grbl", "marlin": "marlin", "octoprint": "marlin", "hpgl": "hpgl"}


def flavour_for(machine: Machine) -> str:
    return _DRIVER_FLAVOUR.get(machine.driver, "grbl")


def estimate_program(
    lines: Sequence[str],
    machine: Machine,
    *,
    flavour: str | None = None,
    grbl_settings: dict[int, float] | None = None,
) -> ProgramEstimate:
    """The modelled run time of `lines` on `machine` (see `ProgramEstimate`)."""
    flavour = flavour or flavour_for(machine)
    if flavour not in FLAVOURS:
        raise ValueError(f"unknown flavour '{flavour}' (expected one of {', '.join(FLAVOURS)})")
    if isinstance(lines, str):
        raise TypeError("lines must be a sequence of lines, not one string (use text.splitlines())")
    if flavour == "hpgl":
        from slicing.motion.hpgl import estimate_hpgl

        return estimate_hpgl(lines, machine)
    from slicing.motion.gcode_words import tokenize

    words = tokenize(lines)
    if flavour == "grbl":
        from slicing.motion.grbl import estimate_grbl

        return estimate_grbl(words, machine, grbl_settings)
    from slicing.motion.marlin import estimate_marlin

    return estimate_marlin(words, machine)
