"""2D validation: open contours, double cuts, zero-length and self-crossing paths, text and
images, fit on the bed, features too narrow for the kerf/tool/blade, vinyl islands."""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely

from slicing.analysis.chains import Chains
from slicing.analysis.orientation import fits_flat
from slicing.geometry import Drawing
from slicing.machine_spec import Machine
from slicing.toolpaths.issues import make_issue

MAX_LOCATIONS = 20
AUTO_CLOSE_MM = 0.1  # gaps up to this are closed by the toolpaths without asking
SUGGEST_CLOSE_MM = 1.0


def _mm(v: float) -> str:
    return f"{v:.2f}".rstrip("0").rstrip(".")


def _xy(p) -> list[float]:
    return [round(float(p[0]), 2), round(float(p[1]), 2)]


def open_contour_issue(chains: Chains) -> dict[str, Any] | None:
    if len(chains.loose_ends) == 0:
        return None
    gaps = chains.gaps[np.isfinite(chains.gaps)]
    small = int((gaps <= SUGGEST_CLOSE_MM).sum())
    worst = np.argsort(chains.gaps)[:MAX_LOCATIONS]
    where = {"loose_ends": int(len(chains.loose_ends)), "points": [_xy(chains.loose_ends[i]) for i in worst],
             "sources": [chains.loose_sources[i] for i in worst],
             "gaps_mm": [round(float(chains.gaps[i]), 3) if np.isfinite(chains.gaps[i]) else None for i in worst]}
    gap_fr = gap_en = ""
    if len(gaps):
        gap_fr = f" Le plus petit écart est de {_mm(float(gaps.min()))} mm."
        gap_en = f" The smallest gap is {_mm(float(gaps.min()))} mm."
        if small:
            gap_fr += f" {small} extrémité(s) à moins de {_mm(SUGGEST_CLOSE_MM)} mm d'une autre peuvent être refermées."
            gap_en += f" {small} end(s) within {_mm(SUGGEST_CLOSE_MM)} mm of another can be closed."
    all_tiny = len(gaps) == len(chains.loose_ends) and len(gaps) and gaps.max() <= AUTO_CLOSE_MM
    return make_issue(
        "open_contours", "info" if all_tiny else "warning",
        f"{len(chains.loose_ends)} loose end(s): some outlines are not closed, so the part will not come out "
        f"of the sheet there.{gap_en}",
        f"{len(chains.loose_ends)} extrémité(s) libre(s) : certains contours ne sont pas fermés, la pièce ne "
        f"se détachera pas à cet endroit.{gap_fr}",
        "Join the ends: Inkscape Path > Join (Ctrl+J) on the selected nodes; in CAD use JOIN / PEDIT to make "
        "closed polylines.",
        "Reliez les extrémités : dans Inkscape, sélectionnez les nœuds puis « Joindre les nœuds » (Ctrl+J) ; en "
        "CAO, utilisez JOINDRE / PEDIT pour obtenir des polylignes fermées.",
        where,
    )


def _segments(drawing: Drawing, limit: int = 500_000) -> tuple[np.ndarray, np.ndarray]:
    """All segments (k, 2, 2) and the path index of each, capped at `limit`."""
    segs, owner = [], []
    total = 0
    for i, p in enumerate(drawing.paths):
        pts = p.points
        if len(pts) < 2:
            continue
        if p.closed:
            pts = np.vstack([pts, pts[:1]])
        s = np.stack([pts[:-1], pts[1:]], axis=1)
        segs.append(s)
        owner.append(np.full(len(s), i))
        total += len(s)
        if total > limit:
            break
    if not segs:
        return np.zeros((0, 2, 2)), np.zeros(0, dtype=int)
    return np.concatenate(segs), np.concatenate(owner)


def zero_length_issue(drawing: Drawing, segs: np.ndarray, owner: np.ndarray) -> dict[str, Any] | None:
    lengths = np.hypot(*(segs[:, 1] - segs[:, 0]).T) if len(segs) else np.zeros(0)
    zero = np.flatnonzero(lengths < 1e-6)
    points_only = [i for i, p in enumerate(drawing.paths) if len(p.points) < 2]
    if len(zero) == 0 and not points_only:
        return None
    n = len(zero) + len(points_only)
    return make_issue(
        "zero_length_segments", "info",
        f"{n} segment(s) or path(s) have zero length; they are ignored.",
        f"{n} segment(s) ou tracé(s) ont une longueur nulle ; ils sont ignorés.",
        "Harmless; 'Simplify' or deleting the stray points removes them.",
        "Sans gravité ; « Simplifier » ou la suppression des points isolés les enlève.",
        {"points": [_xy(segs[i, 0]) for i in zero[:MAX_LOCATIONS]],
         "sources": sorted({str(drawing.paths[owner[i]].source) for i in zero[:MAX_LOCATIONS]})},
    )


