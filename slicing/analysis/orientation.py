"""Does a part fit a build volume, and in which of the 24 axis-aligned orientations.

A 90° rotation only permutes the bounding box's extents, so the 24 orientations give 6
distinct boxes; each is tied to the rotation a user would make in the slicer.
"""

from __future__ import annotations

from itertools import permutations

import numpy as np


def fitting_orientations(extents: np.ndarray, volume: tuple[float, float, float]) -> list[dict]:
    """The orientations whose box fits `volume` (x, y, z), as-is first, then the lowest (fastest)."""
    fits = []
    for order in permutations(range(3)):
        box = extents[list(order)]
        if box[0] <= volume[0] and box[1] <= volume[1] and (volume[2] <= 0 or box[2] <= volume[2]):
            fits.append({"axes": list(order), "bbox_mm": [round(float(v), 2) for v in box],
                         "rotation": ",".join(map(str, order))})
    fits.sort(key=lambda f: (f["axes"] != [0, 1, 2], f["bbox_mm"][2]))
    return fits


def fits_flat(width: float, height: float, area: tuple[float, float]) -> str | None:
    """'as_is', 'rotated' (90° on the bed) or None for a 2D design on a bed or sheet."""
    if width <= area[0] and height <= area[1]:
        return "as_is"
    if height <= area[0] and width <= area[1]:
        return "rotated"
    return None
