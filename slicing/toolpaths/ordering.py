"""Path order that cuts travel: nearest neighbour, then 2-opt, under "inside first" rules.

A closed path may start at any of its vertices; an open path may be cut either way. The
greedy pass picks the nearest allowed entry; 2-opt then reverses stretches of the order
while that shortens travel and keeps every path after the paths it must follow. vpype's
line sorting does the same without precedence rules, hence this small module.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np


@dataclass
class Placed:
    """One path in cutting order: its index and its points in the direction cut.

    Closed paths come back rotated to their entry vertex and closed (first point repeated).
    """

    index: int
    points: np.ndarray

    @property
    def entry(self) -> np.ndarray:
        return self.points[0]

    @property
    def exit(self) -> np.ndarray:
        return self.points[-1]


def travel_length(placed: list[Placed], start: tuple[float, float] = (0.0, 0.0)) -> float:
    """Rapid-move length from `start` through every path, in this order."""
    pos = np.asarray(start, dtype=float)
    total = 0.0
    for p in placed:
        total += float(np.hypot(*(p.entry - pos)))
        pos = p.exit
    return total


def in_file_order(paths: list[np.ndarray], closed: list[bool]) -> list[Placed]:
    """The order a naive program would use: as drawn, from each path's first point."""
    return [Placed(i, _closed_from(pts, 0) if c else pts) for i, (pts, c) in enumerate(zip(paths, closed, strict=True))]


def _closed_from(points: np.ndarray, k: int) -> np.ndarray:
    return np.concatenate((points[k:], points[:k], points[k : k + 1]))  # rolled to k, closed


def order_paths(
    paths: list[np.ndarray],
    closed: list[bool],
    after: list[set[int]] | None = None,
    start: tuple[float, float] = (0.0, 0.0),
    two_opt: bool = True,
    time_budget_s: float = 5.0,
) -> list[Placed]:
    """Every path once, ordered to cut travel. `after[i]` holds the paths i must follow."""
    n = len(paths)
    if n == 0:
        return []
    if n == 1:  # nothing to order: only where to enter (most FDM layers' walls and fills)
        return [_entered(paths[0], closed[0], np.asarray(start, dtype=float))]
    after = after or [set() for _ in range(n)]
    placed = _nearest_neighbour(paths, closed, after, np.asarray(start, dtype=float))
    if two_opt and n > 2:
        placed = _two_opt(placed, closed, after, np.asarray(start, dtype=float), time_budget_s)
    return placed


def _entered(pts: np.ndarray, closed: bool, pos: np.ndarray) -> Placed:
    """A lone path entered where the greedy pass would: its nearest vertex (closed), or its
    nearer end (open, its start on a tie)."""
    if closed:
        k = int(np.argmin(np.hypot(pts[:, 0] - pos[0], pts[:, 1] - pos[1])))
        return Placed(0, _closed_from(pts, k))
    d_start = np.hypot(*(pts[0] - pos))
    d_end = np.hypot(*(pts[-1] - pos))
    return Placed(0, pts[::-1] if d_end < d_start else pts)


def _nearest_neighbour(paths, closed, after, pos) -> list[Placed]:
    # Candidate entries: every vertex of a closed path, both ends of an open one.
    owners, verts, flags = [], [], []
    for i, (pts, c) in enumerate(zip(paths, closed, strict=True)):
        if c:
            owners.extend([i] * len(pts))
            verts.append(pts)
            flags.extend(range(len(pts)))  # vertex index to start from
        else:
            owners.extend([i, i])
            verts.append(np.vstack([pts[0], pts[-1]]))
            flags.extend([0, -1])  # -1: cut reversed
    owner = np.asarray(owners)
    allv = np.vstack(verts)
    flag = np.asarray(flags)
    n = len(paths)
    waiting = np.asarray([len(a) for a in after])
    followers: list[list[int]] = [[] for _ in range(n)]
    for i, a in enumerate(after):
        for j in a:
            followers[j].append(i)
    done = np.zeros(n, dtype=bool)
    order: list[Placed] = []
    for _ in range(n):
        ready = ~done & (waiting == 0)
        if not ready.any():  # a precedence cycle (should not happen): release everything left
            ready = ~done
        mask = ready[owner]
        d = np.hypot(allv[:, 0] - pos[0], allv[:, 1] - pos[1])
        d[~mask] = np.inf
        k = int(np.argmin(d))
        i, f = int(owner[k]), int(flag[k])
        pts = paths[i]
        if closed[i]:
            pts = _closed_from(pts, f)
        elif f == -1:
            pts = pts[::-1]
        order.append(Placed(i, pts))
        done[i] = True
        for j in followers[i]:
            waiting[j] -= 1
        pos = pts[-1]
    return order


def _two_opt(placed, closed, after, start, time_budget_s) -> list[Placed]:
    """Reverse order[i..j] while it shortens travel and breaks no precedence."""
    deadline = time.monotonic() + time_budget_s
    order = list(placed)
    n = len(order)
    entries = np.array([p.entry for p in order], dtype=float)
    exits = np.array([p.exit for p in order], dtype=float)
    is_closed = np.array([closed[p.index] for p in order])
    improved = True
    while improved and time.monotonic() < deadline:
        improved = False
        for i in range(n - 1):
            prev = start if i == 0 else exits[i - 1]
            js = np.arange(i + 1, n)
            # Reversing i..j replaces the links prev->entry[i] and exit[j]->entry[j+1] by
            # prev->exit[j] and entry[i]->entry[j+1] (a reversed open path swaps its ends;
            # a closed one enters and leaves at the same point).
            nxt = np.vstack([entries[i + 2 :], [np.nan, np.nan]])  # entry[j+1], nan after the last
            old = np.hypot(*(entries[i] - prev)) + np.nan_to_num(np.hypot(*(nxt - exits[js]).T))
            new = np.hypot(*(exits[js] - prev).T) + np.nan_to_num(np.hypot(*(nxt - entries[i]).T))
            gain = old - new
            for j in js[np.argsort(-gain)][:20]:
                if gain[j - i - 1] <= 1e-9:
                    break
                if _keeps_precedence(order, i, int(j), after):
                    j = int(j)
                    segment = [_reversed(p, closed[p.index]) for p in reversed(order[i : j + 1])]
                    order[i : j + 1] = segment
                    seg_entries = entries[i : j + 1][::-1].copy()
                    seg_exits = exits[i : j + 1][::-1].copy()
                    seg_closed = is_closed[i : j + 1][::-1].copy()
                    entries[i : j + 1] = np.where(seg_closed[:, None], seg_entries, seg_exits)
                    exits[i : j + 1] = np.where(seg_closed[:, None], seg_exits, seg_entries)
                    is_closed[i : j + 1] = seg_closed
                    improved = True
                    break
            if time.monotonic() > deadline:
                break
    return order


def _reversed(p: Placed, is_closed: bool) -> Placed:
    # A closed path enters and leaves at the same point: keep its direction (climb milling,
    # blade trailing) and only move it in the order.
    return p if is_closed else Placed(p.index, p.points[::-1].copy())


def _keeps_precedence(order: list[Placed], i: int, j: int, after: list[set[int]]) -> bool:
    segment = {p.index for p in order[i : j + 1]}
    return all(not (after[p.index] & segment) for p in order[i : j + 1])
