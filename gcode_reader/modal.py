"""The modal state a firmware holds while it runs a program, line after line.

`apply_words(state, words)` updates a `ModalState` with one line as GRBL or Marlin would
(units, absolute/relative, work offset, feed, spindle or laser power, coolant, extruder
mode and position, temperatures, fan, position) and says whether the line moved the
machine; `modal_state_at(lines, n, flavour)` replays a program's first n lines (the resume
preamble). Same rules as the whole-program form (`gcode_reader.program`), checked line by
line by tests/motion/test_motion_reader.py: positions, feed and E in mm (G20 words are
inches), GRBL keeps the motion mode (a bare `X10` after G1 moves, G80 cancels it) and has no
extruder, Marlin moves only on an explicit G0-G3; G28 (GRBL: also G30) with axis words homes
only those axes, alone all of X/Y/Z; G4, G10, G28, G30, G92 and G53.1 lines do not move.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from gcode_reader.words import BadLine, read_line

MM_PER_INCH = 25.4
_LOCKED = (4.0, 10.0, 28.0, 30.0, 92.0, 53.1)  # axis words on these lines are not a motion target


@dataclass
class ModalState:
    units: str = "G21"
    distance: str = "G90"
    wcs: str = "G54"
    plane: str = "G17"
    feed_mode: str = "G94"
    motion: str = "G0"
    feed: float | None = None  # mm/min (an F word under G20 is converted)
    spindle: str = "M5"
    spindle_speed: float | None = None
    coolant: str = "M9"
    extrude: str = "M82"
    e: float = 0.0  # logical extruder position (what G92 E sets), mm
    hotend: float | None = None
    bed: float | None = None
    fan: float | None = None
    position: dict[str, float] = field(default_factory=dict)  # work coordinates, mm
    max_z: float | None = None  # highest Z seen: a safe travel height for CNC
    # G92 on X/Y/Z: the program's frame = the frame it started in (after its homing) - g92[axis];
    # `g92_unknown`: an offset set while that axis' position was not known (it cannot be redone).
    g92: dict[str, float] = field(default_factory=dict)
    g92_unknown: bool = False
    flavour: str = "grbl"  # "grbl" or "marlin": which firmware's rules (see the module docstring)

    @property
    def scale(self) -> float:
        """mm per program unit in force (25.4 under G20)."""
        return MM_PER_INCH if self.units == "G20" else 1.0


def apply_line(state: ModalState, line: str) -> None:
    """Update `state` with one program line (in place); an unreadable line changes nothing."""
    try:
        apply_words(state, read_line(line))
    except BadLine:
        return


def _set_modes(state: ModalState, gs: list[float], ms: list[float], vals: dict[str, float]) -> None:
    for g in gs:
        if g in (0, 1, 2, 3):
            state.motion = f"G{g:g}"
        elif g == 80 and state.flavour == "grbl":
            state.motion = "G80"
        elif g in (17, 18, 19):
            state.plane = f"G{g:g}"
        elif g in (20, 21):
            state.units = f"G{g:g}"
        elif g in (90, 91):
            state.distance = f"G{g:g}"
        elif g in (93, 94):
            state.feed_mode = f"G{g:g}"
        elif 54 <= g <= 59:
            state.wcs = f"G{g:g}"
    if "F" in vals:
        state.feed = vals["F"] * state.scale
    for m in ms:
        if m in (3, 4, 5):
            state.spindle = f"M{m:g}"
        elif m in (7, 8, 9):
            state.coolant = f"M{m:g}"
        elif m in (82, 83):
            state.extrude = f"M{m:g}"
        elif m in (104, 109) and "S" in vals:
            state.hotend = vals["S"]
        elif m in (140, 190) and "S" in vals:
            state.bed = vals["S"]
        elif m == 106:
            state.fan = vals.get("S", 255.0)
        elif m == 107:
            state.fan = 0.0
        elif m in (2, 30):
            state.spindle, state.coolant = "M5", "M9"
    if "S" in vals and not any(m in (104, 109, 140, 190, 106) for m in ms):
        state.spindle_speed = vals["S"]


def apply_words(state: ModalState, ws: list[tuple[str, float]]) -> bool:
    """Update `state` with one line's words (in place). True when the line moved the machine."""
    if not ws:
        return False
    gs = [v for k, v in ws if k == "G"]
    ms = [v for k, v in ws if k == "M"]
    vals = {k: v for k, v in ws if k not in "GM"}
    _set_modes(state, gs, ms, vals)
    mm = {a: vals[a] * state.scale for a in ("XYZE" if state.flavour == "marlin" else "XYZ") if a in vals}
    if 92 in gs:
        for a in "XYZ":
            if a in mm:
                if a in state.position:
                    state.g92[a] = state.g92.get(a, 0.0) + state.position[a] - mm[a]
                else:
                    state.g92_unknown = True
                state.position[a] = mm[a]
        if "E" in mm:
            state.e = mm["E"]
    if 28 in gs or (30 in gs and state.flavour == "grbl"):
        for a in [a for a in "XYZ" if a in mm] if mm else "XYZ":  # G28 alone: every axis
            state.position[a] = 0.0
            state.g92.pop(a, None)  # homing puts the axis back in the machine's own frame
    g_motion = [g for g in gs if g in (0, 1, 2, 3)]
    mode = g_motion[-1] if g_motion else (None if state.flavour == "marlin" else float(state.motion[1:]))
    if mode is None or mode == 80 or any(g in _LOCKED for g in gs):
        return False
    if not mm and not (mode in (2, 3) and any(a in vals for a in "IJKR")):
        return False
    for a in "XYZ":
        if a in mm:
            if state.distance == "G91":
                state.position[a] = state.position.get(a, 0.0) + mm[a]
            else:
                state.position[a] = mm[a]
    if "Z" in mm:
        state.max_z = state.position["Z"] if state.max_z is None else max(state.max_z, state.position["Z"])
    if "E" in mm:
        state.e = state.e + mm["E"] if state.extrude == "M83" or state.distance == "G91" else mm["E"]
    return True


def modal_state_at(lines: Sequence[str], n: int, flavour: str = "grbl") -> ModalState:
    """The state after lines[:n] have run, by `flavour`'s rules ("grbl" or "marlin")."""
    state = ModalState(flavour=flavour)
    for line in lines[: max(0, n)]:
        apply_line(state, line)
    return state