def overlap_issue(drawing: Drawing, segs: np.ndarray, owner: np.ndarray, tol: float = 0.01) -> dict[str, Any] | None:
    """Collinear segments covering the same stretch: the machine would cut there twice."""
    d = segs[:, 1] - segs[:, 0]
    length = np.hypot(d[:, 0], d[:, 1])
    ok = length > 1e-6
    segs, owner, d, length = segs[ok], owner[ok], d[ok], length[ok]
    if len(segs) < 2:
        return None
    theta = np.mod(np.arctan2(d[:, 1], d[:, 0]), np.pi)
    theta[theta > np.pi - 1e-6] = 0.0
    u = np.column_stack([np.cos(theta), np.sin(theta)])
    rho = segs[:, 0, 0] * -u[:, 1] + segs[:, 0, 1] * u[:, 0]
    t0 = np.einsum("ij,ij->i", segs[:, 0], u)
    t1 = np.einsum("ij,ij->i", segs[:, 1], u)
    lo, hi = np.minimum(t0, t1), np.maximum(t0, t1)
    key_a = np.round(theta / 1e-4).astype(np.int64)
    key_r = np.round(rho / tol).astype(np.int64)
    order = np.lexsort((lo, key_r, key_a))
    ka, kr, lo, hi = key_a[order], key_r[order], lo[order], hi[order]
    new_group = np.r_[True, (ka[1:] != ka[:-1]) | (kr[1:] != kr[:-1])]
    group = np.cumsum(new_group)
    span = 2 * (np.abs(hi).max() + 1)
    run = np.maximum.accumulate(hi + group * span) - group * span
    prev = np.r_[-np.inf, run[:-1]]
    overlap = (~new_group) & (lo < prev - tol)
    if not overlap.any():
        return None
    amount = np.minimum(hi, prev) - lo
    total = float(amount[overlap].sum())
    idx = order[overlap]
    mids = (segs[idx, 0] + segs[idx, 1]) / 2
    return make_issue(
        "duplicate_segments", "warning",
        f"{int(overlap.sum())} segment(s) lie on top of others ({_mm(total)} mm in all): the machine would cut "
        "or engrave there twice (burnt edges, wasted time).",
        f"{int(overlap.sum())} segment(s) sont superposés à d'autres ({_mm(total)} mm au total) : la machine "
        "passerait deux fois au même endroit (bords brûlés, temps perdu).",
        "Delete the duplicates: Inkscape Extensions > Generate from Path > ... or Edit > Select Same > "
        "Object type then remove doubles; in CAD use OVERKILL.",
        "Supprimez les doublons : dans Inkscape, repérez les objets superposés (Édition > Sélectionner "
        "même) et effacez-les ; en CAO, utilisez la commande NETTOYER / OVERKILL.",
        {"overlap_mm": round(total, 2), "points": [_xy(m) for m in mids[:MAX_LOCATIONS]],
         "sources": sorted({str(drawing.paths[owner[i]].source) for i in idx[:MAX_LOCATIONS]})},
    )


def self_intersection_issue(drawing: Drawing, limit: int = 20_000) -> dict[str, Any] | None:
    idx = [i for i, p in enumerate(drawing.paths) if len(p.points) >= 3][:limit]
    if not idx:
        return None
    lines = [np.vstack([drawing.paths[i].points, drawing.paths[i].points[:1]]) if drawing.paths[i].closed
             else drawing.paths[i].points for i in idx]
    geoms = shapely.linestrings(np.vstack(lines), indices=np.repeat(np.arange(len(lines)), [len(x) for x in lines]))
    bad = np.flatnonzero(~shapely.is_simple(geoms))
    if len(bad) == 0:
        return None
    points = []
    for k in bad[:MAX_LOCATIONS]:
        g = geoms[k]
        try:
            nodes = shapely.node(g)
            coords = shapely.get_coordinates(nodes)
            uniq, counts = np.unique(np.round(coords, 6), axis=0, return_counts=True)
            cross = uniq[counts > 2] if (counts > 2).any() else uniq[:1]
            points.append(_xy(cross[0]))
        except shapely.errors.GEOSException:
            points.append(_xy(drawing.paths[idx[k]].points[0]))
    return make_issue(
        "self_intersections", "warning",
        f"{len(bad)} path(s) cross themselves: the inside of such a shape is ambiguous (offsets, fills and "
        "kerf compensation can go wrong).",
        f"{len(bad)} tracé(s) se croisent eux-mêmes : l'intérieur d'une telle forme est ambigu (décalages, "
        "remplissages et compensation du trait de coupe peuvent être faux).",
        "Redraw the crossing part, or in Inkscape use Path > Union on the shape to clean it.",
        "Redessinez la partie qui se croise, ou dans Inkscape appliquez Chemin > Union à la forme pour la "
        "nettoyer.",
        {"points": points, "sources": [drawing.paths[idx[k]].source for k in bad[:MAX_LOCATIONS]]},
    )


