"""Cutting a mesh into layer outlines: trimesh plane sections joined into shapely regions.

Each layer is cut at its mid-height. Section segments are joined into loops
(shapely.linemerge after snapping to a micron) and combined even-odd, so holes and
islands come out right whatever the triangles' winding. Chains left open by a hole in the
mesh are closed across gaps up to CLOSING_GAP_MM; longer open chains are dropped.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import shapely
import trimesh
from shapely.geometry import Polygon
from shapely.ops import linemerge

from slicing.toolpaths.fdm.sections import fast_regions
from slicing.toolpaths.offsets import polygons_of

CLOSING_GAP_MM = 1.0
SIMPLIFY_MM = 0.005


@dataclass
class Layer:
    index: int
    z: float  # top of the layer (nozzle height)
    height: float
    region: object  # shapely (Multi)Polygon, possibly empty


def layer_heights(top: float, first: float, height: float) -> list[tuple[float, float]]:
    """(z_top, thickness) for every layer up to the model's top."""
    out = [(first, first)]
    z = first
    while z + height / 2 < top:
        z = round(z + height, 6)
        out.append((z, height))
    return out


def section_region(mesh: trimesh.Trimesh, z: float):
    lines = trimesh.intersections.mesh_plane(mesh, [0, 0, 1], [0, 0, z])
    if len(lines) == 0:
        return Polygon()
    segs = np.round(np.asarray(lines)[:, :, :2], 6)
    # Built in one vectorised call (not one LineString object per segment: most of the time
    # on a 100 k-triangle mesh went there).
    segs = segs[np.any(segs[:, 0] != segs[:, 1], axis=1)]
    merged = linemerge(shapely.multilinestrings(shapely.linestrings(segs)))
    loops = list(getattr(merged, "geoms", [merged]))
    region = Polygon()
    for loop in loops:
        coords = np.asarray(loop.coords)
        if len(coords) < 4:
            continue
        # An open chain is a hole in the mesh: close it when the gap is small, else it is an
        # internal or dangling surface that bounds nothing.
        if not loop.is_closed and float(np.hypot(*(coords[0] - coords[-1]))) > CLOSING_GAP_MM:
            continue
        poly = Polygon(coords)
        if not poly.is_valid:
            poly = shapely.make_valid(poly)
        for p in polygons_of(poly):
            region = region.symmetric_difference(p)
    return region


class SlicingTooLong(RuntimeError):
    """The built-in slicer ran past its time limit (a huge or pathological mesh)."""


def check_deadline(deadline: float | None) -> None:
    if deadline is not None and time.monotonic() > deadline:
        raise SlicingTooLong


def slice_mesh(mesh: trimesh.Trimesh, first: float, height: float, deadline: float | None = None) -> list[Layer]:
    """Layers of `mesh` (already standing on z = 0): all at once on a closed mesh
    (sections.fast_regions), else one plane at a time."""
    top = float(mesh.bounds[1][2])
    heights = layer_heights(top, first, height)
    planes = np.array([z - h / 2 for z, h in heights])
    regions = fast_regions(mesh, planes, SIMPLIFY_MM)
    layers = []
    for i, (z, h) in enumerate(heights):
        check_deadline(deadline)
        region = regions[i] if regions is not None else section_region(mesh, z - h / 2).simplify(SIMPLIFY_MM)
        layers.append(Layer(i, z, h, region))
    return layers
