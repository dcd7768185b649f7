"""Generated shapes for the toolpath tests (a module of its own: `conftest` is ambiguous)."""

from __future__ import annotations

import numpy as np


def square(x: float, y: float, size: float, clockwise: bool = False) -> np.ndarray:
    pts = np.array([[x, y], [x + size, y], [x + size, y + size], [x, y + size]], dtype=float)
    return pts[::-1].copy() if clockwise else pts


def circle(cx: float, cy: float, r: float, n: int = 64) -> np.ndarray:
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    return np.column_stack([cx + r * np.cos(t), cy + r * np.sin(t)])
