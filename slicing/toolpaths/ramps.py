"""Ramp entry for a router: go down along the loop instead of plunging straight in.

An end mill plunging at full depth rubs and heats; ramping down along the path at a few
degrees keeps it cutting with its side. The stretch cut while ramping is cut again at full
depth at the end of the loop, so the loop is complete at its depth.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from slicing.toolpaths.tabs import cumulative


@dataclass
class Ramp:
    descent: np.ndarray  # (n, 3): x, y, z down to the pass depth
    loop: np.ndarray  # (m, 2): the closed loop restarted where the descent ends


def ramp_entry(path: np.ndarray, z_from: float, z_to: float, angle_deg: float) -> Ramp | None:
    """The ramp down a closed path (first point repeated last), or None when the loop is too
    short for it (then the caller plunges)."""
    drop = z_from - z_to
    if drop <= 0 or angle_deg <= 0 or len(path) < 3:
        return None
    length = drop / math.tan(math.radians(angle_deg))
    s = cumulative(path)
    if length > 0.9 * s[-1]:
        return None
    k = int(np.searchsorted(s, length, side="right"))  # first vertex past the ramp's end
    q = np.array([np.interp(length, s, path[:, 0]), np.interp(length, s, path[:, 1])])
    xy = np.vstack([path[1:k], q])
    z = z_from - drop * np.concatenate([s[1:k], [length]]) / length
    descent = np.column_stack([xy, z])
    loop = np.vstack([q, path[k:], path[1:k], q])
    return Ramp(descent, loop)
