"""Marlin G-code for the built-in slicer: relative extrusion, retraction on travel,
`;LAYER:n` and `;TYPE:` comments, `M73` progress with the remaining minutes.

The remaining time written in `M73 R` is a plain length/feed sum (what a firmware
progress display needs); the acceleration-aware estimate is the motion model's job.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely

from slicing.toolpaths.fdm.move_text import format_moves
from slicing.toolpaths.fdm.settings import FdmSettings
from slicing.toolpaths.numbers import fmt


@dataclass
class Batch:
    """Per path of a batch (lists, for a plain loop): where it starts and ends, whether the
    travel to it stays inside the walls, its moves' range, its filament and its length."""

    starts: list
    ends: list
    inside: list
    first: list
    end: list
    e: list
    d: list


class MarlinWriter:
    def __init__(self, s: FdmSettings) -> None:
        self.s = s
        self.lines: list = []  # str, (first, end, feed suffix) of moves, or a placeholder for finish()
        self.x = self.y = 0.0
        self.z = 0.0
        self.feed: float | None = None
        self.retracted = False
        self.filament_mm = 0.0
        self.extruded_by_type: dict[str, float] = {}
        self.seconds = 0.0
        self.kind = ""
        self.safe_zone = None  # prepared shapely area where travel needs no retraction (inside the walls)
        self._moves: list[tuple[np.ndarray, np.ndarray]] = []  # extrusion moves, formatted by finish()
        self._moves_count = 0

    def raw(self, line: object) -> None:
        self.lines.append(line)

    def type(self, kind: str) -> None:
        if kind != self.kind:
            self.lines.append(f";TYPE:{kind}")
            self.kind = kind

    def _f(self, feed: float) -> str:
        if self.feed is not None and abs(feed - self.feed) < 0.5:
            return ""
        self.feed = feed
        return f" F{fmt(feed, 0)}"

    def retract(self) -> None:
        if not self.retracted and self.s.retract_length > 0:
            self.lines.append(f"G1 E-{fmt(self.s.retract_length, 4)}{self._f(self.s.retract_speed)}")
            self.seconds += self.s.retract_length / self.s.retract_speed * 60
            self.retracted = True

    def unretract(self) -> None:
        if self.retracted:
            self.lines.append(f"G1 E{fmt(self.s.retract_length, 4)}{self._f(self.s.retract_speed)}")
            self.seconds += self.s.retract_length / self.s.retract_speed * 60
            self.retracted = False

    def travel(self, x: float, y: float, inside: bool = False) -> None:
        """Move to (x, y) without printing; `inside`: the move stays inside the walls.

        Like PrusaSlicer's "only retract when crossing perimeters": a travel that stays inside
        the walls leaves any ooze inside the part, where nobody sees it.
        """
        d = math.hypot(x - self.x, y - self.y)
        if d < 1e-4:
            return
        if d > self.s.retract_min_travel and not inside:
            self.retract()
        self.lines.append(f"G0 X{fmt(x)} Y{fmt(y)}{self._f(self.s.speed_travel)}")
        self.seconds += d / self.s.speed_travel * 60
        self.x, self.y = x, y

    def move_z(self, z: float) -> None:
        self.lines.append(f"G0 Z{fmt(z)}{self._f(min(self.s.speed_travel, 600.0))}")
        self.seconds += abs(z - self.z) / 600.0 * 60
        self.z = z

    def batch(self, paths: list[np.ndarray], e_per_mm: np.ndarray, zones: list) -> Batch:
        """Every path of the program at once, in print order (each starting where the one
        before ended): which points are written, the filament, and which travels to them stay
        inside their layer's walls (`zones[k]`, or None: retract), asked of GEOS in one call.
        The moves are kept as numbers; finish() formats them all in one go."""
        lens = np.array([len(p) for p in paths])
        pts = np.concatenate([p[:, :2] for p in paths]).astype(float, copy=False)
        first = np.concatenate([[0], np.cumsum(lens)[:-1]])
        last = first + lens - 1
        d = np.concatenate([[0.0], np.hypot(*np.diff(pts, axis=0).T)])  # from the point before
        keep = d >= 1e-4  # a point on top of the previous one is not written
        keep[first] = False  # a path's start is reached by travel
        d = np.where(keep, d, 0.0)
        e = d * np.repeat(e_per_mm, lens)
        base = self._moves_count
        self._moves.append((pts[keep], e[keep]))
        self._moves_count += int(keep.sum())
        kept_before = np.concatenate([[0], np.cumsum(keep)]) + base
        starts, ends = pts[first], pts[last]
        prev = np.vstack([[self.x, self.y], ends[:-1]])
        inside = np.zeros(len(paths), dtype=bool)
        has_zone = np.array([z is not None for z in zones], dtype=bool)
        far = np.nonzero(has_zone & (np.hypot(*(starts - prev).T) > self.s.retract_min_travel))[0]
        if len(far):
            zone_arr = np.empty(len(far), dtype=object)
            zone_arr[:] = [zones[k] for k in far.tolist()]
            shapely.prepare(zone_arr)  # each layer's zone once (layers alike share one)
            moves = shapely.linestrings(np.stack([prev[far], starts[far]], axis=1))
            inside[far] = shapely.covers(zone_arr, moves)
        return Batch(starts.tolist(), ends.tolist(), inside.tolist(), kept_before[first].tolist(),
                     kept_before[last + 1].tolist(), np.add.reduceat(e, first).tolist(), np.add.reduceat(d, first).tolist())

    def emit(self, b: Batch, k: int, feed: float) -> None:
        """Path k of the batch: travel to it, then its moves (written by finish())."""
        self.travel(b.starts[k][0], b.starts[k][1], b.inside[k])
        if b.first[k] == b.end[k]:
            return
        self.unretract()
        self.lines.append((b.first[k], b.end[k], self._f(feed)))
        self.x, self.y = b.ends[k]
        self.filament_mm += b.e[k]
        self.extruded_by_type[self.kind] = self.extruded_by_type.get(self.kind, 0.0) + b.e[k]
        self.seconds += b.d[k] / feed * 60

    def finish(self, resolve=None) -> list[str]:
        """The program's lines: every kept move formatted in one go and put in its place;
        other placeholders (not str, not a move range) are given to `resolve`."""
        if self._moves:
            formatted = format_moves(np.concatenate([m[0] for m in self._moves]), np.concatenate([m[1] for m in self._moves]))
        else:
            formatted = []
        out: list[str] = []
        for item in self.lines:
            if isinstance(item, str):
                out.append(item)
            elif isinstance(item, tuple):
                a, b, suffix = item
                out.append(formatted[a] + suffix)
                out.extend(formatted[a + 1 : b])
            else:
                out.append(resolve(item))
        self.lines = out
        self._moves = []
        return out
