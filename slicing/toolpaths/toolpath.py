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
                f"{len(far)} path(s) lie more than {MAX_COORDINATE_MM / 1000:g} m from the origin: they are left out.",
                f"{len(far)} tracé(s) sont à plus de {MAX_COORDINATE_MM / 1000:g} m de l'origine : ils sont écartés.",
                "Check the file's units and scale.",
                "Vérifiez les unités et l'échelle du fichier.",
                {"source": far[0].source},
            )
        )
    if not contours:
        issues.append(
            make_issue(
                "nothing_to_cut",
                "error",
                "The design has no path to cut or engrave.",
                "Le dessin ne contient aucun tracé à découper ou graver.",
                "Convert text and shapes to paths before exporting.",
                "Convertissez textes et formes en tracés avant l'export.",
            )
        )
    dupes = sum(c.duplicates for c in contours)
    if dupes:
        first = next(c for c in contours if c.duplicates)
        issues.append(
            make_issue(
                "duplicate_paths",
                "info",
                f"{dupes} path(s) were drawn twice on top of another: each is cut once.",
                f"{dupes} tracé(s) étaient dessinés en double : chacun n'est découpé qu'une fois.",
                "Remove duplicate lines in your design software.",
                "Supprimez les lignes en double dans votre logiciel de dessin.",
                first.location(),
            )
        )
    if drawing.texts:
        issues.append(
            make_issue(
                "text_not_cut",
                "warning",
                f"{len(drawing.texts)} text element(s) are not cut: only paths are.",
                f"{len(drawing.texts)} texte(s) ne seront pas découpés : seuls les tracés le sont.",
                "Convert text to paths (Inkscape: Path > Object to Path).",
                "Convertissez le texte en tracés (Inkscape : Chemin > Objet en chemin).",
                {"source": drawing.texts[0].get("source")},
            )
        )
    if drawing.images:
        issues.append(
            make_issue(
                "image_not_engraved",
                "warning",
                f"{len(drawing.images)} image(s) are ignored: raster engraving is not supported.",
                f"{len(drawing.images)} image(s) ignorée(s) : la gravure d'images n'est pas prise en charge.",
                "Trace the image to vector paths.",
                "Vectorisez l'image en tracés.",
                {"source": drawing.images[0].get("source")},
            )
        )
    return issues
