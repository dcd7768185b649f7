"""One toolpath of a 2D process and the drawing-level issues every 2D process reports."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from slicing.geometry import Drawing
from slicing.toolpaths.contours import MAX_COORDINATE_MM, Contour, absurd
from slicing.toolpaths.issues import make_issue


@dataclass
class Toolpath:
    points: np.ndarray  # (n, 2) mm, closed paths without the repeated first point
    closed: bool
    operation: str
    contour: Contour  # the drawn path it comes from
    after: set[int] = field(default_factory=set)  # toolpaths that must be cut before this one
    depth: int = 0  # containment depth of its contour
    group: str | None = None  # ordering group when not the operation ("fill": engraved hatch lines)


def drawing_issues(drawing: Drawing, contours: list[Contour]) -> list[dict[str, Any]]:
    """Empty designs and content a 2D machine cannot follow (text, images)."""
    issues: list[dict[str, Any]] = []
    far = [p for p in drawing.paths if absurd(p.points)]
    if far:
        issues.append(
            make_issue(
                "coordinates_absurd",
                "error",
                {"source": far[0].source},
                n_far=len(far),
                MAX_COORDINATE_MM=MAX_COORDINATE_MM / 1000,
            )
        )
    if not contours:
        issues.append(
            make_issue("drawing_empty", "error")
        )
    dupes = sum(c.duplicates for c in contours)
    if dupes:
        first = next(c for c in contours if c.duplicates)
        issues.append(
            make_issue("duplicate_paths", "info", first.location(), dupes=dupes)
        )
    if drawing.texts:
        issues.append(
            make_issue(
                "text_not_cut",
                "warning",
                {"source": drawing.texts[0].get("source")},
                n_texts=len(drawing.texts),
            )
        )
    if drawing.images:
        issues.append(
            make_issue(
                "image_not_engraved",
                "warning",
                {"source": drawing.images[0].get("source")},
                n_images=len(drawing.images),
            )
        )
    return issues
