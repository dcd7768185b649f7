"""Kerf / tool-radius compensation that follows containment.

An outer contour (even depth) is offset outward and a hole (odd depth) inward, so the
beam's or tool's edge, not its centre, runs on the drawn line and the part comes out at
its drawn size. Open paths are not offset: they have no inside.
"""

from __future__ import annotations

import numpy as np

from slicing.toolpaths.contours import Contour
from slicing.toolpaths.offsets import offset_contour


def compensate(contour: Contour, depth: int, distance: float, join: str = "mitre") -> list[np.ndarray]:
    """The path(s) the beam/tool centre follows; [] when the offset swallows the contour."""
    if not contour.closed or distance == 0:
        return [contour.points]
    signed = distance if depth % 2 == 0 else -distance
    return offset_contour(contour.points, signed, join)
