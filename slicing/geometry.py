"""The geometry every reader produces and every later stage consumes.

2D drawings (SVG, DXF) become `Drawing`: polylines in millimetres, y up, with the hints
(layer, stroke/fill colour, source id) that choose operations. 3D meshes stay trimesh
objects. Curves are flattened by the readers to a chord tolerance (`Drawing.tolerance_mm`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class Path2D:
    """One polyline in mm. `closed` means the last point joins the first (not repeated)."""

    points: np.ndarray  # shape (n, 2), float64, mm
    closed: bool
    layer: str | None = None  # DXF layer or SVG layer/group label
    stroke: str | None = None  # '#rrggbb' or None
    fill: str | None = None  # '#rrggbb' or None
    source: str | None = None  # DXF handle or SVG element id, for issue locations

    def length_mm(self) -> float:
        pts = self.points
        if len(pts) < 2:
            return 0.0
        seg = pts[1:] - pts[:-1]  # np.diff's own arithmetic, without its per-call overhead (35,000 calls on a big DXF)
        total = float(np.hypot(seg[:, 0], seg[:, 1]).sum())
        if self.closed:
            total += float(np.hypot(*(pts[0] - pts[-1])))
        return total


@dataclass
class Drawing:
    """A 2D design: paths plus what could not be turned into paths (text, images)."""

    paths: list[Path2D] = field(default_factory=list)
    texts: list[dict] = field(default_factory=list)  # {"source", "layer", "text", "x", "y"}
    images: list[dict] = field(default_factory=list)  # {"source", "x", "y", "w", "h"}
    units: str = "mm"  # what the file declared, for the unit-confirmation question
    tolerance_mm: float = 0.05

    def scaled(self, factor: float) -> Drawing:
        """The same drawing `factor` times larger: the unit a member chose for a file that did
        not say its own (a unitless DXF read as mm, then chosen as inches: factor 25.4)."""
        paths = [Path2D(points=p.points * factor, closed=p.closed, layer=p.layer, stroke=p.stroke, fill=p.fill,
                        source=p.source) for p in self.paths]
        texts = [{**t, **{k: t[k] * factor for k in ("x", "y") if isinstance(t.get(k), int | float)}} for t in self.texts]
        images = [{**i, **{k: i[k] * factor for k in ("x", "y", "w", "h") if isinstance(i.get(k), int | float)}}
                  for i in self.images]
        return Drawing(paths=paths, texts=texts, images=images, units="chosen", tolerance_mm=self.tolerance_mm)

    def bounds(self) -> tuple[float, float, float, float] | None:
        """(xmin, ymin, xmax, ymax) over all points, or None for an empty drawing."""
        pts = [p.points for p in self.paths if len(p.points)]
        if not pts:
            return None
        allp = np.vstack(pts)
        return (float(allp[:, 0].min()), float(allp[:, 1].min()), float(allp[:, 0].max()), float(allp[:, 1].max()))
