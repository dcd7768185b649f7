"""The vectorised passes against a plain re-planning of the firmware's sliding buffer."""

from __future__ import annotations

import numpy as np
import pytest

from slicing.motion.planner import block_times, plan_entries, plan_times, window_cap


def _sliding_buffer(cap: np.ndarray, reach: np.ndarray, lookahead: int) -> np.ndarray:
    """What the firmware does, the slow way: while block j-1 runs, the buffer holds it and the
    next `lookahead` blocks; plan them backward from rest at the buffer's end, then forward from
    block j-1's (already fixed) entry speed, and keep block j's entry."""
    n = len(cap)
    v = np.zeros(n)
    for j in range(n):
        last = min(j + lookahead - 1, n - 1)
        w = min(cap[last], reach[last])
        for k in range(last - 1, j - 1, -1):
            w = min(cap[k], w + reach[k])
        v[j] = w if j == 0 else min(w, v[j - 1] + reach[j - 1])
    return v


@pytest.mark.parametrize("seed", range(40))
def test_closed_form_equals_sliding_buffer(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 80))
    cap = rng.choice([0.0, 1.0, 50.0, 400.0, 1e4], size=n) * rng.random(n)
    reach = rng.exponential(200.0, size=n) * (rng.random(n) < 0.9)
    lookahead = int(rng.integers(1, 20))
    fast = plan_entries(np.minimum(cap, window_cap(reach, lookahead)), reach)
    np.testing.assert_allclose(fast, _sliding_buffer(cap, reach, lookahead), rtol=1e-9, atol=1e-9)


def test_stop_cuts_both_passes():
    # Three 10 mm blocks at 1000 mm/s², 50 mm/s, straight junctions; the planner empties before
    # block 2: block 1 must end at rest and block 2 start at the given speed (jerk start, 5 mm/s).
    length = np.full(3, 10.0)
    accel = np.full(3, 1000.0)
    nominal = np.full(3, 50.0)
    stop = np.array([True, False, True])
    _, entry2, exit2 = plan_times(length, accel, nominal, np.full(3, 2500.0), None, stop, 25.0)
    assert exit2[1] == 0.0 and entry2[2] == 25.0 and entry2[0] == 25.0
    assert entry2[1] == pytest.approx(2500.0)  # 50²: 2·a·L = 20000 leaves room to stop in block 1


def test_block_times_exact_fit_and_empty():
    # 1 mm at 10 mm/s, 100 mm/s²: ramps of v²/2a = 0.5 mm each fill the block exactly, t = 2·v/a.
    t = block_times(np.array([1.0]), np.array([0.0]), np.array([0.0]), np.array([10.0]), np.array([100.0]))
    assert t[0] == pytest.approx(0.2, rel=1e-12)
    assert plan_entries(np.zeros(0), np.zeros(0)).shape == (0,)
