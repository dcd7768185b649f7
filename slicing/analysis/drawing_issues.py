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
    smallest = _mm(float(gaps.min())) if len(gaps) else None
    all_tiny = len(gaps) == len(chains.loose_ends) and len(gaps) and gaps.max() <= AUTO_CLOSE_MM
    return make_issue(
        "open_contours", "info" if all_tiny else "warning", where,
        n_loose_ends=len(chains.loose_ends), smallest_gap=smallest,
        closable=small if smallest is not None else 0, close_mm=_mm(SUGGEST_CLOSE_MM),
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
        "zero_length_segments",
        "info",
        {"points": [_xy(segs[i, 0]) for i in zero[:MAX_LOCATIONS]],
         "sources": sorted({str(drawing.paths[owner[i]].source) for i in zero[:MAX_LOCATIONS]})},
        n=n,
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
        "duplicate_segments",
        "warning",
        {"overlap_mm": round(total, 2), "points": [_xy(m) for m in mids[:MAX_LOCATIONS]],
         "sources": sorted({str(drawing.paths[owner[i]].source) for i in idx[:MAX_LOCATIONS]})},
        sum=int(overlap.sum()),
        total=_mm(total),
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
        "self_intersections",
        "warning",
        {"points": points, "sources": [drawing.paths[idx[k]].source for k in bad[:MAX_LOCATIONS]]},
        n_bad=len(bad),
    )


def text_image_issues(drawing: Drawing) -> list[dict[str, Any]]:
    issues = []
    if drawing.texts:
        issues.append(make_issue(
            "text_not_outlined",
            "warning",
            {"texts": [{"source": t.get("source"), "text": str(t.get("text", ""))[:40],
                        "x": round(t["x"], 2) if t.get("x") is not None else None,
                        "y": round(t["y"], 2) if t.get("y") is not None else None}
                       for t in drawing.texts[:MAX_LOCATIONS]]},
            n_texts=len(drawing.texts),
        ))
    if drawing.images:
        issues.append(make_issue(
            "raster_image",
            "warning",
            {"images": [{k: (round(v, 2) if isinstance(v, float) else v) for k, v in im.items()}
                        for im in drawing.images[:MAX_LOCATIONS]]},
            n_images=len(drawing.images),
        ))
    return issues


def fit_issues(bbox: list[float], machines: list[Machine], margins: dict[str, float] | None = None) -> list[dict[str, Any]]:
    """Fit on each bed; `margins` (per machine id, mm) is what the process adds around the design."""
    issues = []
    w0, h0 = bbox
    for m in machines:
        area = (m.work_area.x, m.work_area.y)
        extra = (margins or {}).get(m.id, 0.0)
        w, h = round(w0 + extra, 2), round(h0 + extra, 2)
        how = fits_flat(w, h, area)
        where = {"machine": m.id, "bbox_mm": [w, h], "bed_mm": list(area)}
        if how is None:
            issues.append(make_issue(
                "drawing_too_big",
                "error",
                where,
                w=_mm(w),
                h=_mm(h),
                name=m.name,
                area=_mm(area[0]),
                area2=_mm(area[1]),
            ))
        elif how == "rotated":
            issues.append(make_issue(
                "drawing_needs_rotation",
                "info",
                where,
                name=m.name,
                h=_mm(h),
                w=_mm(w),
            ))
    return issues
