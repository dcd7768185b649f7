"""Resume: the modal state in force at line N of a program, and the lines that restore it.

Pure functions. `modal_state_at(lines, n)` replays lines[:n] the way a firmware's parser
would (units, absolute/relative, work offset, feed, spindle or laser, coolant, extruder mode
and position, temperatures, fan, position); `resume_preamble(lines, n, flavor)` writes the
G-code that puts a freshly reset machine in that state with a safe Z move: lift, travel
above the part, come down, then restore feed, spindle and distance mode.

Not restored: G92 offsets on GRBL (rare in generated programs; the work offsets G54..G59
themselves live in GRBL's EEPROM and survive a reset) and homing (a machine that lost its
position must be homed by a person first; the job's error says so).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

_COMMENT = re.compile(r"\([^)]*\)|;.*$")
_WORD = re.compile(r"([A-Z])\s*([-+]?(?:\d+\.?\d*|\.\d+))")
_CHECKSUM = re.compile(r"\*\d+\s*$")
SAFE_LIFT_MM = 5.0


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


def parse_words(line: str) -> list[tuple[str, float]]:
    text = _CHECKSUM.sub("", _COMMENT.sub("", line)).upper()
    return [(k, float(v)) for k, v in _WORD.findall(text) if k != "N"]


def apply_line(state: ModalState, line: str) -> None:
    """Update `state` with one program line (in place)."""
    ws = parse_words(line)
    if not ws:
        return
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
                state.position[a] = vals[a]
        if "E" in vals:
            state.e = vals["E"]
        return
    if 28 in gs:
        for a in "XYZ":
            state.position[a] = 0.0
        return
    moving = any(g in (0, 1, 2, 3) for g in gs) or (not gs or all(g in (90, 91, 20, 21) for g in gs))
    if not moving or 53 in gs:
        return
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


def modal_state_at(lines: Sequence[str], n: int) -> ModalState:
    """The state after lines[:n] have run."""
    state = ModalState()
    for line in lines[: max(0, n)]:
        apply_line(state, line)
    return state


def _num(v: float) -> str:
    return f"{v:.4f}".rstrip("0").rstrip(".") if v != int(v) else str(int(v))


def resume_preamble(lines: Sequence[str], n: int, flavor: str, *, safe_z: float | None = None) -> list[str]:
    """G-code that restores the state in force at line n. flavor: 'grbl' or 'marlin'."""
    if n <= 0:
        return []
    st = modal_state_at(lines, n)
    if flavor == "marlin":
        return _marlin(st)
    return _grbl(st, safe_z)


def _grbl(st: ModalState, safe_z: float | None) -> list[str]:
    out = [f"{st.units} G90 {st.wcs} {st.plane} {st.feed_mode}", "M5"]
    pos = st.position
    z_travel = safe_z if safe_z is not None else st.max_z
    if "Z" in pos and z_travel is not None:
        out.append(f"G0 Z{_num(max(z_travel, pos['Z']))}")
    xy = " ".join(f"{a}{_num(pos[a])}" for a in "XY" if a in pos)
    if xy:
        out.append(f"G0 {xy}")
    if st.spindle in ("M3", "M4"):
        out.append(f"{st.spindle} S{_num(st.spindle_speed or 0)}")
    if st.coolant != "M9":
        out.append(st.coolant)
    if "Z" in pos and z_travel is not None and max(z_travel, pos["Z"]) != pos["Z"]:
        plunge = f" F{_num(st.feed)}" if st.feed else ""
        out.append(f"G1 Z{_num(pos['Z'])}{plunge}" if plunge else f"G0 Z{_num(pos['Z'])}")
    tail = []
    if st.feed is not None:
        tail.append(f"F{_num(st.feed)}")
    if st.spindle_speed is not None and st.spindle not in ("M3", "M4"):
        tail.append(f"S{_num(st.spindle_speed)}")
    if st.motion in ("G0", "G1"):
        tail.insert(0, st.motion)
    if tail:
        out.append(" ".join(tail))
    if st.distance == "G91":
        out.append("G91")
    return out


def _marlin(st: ModalState) -> list[str]:
    out = []
    if st.bed:
        out.append(f"M140 S{_num(st.bed)}")
    if st.hotend:
        out.append(f"M104 S{_num(st.hotend)}")
    if st.bed:
        out.append(f"M190 S{_num(st.bed)}")
    if st.hotend:
        out.append(f"M109 S{_num(st.hotend)}")
    out += [st.units, "G90", st.extrude, f"G92 E{_num(st.e)}"]
    if st.fan is not None:
        out.append(f"M106 S{_num(st.fan)}" if st.fan > 0 else "M107")
    pos = st.position
    if "Z" in pos:
        out.append(f"G0 Z{_num(pos['Z'] + SAFE_LIFT_MM)} F600")
    xy = " ".join(f"{a}{_num(pos[a])}" for a in "XY" if a in pos)
    if xy:
        out.append(f"G0 {xy} F6000")
    if "Z" in pos:
        out.append(f"G0 Z{_num(pos['Z'])} F600")
    if st.feed is not None:
        out.append(f"G1 F{_num(st.feed)}")
    if st.distance == "G91":
        out.append("G91")
    return out
