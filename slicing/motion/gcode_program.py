"""A program's modal state -> the straight blocks a firmware's planner receives.

The words and the modal state after every line come from the one reader
(`gcode_reader.program`, vectorised); what is the planner's own business stays here: arcs
split as the firmware splits them (`arcs.py`), zero-length moves dropped, the feed of each
block (G93 inverse time included) and whether GRBL runs it at the rapid rate.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gcode_reader.program import ProgramState
from gcode_reader.program import interpret as interpret_state
from gcode_reader.tokens import Words
from slicing.motion.arcs import ArcSplitter, arc_centers_from_radius

_PLANES = {17: (0, 1, 2), 18: (2, 0, 1), 19: (1, 2, 0)}  # G17 XY, G18 ZX, G19 YZ: (axis 0, axis 1, linear)


@dataclass
class Blocks:
    """One entry per straight move the planner receives (an arc gives several)."""

    line: np.ndarray  # int64: program line the block comes from
    delta: np.ndarray  # float64 [B, 4]: X, Y, Z, E travel in mm
    rapid: np.ndarray  # bool: G0 (GRBL runs it at the rapid rate)
    feed: np.ndarray  # float64: programmed feed, mm/min (NaN when none was given yet)
    path_mm: np.ndarray  # float64: XYZ length (E length for extruder-only moves)
    xyz_mm: np.ndarray  # float64: XYZ length (0 for extruder-only moves)


class Program:
    """The reader's per-line state plus the planner blocks built from it."""

    def __init__(self, state: ProgramState, blocks: Blocks) -> None:
        self.state = state
        self.words = state.words
        self.blocks = blocks
        self.codes = state.codes
        self.moving = state.moving  # bool per line: the line moves the machine (G0-G3 with axes)
        self.homing = state.homing  # bool per line: G28
        self.position = state.position  # [n, 4] X, Y, Z, E after each line

    def lines_with(self, letter: str, number: float) -> np.ndarray:
        return self.state.lines_with(letter, number)

    def column(self, letter: str) -> np.ndarray:
        return self.words.column(letter)


def interpret(words: Words, flavour: str, splitter: ArcSplitter) -> Program:
    """The blocks of a G-code program as GRBL (`flavour="grbl"`) or Marlin would queue them."""
    state = interpret_state(words, flavour)
    n = words.n_lines
    mode, moving, home, pos = state.mode, state.moving, state.homing, state.position
    is_arc_mode = (mode == 2) | (mode == 3)
    motion_lines = np.flatnonzero(moving | home)
    arc = is_arc_mode[motion_lines] & moving[motion_lines]
    if not arc.any():  # straight moves only (a slicer's program): one block a line
        step = np.diff(pos, axis=0, prepend=np.zeros((1, 4)))  # each line's move from the one before
        delta = step[motion_lines]
        xyz = np.sqrt(delta[:, 0] ** 2 + delta[:, 1] ** 2 + delta[:, 2] ** 2)
        path = np.where(xyz > 0, xyz, np.abs(delta[:, 3]))
        keep = path > 0
        if not keep.all():  # zero-length moves: no block
            motion_lines, delta, xyz, path = motion_lines[keep], delta[keep], xyz[keep], path[keep]
        line = motion_lines
    else:
        line, delta = _with_arcs(state, motion_lines, arc, splitter)
        xyz = np.sqrt(delta[:, 0] ** 2 + delta[:, 1] ** 2 + delta[:, 2] ** 2)
        path = np.where(xyz > 0, xyz, np.abs(delta[:, 3]))
        keep = path > 0
        if not keep.all():
            line, delta, xyz, path = line[keep], delta[keep], xyz[keep], path[keep]
    feed = state.feed()[line]  # F0 or less: ignored (Marlin) / refused (GRBL)
    if state.inverse_time.any():  # G93: F is moves per minute; the line's whole path in 1/F minutes
        per_line = np.bincount(line, weights=path, minlength=n)
        inv = state.inverse_time[line]
        feed = np.where(inv, words.column("F")[line] * per_line[line], feed)
    rapid = (mode[line] == 0) | home[line]
    blocks = Blocks(line=line, delta=delta, rapid=rapid, feed=feed, path_mm=path, xyz_mm=xyz)
    return Program(state, blocks)


def _with_arcs(state: ProgramState, motion_lines: np.ndarray, arc: np.ndarray,
               splitter: ArcSplitter) -> tuple[np.ndarray, np.ndarray]:
    """(line, XYZE travel) of every block when some lines are arcs (split as the firmware does)."""
    pos, mode = state.position, state.mode
    target = pos[motion_lines]
    prev = pos[motion_lines - 1]  # the position before each line (the origin before line 0)
    if len(motion_lines) and motion_lines[0] == 0:
        prev[0] = 0.0
    counts = np.ones(len(motion_lines), dtype=np.int64)
    arc_counts, arc_points = _split_arcs(prev[arc], target[arc], motion_lines[arc], state.ijkr, state.plane, mode,
                                         splitter)
    counts[arc] = arc_counts
    first = np.cumsum(counts) - counts
    delta = np.empty((int(counts.sum()), 4))
    straight = ~arc
    delta[first[straight]] = target[straight] - prev[straight]
    arc_first = np.cumsum(counts[arc]) - counts[arc]
    before = np.roll(arc_points, 1, axis=0)
    before[arc_first] = prev[arc]
    slots = np.repeat(first[arc], counts[arc]) + (np.arange(len(arc_points)) - np.repeat(arc_first, counts[arc]))
    delta[slots] = arc_points - before
    return np.repeat(motion_lines, counts), delta


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