def text_image_issues(drawing: Drawing) -> list[dict[str, Any]]:
    issues = []
    if drawing.texts:
        issues.append(make_issue(
            "text_not_outlined", "warning",
            f"{len(drawing.texts)} text element(s) are real text, not outlines: the machine cannot follow "
            "letters it does not have the shapes of; they are left out.",
            f"{len(drawing.texts)} texte(s) sont du vrai texte et non des contours : la machine ne peut pas "
            "suivre des lettres dont elle n'a pas la forme ; ils sont ignorés.",
            "Convert the text to paths: Inkscape Path > Object to Path (Shift+Ctrl+C); Illustrator Type > "
            "Create Outlines; in CAD, EXPLODE the text.",
            "Convertissez le texte en chemins : Inkscape Chemin > Objet en chemin (Maj+Ctrl+C) ; Illustrator "
            "Texte > Vectoriser ; en CAO, DÉCOMPOSEZ le texte.",
            {"texts": [{"source": t.get("source"), "text": str(t.get("text", ""))[:40],
                        "x": round(t["x"], 2) if t.get("x") is not None else None,
                        "y": round(t["y"], 2) if t.get("y") is not None else None}
                       for t in drawing.texts[:MAX_LOCATIONS]]},
        ))
    if drawing.images:
        issues.append(make_issue(
            "raster_image", "warning",
            f"{len(drawing.images)} bitmap image(s) (photo, scan): they cannot be cut and are left out.",
            f"{len(drawing.images)} image(s) matricielle(s) (photo, scan) : elles ne peuvent pas être découpées "
            "et sont ignorées.",
            "Vectorise them: Inkscape Path > Trace Bitmap, then delete the image.",
            "Vectorisez-les : Inkscape Chemin > Vectoriser un objet matriciel, puis supprimez l'image.",
            {"images": [{k: (round(v, 2) if isinstance(v, float) else v) for k, v in im.items()}
                        for im in drawing.images[:MAX_LOCATIONS]]},
        ))
    return issues


def fit_issues(bbox: list[float], machines: list[Machine]) -> list[dict[str, Any]]:
    issues = []
    w, h = bbox
    for m in machines:
        area = (m.work_area.x, m.work_area.y)
        how = fits_flat(w, h, area)
        where = {"machine": m.id, "bbox_mm": [w, h], "bed_mm": list(area)}
        if how is None:
            issues.append(make_issue(
                "drawing_too_big", "error",
                f"The design ({_mm(w)} × {_mm(h)} mm) is bigger than the bed of {m.name} ({_mm(area[0])} × "
                f"{_mm(area[1])} mm).",
                f"Le dessin ({_mm(w)} × {_mm(h)} mm) est plus grand que le plateau de {m.name} "
                f"({_mm(area[0])} × {_mm(area[1])} mm).",
                "Scale it down, or split it into several files that each fit.",
                "Réduisez-le, ou répartissez-le en plusieurs fichiers qui rentrent chacun.",
                where,
            ))
        elif how == "rotated":
            issues.append(make_issue(
                "drawing_needs_rotation", "info",
                f"The design fits {m.name} once turned by 90° ({_mm(h)} × {_mm(w)} mm).",
                f"Le dessin rentre dans {m.name} une fois tourné de 90° ({_mm(h)} × {_mm(w)} mm).",
                "Nothing to do: the fabmanager will place it; or rotate it yourself.",
                "Rien à faire : le fabmanager le placera ; ou tournez-le vous-même.",
                where,
            ))
    return issues
