"""The modal state a firmware holds while it runs a program, line after line.

`apply_words(state, words)` updates a `ModalState` with one line as GRBL or Marlin would
(units, absolute/relative, work offset, feed, spindle or laser power, coolant, extruder
mode and position, temperatures, fan, position) and says whether the line moved the
machine; `modal_state_at(lines, n)` replays a program's first n lines (the resume preamble).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from gcode_reader.words import BadLine, read_line


@dataclass
class ModalState:
    units: str = "G21"
    distance: str = "G90"
    wcs: str = "G54"
    plane: str = "G17"
    feed_mode: str = "G94"
    motion: str = "G0"
    feed: float | None = None
    spindle: str = "M5"
    spindle_speed: float | None = None
    coolant: str = "M9"
    extrude: str = "M82"
    e: float = 0.0  # logical extruder position (what G92 E sets)
    hotend: float | None = None
    bed: float | None = None
    fan: float | None = None
    position: dict[str, float] = field(default_factory=dict)  # work coordinates, program units
    max_z: float | None = None  # highest Z seen: a safe travel height for CNC
    # G92 on X/Y/Z: the program's frame = the frame it started in (after its homing) - g92[axis];
    # `g92_unknown`: an offset set while that axis' position was not known (it cannot be redone).
    g92: dict[str, float] = field(default_factory=dict)
    g92_unknown: bool = False


def apply_line(state: ModalState, line: str) -> None:
    """Update `state` with one program line (in place); an unreadable line changes nothing."""
    try:
        apply_words(state, read_line(line))
    except BadLine:
        return


def apply_words(state: ModalState, ws: list[tuple[str, float]]) -> bool:
    """Update `state` with one line's words (in place). True when the line moved the machine."""
    if not ws:
        return False
    gs = [v for k, v in ws if k == "G"]
    ms = [v for k, v in ws if k == "M"]
    vals = {k: v for k, v in ws if k not in "GM"}
    for g in gs:
        if g in (0, 1, 2, 3):
            state.motion = f"G{g:g}"
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
        state.feed = vals["F"]
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
    if 92 in gs:
        for a in "XYZ":
            if a in vals:
                if a in state.position:
                    state.g92[a] = state.g92.get(a, 0.0) + state.position[a] - vals[a]
                else:
                    state.g92_unknown = True
                state.position[a] = vals[a]
        if "E" in vals:
            state.e = vals["E"]
        return False
    if 28 in gs:
        for a in "XYZ":
            state.position[a] = 0.0
        state.g92.clear()  # homing puts the axes back in the machine's own frame
        return False
    moving = any(g in (0, 1, 2, 3) for g in gs) or (not gs or all(g in (90, 91, 20, 21, 17, 18, 19) for g in gs))
    if not moving or 53 in gs or not any(a in vals for a in "XYZE"):
        return False
    for a in "XYZ":
        if a in vals:
            if state.distance == "G91":
                state.position[a] = state.position.get(a, 0.0) + vals[a]
            else:
                state.position[a] = vals[a]
    if "Z" in state.position and any(a == "Z" for a in vals):
        state.max_z = state.position["Z"] if state.max_z is None else max(state.max_z, state.position["Z"])
    if "E" in vals:
        state.e = state.e + vals["E"] if state.extrude == "M83" or state.distance == "G91" else vals["E"]
    return True


def modal_state_at(lines: Sequence[str], n: int) -> ModalState:
    """The state after lines[:n] have run."""
    state = ModalState()
    for line in lines[: max(0, n)]:
        apply_line(state, line)
    return state
