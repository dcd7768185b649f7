"""The look-ahead planner's two passes and the trapezoid/triangle block times, vectorised.

Both firmwares plan junction speeds the same way (GRBL `planner_recalculate`, Marlin
`reverse_pass`/`forward_pass`): with `v[i]` the entry speed² of block i, `cap[i]` its maximum
entry speed² and `c[i] = 2·a·L` the speed² the block can shed or gain over its length,

    backward:  w[i] = min(cap[i], w[i+1] + c[i]),   w[end] = 0
    forward:   v[i] = min(w[i],  v[i-1] + c[i-1])

Each is a min-plus linear recurrence whose closed form is a cumulative sum plus a running
minimum: `w[i] = S[i] + min_{k>=i}(cap[k] - S[k])` with `S` the suffix sum of `c`. So a
million blocks take two `np.minimum.accumulate` calls instead of a million Python steps.

The firmware plans over a buffer of 16 blocks, not the whole program: while block j-1 runs,
the buffer ends `lookahead` blocks after it and the plan stops there. The entry speed of
block j is therefore also capped by `2·Σ a·L` over the `lookahead` blocks from j. That cap
dominates every constraint from beyond the window, so adding it to `cap` and running the
whole-program passes gives the same speeds as re-planning the sliding buffer.
"""

from __future__ import annotations

import numpy as np

GRBL_LOOKAHEAD = 14  # BLOCK_BUFFER_SIZE 16: one slot always empty, one block executing
MARLIN_LOOKAHEAD = 13  # also 16, and the executing block's exit is locked (BLOCK_BUSY)


def window_cap(reach: np.ndarray, lookahead: int | None) -> np.ndarray:
    """2·Σ a·L over the next `lookahead` blocks: the most speed² one can stop from in the buffer."""
    if lookahead is None:
        return np.full(len(reach), np.inf)
    csum = np.concatenate(([0.0], np.cumsum(reach)))
    end = np.minimum(np.arange(len(reach)) + lookahead, len(reach))
    return csum[end] - csum[: len(reach)]


def plan_entries(cap: np.ndarray, reach: np.ndarray, reach_forward: np.ndarray | None = None, final: float = 0.0) -> np.ndarray:
    """Entry speed² of every block after the backward and forward passes (exit of the last: `final`).

    `reach_forward` replaces `reach` in the forward pass (a stop between two blocks cuts the
    forward chain without touching the backward one)."""
    n = len(cap)
    if n == 0:
        return np.zeros(0)
    suffix = np.cumsum(reach[::-1])[::-1]  # S[i] = sum_{k>=i} c[k]
    tail = np.minimum.accumulate((cap - suffix)[::-1])[::-1]
    w = suffix + np.minimum(tail, final)
    forward = reach if reach_forward is None else reach_forward
    prefix = np.concatenate(([0.0], np.cumsum(forward[:-1])))  # P[i] = sum_{k<i} c[k]
    v = prefix + np.minimum.accumulate(w - prefix)
    return np.clip(np.minimum(v, cap), 0.0, None)


def block_times(length: np.ndarray, entry2: np.ndarray, exit2: np.ndarray, nominal: np.ndarray, accel: np.ndarray) -> np.ndarray:
    """Seconds for each block: accelerate, cruise at `nominal`, decelerate (or a triangle)."""
    v0 = np.sqrt(entry2)
    v1 = np.sqrt(exit2)
    vn2 = nominal * nominal
    two_a = 2.0 * accel
    d_acc = (vn2 - entry2) / two_a
    d_dec = (vn2 - exit2) / two_a
    cruise = length - d_acc - d_dec
    trapezoid = cruise >= 0
    peak2 = np.maximum(np.maximum((two_a * length + entry2 + exit2) * 0.5, entry2), exit2)
    peak = np.where(trapezoid, nominal, np.sqrt(np.minimum(peak2, vn2)))
    t = (peak - v0) / accel + (peak - v1) / accel
    t += np.where(trapezoid, np.maximum(cruise, 0.0) / np.maximum(nominal, 1e-9), 0.0)
    return t


def plan_times(
    length: np.ndarray,
    accel: np.ndarray,
    nominal: np.ndarray,
    junction_cap: np.ndarray,
    lookahead: int | None,
    stop_before: np.ndarray | None = None,
    start_speed2: np.ndarray | float = 0.0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(seconds, entry speed², exit speed²) of every block.

    `junction_cap` is the entry speed² the junction allows (already limited by both nominal
    speeds). `stop_before` marks blocks after which the planner emptied (program start, dwell,
    spindle change, heating wait): the block before ends at rest and this one starts from
    `start_speed2` (0 for GRBL; Marlin's jerk lets it start at its "safe" speed)."""
    if len(length) == 0:
        return np.zeros(0), np.zeros(0), np.zeros(0)
    reach = 2.0 * accel * length
    window = window_cap(reach, lookahead)
    cap = np.minimum(junction_cap, window)
    forward = reach
    stops = np.zeros(0, dtype=np.int64)
    if stop_before is not None and len(cap):
        stops = np.flatnonzero(stop_before)
        start = np.broadcast_to(np.asarray(start_speed2, dtype=float), cap.shape)
        cap[stops] = np.minimum(window[stops], start[stops])  # no junction: the machine was at rest
        before = stops[stops > 0] - 1
        cap[before] = np.minimum(cap[before], reach[before])  # must stop within the last block
        forward = reach.copy()
        forward[before] = 2.0 * float(cap.max(initial=0.0)) + 1.0  # no forward limit across a stop
    entry2 = plan_entries(cap, reach, forward)
    exit2 = np.concatenate((entry2[1:], [0.0]))
    exit2[stops[stops > 0] - 1] = 0.0
    return block_times(length, entry2, exit2, nominal, accel), entry2, exit2
