"""What the first layer holds: the area of the part's cross-section just above the bed.

A part resting on a point or an edge (a sphere, a cone on its tip, a lumpy sculpt) has almost
nothing in its first layer: PrusaSlicer then refuses the whole model ("There is an object
with no extrusions in the first layer"), and on any slicer the part may come off the bed. The
cross-section is measured without chaining contours: each face crossing the plane gives one
segment, oriented by the face's outward normal so the solid lies on its left, and the
shoelace sum of the segments is the enclosed area (holes count negative, as they should).
"""

from __future__ import annotations

import numpy as np


def _bounds_in(dtype: np.dtype, z: float) -> tuple[np.floating, np.floating]:
    """(a, b) in `dtype` with v < z exactly when v < a, and v > z exactly when v > b, for any
    v of that dtype: the nearest values of the dtype at or above z and at or below it. Float32
    corners are then compared with a float64 height without widening every one of them."""
    if dtype != np.float32:
        return np.float64(z), np.float64(z)
    above = below = np.float32(z)
    if float(above) < z:
        above = np.nextafter(above, np.float32(np.inf))
    if float(below) > z:
        below = np.nextafter(below, np.float32(-np.inf))
    return above, below


def section_area_mm2(triangles: np.ndarray, z: float,
                     z_range: tuple[np.ndarray, np.ndarray] | None = None) -> float:
    """Area of the cross-section of a closed, outward-wound mesh at height `z` (mm²).
    `z_range`: each face's lowest and highest z in the corners' dtype when already known
    (slicing.analysis.mesh_facts), else taken from the corners."""
    triangles = np.asarray(triangles)
    # Only the faces that cross are widened to float64 (the cast is exact); the three corners'
    # z are compared as columns (a min over an axis of three values is ~10x slower), in their
    # own dtype against bounds that give the exact comparison with z.
    if z_range is None:
        z0, z1, z2 = triangles[:, 0, 2], triangles[:, 1, 2], triangles[:, 2, 2]
        z_range = np.minimum(np.minimum(z0, z1), z2), np.maximum(np.maximum(z0, z1), z2)
    above, below = _bounds_in(triangles.dtype, z)
    crossing = z_range[0] < above
    crossing &= z_range[1] > below
    if not crossing.any():
        return 0.0
    t = triangles[crossing].astype(np.float64)
    below = t[:, :, 2] < z
    points = []
    for a, b in ((0, 1), (1, 2), (2, 0)):  # each edge that crosses the plane gives one end point
        za, zb = t[:, a, 2], t[:, b, 2]
        cuts = below[:, a] != below[:, b]
        f = np.where(cuts, (z - za) / np.where(cuts, zb - za, 1.0), 0.0)
        p = t[:, a, :2] + f[:, None] * (t[:, b, :2] - t[:, a, :2])
        points.append((cuts, p))
    # The two cut edges of each face (a face crossing the plane cuts exactly two of its edges).
    cut_mask = np.stack([c for c, _ in points], axis=1)
    all_points = np.stack([p for _, p in points], axis=1)
    first = np.argmax(cut_mask, axis=1)
    second = 2 - np.argmax(cut_mask[:, ::-1], axis=1)
    rows = np.arange(len(t))
    p, q = all_points[rows, first], all_points[rows, second]
    normal = np.cross(t[:, 1] - t[:, 0], t[:, 2] - t[:, 0])
    tangent = np.column_stack([-normal[:, 1], normal[:, 0]])  # z x n: the solid is on its left
    flip = np.einsum("ij,ij->i", q - p, tangent) < 0
    p[flip], q[flip] = q[flip].copy(), p[flip].copy()
    return float(0.5 * np.sum(p[:, 0] * q[:, 1] - p[:, 1] * q[:, 0]))


def first_layer_check(triangles: np.ndarray, bbox_min_z: float, machines: list,
                      z_range: tuple[np.ndarray, np.ndarray] | None = None) -> tuple[float, dict | None]:
    """(first-layer area in mm², the issue when it holds less than one nozzle-wide square).

    The area is taken where the slicer cuts the first layer (half its height above the bed)
    for the first machine; the issue says which of the machines' configured slicers refuse
    such a model (PrusaSlicer, used by `slicer: auto` when installed, or `slicer: prusaslicer`)
    and whether the built-in slicer takes over (auto) or `prepare` will fail (prusaslicer).
    """
    from slicing.prusaslicer_exe import prusaslicer_path
    from slicing.toolpaths.issues import make_issue

    if not machines:
        return 0.0, None
    main = machines[0]
    layer = float(main.process.get("layer_height_mm", 0.2))
    first = float(main.process.get("first_layer_height_mm", layer))
    nozzle = float(main.process.get("nozzle_mm", 0.4))
    area = section_area_mm2(triangles, bbox_min_z + first / 2.0, z_range)
    if area >= nozzle * nozzle:
        return area, None
    prusa = prusaslicer_path() is not None
    refusing = [m.id for m in machines
                if str(m.process.get("slicer", "auto")) == "prusaslicer"
                or (str(m.process.get("slicer", "auto")) == "auto" and prusa)]
    insisting = [m.id for m in machines if str(m.process.get("slicer", "auto")) == "prusaslicer"]
    return area, make_issue(
        "mesh_first_layer_empty", "error" if insisting and len(insisting) == len(machines) else "warning",
        {"z_mm": round(bbox_min_z + first / 2.0, 3)},
        area_mm2=round(area, 2), prusaslicer_refuses=bool(refusing), machines=", ".join(refusing),
        prepare_fails=bool(insisting),
    )
