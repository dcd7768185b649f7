"""Words -> the straight blocks a firmware's planner receives, for all lines at once.

Modal state (G90/G91, M82/M83, G92, G20/G21, G17-G19, G93/G94, F) is applied with forward
fills and cumulative sums instead of a loop over lines; only the lines that change that state
(any G other than G0-G3, any M) are visited one by one, and those are a few percent of a
program. Arcs are split here, as the firmware splits them (`arcs.py`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from slicing.motion.arcs import ArcSplitter, arc_centers_from_radius
from slicing.motion.gcode_words import Words

AXES = "XYZE"
MM_PER_INCH = 25.4
_PLANES = {17: (0, 1, 2), 18: (2, 0, 1), 19: (1, 2, 0)}  # G17 XY, G18 ZX, G19 YZ: (axis 0, axis 1, linear)


def ffill(values: np.ndarray, initial: float) -> np.ndarray:
    """NaN entries take the last value before them (or `initial`)."""
    idx = np.where(np.isnan(values), -1, np.arange(len(values)))
    np.maximum.accumulate(idx, out=idx)
    return np.where(idx >= 0, values[np.maximum(idx, 0)], initial)


@dataclass
class Blocks:
    """One entry per straight move the planner receives (an arc gives several)."""

    line: np.ndarray  # int64: program line the block comes from
    delta: np.ndarray  # float64 [B, 4]: X, Y, Z, E travel in mm
    rapid: np.ndarray  # bool: G0 (GRBL runs it at the rapid rate)
    feed: np.ndarray  # float64: programmed feed, mm/min (NaN when none was given yet)
    path_mm: np.ndarray  # float64: XYZ length (E length for extruder-only moves)


@dataclass
class Program:
    words: Words
    blocks: Blocks
    codes: dict[tuple[str, float], np.ndarray] = field(default_factory=dict)  # ("M", 109) -> lines
    moving: np.ndarray | None = None  # bool per line: the line moves the machine (G0-G3 with axes)
    homing: np.ndarray | None = None  # bool per line: G28
    position: np.ndarray | None = None  # [n, 4] X, Y, Z, E after each line

    def lines_with(self, letter: str, number: float) -> np.ndarray:
        return self.codes.get((letter, float(number)), np.zeros(0, dtype=np.int64))

    def column(self, letter: str) -> np.ndarray:
        return self.words.column(letter)


def _code_lines(words: Words, letter: str) -> tuple[np.ndarray, np.ndarray]:
    pick = words.letter == ord(letter)
    return words.line[pick], words.value[pick]


def interpret(words: Words, flavour: str, splitter: ArcSplitter) -> Program:
    """The blocks of a G-code program as GRBL (`flavour="grbl"`) or Marlin would queue them."""
    n = words.n_lines
    g_line, g_val = _code_lines(words, "G")
    m_line, m_val = _code_lines(words, "M")
    codes: dict[tuple[str, float], np.ndarray] = {}
    for letter, lines, vals in (("G", g_line, g_val), ("M", m_line, m_val)):
        if letter == "G":  # G0-G3 fill most lines and are read below, vectorised
            rare = ~np.isin(vals, (0.0, 1.0, 2.0, 3.0))
            lines, vals = lines[rare], vals[rare]
        for v in np.unique(vals):
            at = lines[vals == v]  # in program order; a line may repeat a code
            codes[(letter, float(v))] = at[np.concatenate(([True], at[1:] != at[:-1]))]

    def on(letter: str, *numbers: float) -> np.ndarray:
        mask = np.zeros(n, dtype=bool)
        for num in numbers:
            mask[codes.get((letter, float(num)), [])] = True
        return mask

    def set_where(mask: np.ndarray, value: float) -> np.ndarray:
        return np.where(mask, value, np.nan)

    # Modal groups, each a per-line value forward-filled from the lines that set it.
    absolute = _merge(set_where(on("G", 90), 1.0), set_where(on("G", 91), 0.0), initial=1.0) > 0.5
    units = _merge(set_where(on("G", 20), MM_PER_INCH), set_where(on("G", 21), 1.0), initial=1.0)
    plane = _merge(set_where(on("G", 17), 17.0), set_where(on("G", 18), 18.0), set_where(on("G", 19), 19.0), initial=17.0)
    inverse_time = _merge(set_where(on("G", 93), 1.0), set_where(on("G", 94), 0.0), initial=0.0) > 0.5
    explicit_e = _merge(set_where(on("M", 82), 1.0), set_where(on("M", 83), 0.0), initial=np.nan)
    e_absolute = np.where(np.isnan(explicit_e), absolute, explicit_e > 0.5)

    motion_code = np.full(n, np.nan)
    is_motion_g = np.isin(g_val, (0.0, 1.0, 2.0, 3.0))
    motion_code[g_line[is_motion_g]] = g_val[is_motion_g]
    locked = on("G", 4, 10, 28, 30, 92, 53.1)  # axis words here are not a motion target
    if flavour == "grbl":
        mode = motion_code.copy()
        mode[on("G", 80)] = -1.0
        mode = ffill(mode, 0.0)  # GRBL starts in G0 and keeps the motion mode
    else:
        mode = motion_code  # Marlin moves only on an explicit G0-G3
    axes = [words.column(a) * units for a in AXES]
    if flavour == "grbl":
        axes[3] = np.full(n, np.nan)  # no extruder
    has_axis = np.zeros(n, dtype=bool)
    for v in axes:
        has_axis |= ~np.isnan(v)
    ijkr = [words.column(a) * units for a in "IJKR"]
    is_arc_mode = (mode == 2) | (mode == 3)
    has_offset = np.zeros(n, dtype=bool)
    for v in ijkr:
        has_offset |= ~np.isnan(v)
    moving = ~locked & (mode >= 0) & (has_axis | (is_arc_mode & has_offset))
    home = on("G", 28) if flavour != "grbl" else on("G", 28, 30)
    homed_axes = [home & (~np.isnan(v) | ~(has_axis & home)) for v in axes[:3]]  # G28 alone: all

    g92 = on("G", 92)
    pos = np.empty((n, 4))
    for k, v in enumerate(axes):
        resets = g92 & ~np.isnan(v)
        values = np.where(resets, v, np.nan)
        if k < 3:
            values = np.where(homed_axes[k], 0.0, values)
            resets = resets | homed_axes[k]
        pos[:, k] = _positions(v, absolute if k < 3 else e_absolute, moving, resets, values)

    motion_lines = np.flatnonzero(moving | home)
    prev = np.vstack((np.zeros((1, 4)), pos[:-1]))[motion_lines]
    target = pos[motion_lines]
    arc = is_arc_mode[motion_lines] & moving[motion_lines]
    counts = np.ones(len(motion_lines), dtype=np.int64)
    arc_points = np.zeros((0, 4))
    if arc.any():
        arc_counts, arc_points = _split_arcs(
            prev[arc], target[arc], motion_lines[arc], ijkr, plane, mode, splitter
        )
        counts[arc] = arc_counts
    total = int(counts.sum())
    first = np.cumsum(counts) - counts
    delta = np.empty((total, 4))
    straight = ~arc
    delta[first[straight]] = target[straight] - prev[straight]
    if arc.any():
        arc_first = np.cumsum(counts[arc]) - counts[arc]
        before = np.roll(arc_points, 1, axis=0)
        before[arc_first] = prev[arc]
        slots = np.repeat(first[arc], counts[arc]) + (np.arange(len(arc_points)) - np.repeat(arc_first, counts[arc]))
        delta[slots] = arc_points - before
    line = np.repeat(motion_lines, counts)
    f_word = words.column("F") * units
    feed = ffill(np.where(f_word > 0, f_word, np.nan), np.nan)[line]  # F0 or less: ignored (Marlin) / refused (GRBL)
    xyz = np.sqrt(delta[:, 0] ** 2 + delta[:, 1] ** 2 + delta[:, 2] ** 2)
    path = np.where(xyz > 0, xyz, np.abs(delta[:, 3]))
    if inverse_time.any():  # G93: F is moves per minute; the line's whole path in 1/F minutes
        per_line = np.bincount(line, weights=path, minlength=n)
        inv = inverse_time[line]
        feed = np.where(inv, words.column("F")[line] * per_line[line], feed)
    rapid = (mode[line] == 0) | home[line]
    keep = path > 0
    blocks = Blocks(line=line[keep], delta=delta[keep], rapid=rapid[keep], feed=feed[keep], path_mm=path[keep])
    return Program(words=words, blocks=blocks, codes=codes, moving=moving, homing=home, position=pos)


def _merge(*settings: np.ndarray, initial: float) -> np.ndarray:
    """Forward-fill of several mutually exclusive codes (the last one on a line wins)."""
    combined = settings[0].copy()
    for s in settings[1:]:
        combined = np.where(np.isnan(s), combined, s)
    return ffill(combined, initial)


def _positions(v: np.ndarray, absolute: np.ndarray, moving: np.ndarray, resets: np.ndarray, reset_values: np.ndarray) -> np.ndarray:
    """Position after each line: absolute words and resets set it, relative words add to it."""
    has = ~np.isnan(v) & moving
    inc = np.where(has & ~absolute, v, 0.0)
    set_here = (has & absolute) | resets
    value = np.where(resets, reset_values, v)
    running = np.cumsum(inc)
    base = ffill(np.where(set_here, value - running, np.nan), 0.0)
    return base + running


def _split_arcs(start, target, lines, ijkr, plane, mode, splitter: ArcSplitter):
    """Segments of every arc line, all at once (centre from I/J/K offsets, or from R)."""
    planes = np.array([_PLANES.get(int(p), _PLANES[17]) for p in (17, 18, 19)])
    plane_axes = planes[(plane[lines].astype(int) - 17).clip(0, 2)]
    rows = np.arange(len(lines))
    a0, a1 = plane_axes[:, 0], plane_axes[:, 1]
    offsets = np.stack([np.nan_to_num(v[lines]) for v in ijkr[:3]], axis=1)
    clockwise = mode[lines] == 2
    c0 = start[rows, a0] + offsets[rows, a0]
    c1 = start[rows, a1] + offsets[rows, a1]
    radius = ijkr[3][lines]
    by_radius = ~np.isnan(radius)
    if by_radius.any():
        r0, r1 = arc_centers_from_radius(start[rows, a0], start[rows, a1], target[rows, a0], target[rows, a1],
                                         np.nan_to_num(radius), clockwise)
        c0, c1 = np.where(by_radius, r0, c0), np.where(by_radius, r1, c1)
    return splitter.split(start, target, np.stack([c0, c1], axis=1), plane_axes, clockwise)
