"""Resume: the modal state in force at line N of a program, and the lines that restore it.

Pure functions. `modal_state_at(lines, n, flavour)` (from `gcode_reader`, the one G-code reader that
checks, previews and the time model share) replays lines[:n] the way a firmware's parser
would (units, absolute/relative, work offset, feed, spindle or laser, coolant, extruder mode
and position, temperatures, fan, position); `resume_preamble(lines, n, flavor)` writes the
G-code that puts a freshly reset machine in that state with a safe Z move: lift, travel
above the part, come down, then restore feed, spindle and distance mode.

G92 offsets on X/Y/Z are restored when the program set them at a known position: the travel
goes in the frame the program started in (the machine has been reset or homed since: its
G92 is gone), then a G92 makes the program's coordinates true again (`jobqueue.resume_check`
refuses the resume when that frame is not known). Not restored: homing (a machine that lost
its position must be homed by a person first; the job's error says so).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from gcode_reader import BadLine, ModalState, apply_line, modal_state_at, read_line  # the one G-code reader

__all__ = ["ModalState", "apply_line", "modal_state_at", "parse_words", "resume_preamble", "SAFE_LIFT_MM"]


def parse_words(line: str) -> list[tuple[str, float]]:
    """The words of one line by the one reader (`gcode_reader.read_line`); [] when it cannot be read."""
    try:
        return read_line(line)
    except BadLine:
        return []

SAFE_LIFT_MM = 5.0


def _num(v: float) -> str:
    return f"{v:.4f}".rstrip("0").rstrip(".") if v != int(v) else str(int(v))


def resume_preamble(lines: Sequence[str], n: int, flavor: str, *, safe_z: float | None = None) -> list[str]:
    """G-code that restores the state in force at line n. flavor: 'grbl' or 'marlin'."""
    if n <= 0:
        return []
    st = _in_program_units(modal_state_at(lines, n, "marlin" if flavor == "marlin" else "grbl"))
    shift = {a: v for a, v in st.g92.items() if v and a in st.position}
    if shift:
        # The machine is back in the frame the program started in (reset, homed): travel there in
        # that frame, then G92 makes the program's own coordinates true again at that point.
        logical = dict(st.position)
        st = replace(st, position={a: v + shift.get(a, 0.0) for a, v in logical.items()},
                     max_z=None if st.max_z is None else st.max_z + shift.get("Z", 0.0))
        safe_z = None if safe_z is None else safe_z + shift.get("Z", 0.0)
    out = _marlin(st) if flavor == "marlin" else _grbl(st, safe_z)
    if shift:
        out.append("G92 " + " ".join(f"{a}{_num(logical[a])}" for a in "XYZ" if a in logical))
    return out


def _in_program_units(st: ModalState) -> ModalState:
    """The reader keeps mm; the preamble writes the program's own units (it restores G20 first)."""
    k = st.scale
    if k == 1.0:
        return st
    return replace(st, position={a: v / k for a, v in st.position.items()}, g92={a: v / k for a, v in st.g92.items()},
                   max_z=None if st.max_z is None else st.max_z / k, e=st.e / k,
                   feed=None if st.feed is None else st.feed / k)


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
