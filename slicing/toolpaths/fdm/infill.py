"""Rectilinear infill with its lines linked along the area's edge, as PrusaSlicer lays it.

PrusaSlicer (infill_anchor, infill_anchor_max) joins the ends of neighbouring lines by a piece
of the infill area's outline, shortest links first, never closing a loop: sparse infill
becomes zigzags hugging the walls (links up to infill_anchor_max, 50 mm), solid infill links
every pair it can. An end left alone gets an anchor along the outline (infill_anchor, 600 % of
the line width). The lines and links run half a line width inside the infill area (the area
already overlaps the walls by infill_overlap). On a 20 mm cube the links are a fifth of the
sparse infill's plastic: leaving them out was most of the built-in slicer's shortfall.
"""

from __future__ import annotations

import numpy as np

from slicing.toolpaths.hatching import Scanlines, scanlines


class _Outline:
    """The infill area's rings as one table: points, and each point's distance along its ring
    shifted so that one sorted array serves every ring (searchsorted for all ends at once)."""

    def __init__(self, sc: Scanlines) -> None:
        sizes = np.array([len(r) for r in sc.rings])
        self.start = np.concatenate([[0], np.cumsum(sizes)[:-1]])  # first point of each ring
        self.size = sizes
        self.length = np.array([c[-1] for c in sc.ring_cum])
        self.shift = np.concatenate([[0.0], np.cumsum(self.length + 1.0)[:-1]])
        self.points = np.concatenate(sc.rings)
        self.key = np.concatenate([c + s for c, s in zip(sc.ring_cum, self.shift, strict=True)])

    def after(self, ring: np.ndarray, arc: np.ndarray) -> np.ndarray:
        """Index (in the ring) of the first point strictly past `arc`."""
        return np.searchsorted(self.key, arc + self.shift[ring], side="right") - self.start[ring]

    def reach(self, ring: np.ndarray, arc: np.ndarray) -> np.ndarray:
        """Index (in the ring) of the first point at or past `arc`."""
        return np.searchsorted(self.key, arc + self.shift[ring], side="left") - self.start[ring]

    def point_at(self, ring: np.ndarray, arc: np.ndarray) -> np.ndarray:
        k = np.searchsorted(self.key, arc + self.shift[ring], side="right") - 1
        k = np.clip(k, self.start[ring], self.start[ring] + self.size[ring] - 2)
        span = self.key[k + 1] - self.key[k]
        t = np.where(span > 0, (arc + self.shift[ring] - self.key[k]) / np.where(span > 0, span, 1.0), 0.0)
        return self.points[k] + t[:, None] * (self.points[k + 1] - self.points[k])


def linked_infill(area, spacing: float, angle_deg: float, max_link: float, anchor: float) -> list[np.ndarray]:
    """Polylines filling `area` with lines `spacing` apart, linked along its outline by pieces
    up to `max_link` long; free ends anchored by up to `anchor` along it."""
    sc = scanlines(area, spacing, angle_deg, with_rings=True)
    if sc is None or len(sc.segs) == 0:
        return []
    n = len(sc.segs)
    ring, arc = sc.ring.ravel(), sc.arc.ravel()  # end e = 2 * line + side
    outline = _Outline(sc)
    order = np.lexsort((arc, ring))
    r_sorted = ring[order]
    nxt = np.concatenate((order[1:], order[:1]))
    last = np.append(r_sorted[1:] != r_sorted[:-1], True)
    firsts = np.concatenate(([0], np.nonzero(last)[0][:-1] + 1))
    nxt[last] = order[firsts]  # the last end on a ring is followed by its first
    gap = (arc[nxt] - arc[order]) % outline.length[r_sorted]
    gap[order == nxt] = np.inf
    after = np.empty(2 * n, dtype=np.int64)
    after[order] = nxt
    gap_after = np.empty(2 * n)
    gap_after[order] = gap
    before = np.empty(2 * n, dtype=np.int64)
    before[nxt] = order
    partner = [-1] * (2 * n)
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    cand = np.nonzero(gap_after <= max_link)[0]
    after_l = after.tolist()
    for e in cand[np.argsort(gap_after[cand], kind="stable")].tolist():
        f = after_l[e]
        if partner[e] >= 0 or partner[f] >= 0:
            continue
        a, b = find(e >> 1), find(f >> 1)
        if a == b:
            continue
        parent[a] = b
        partner[e], partner[f] = f, e
    tips = _anchors(outline, ring, arc, np.asarray(partner) < 0, gap_after, before, anchor)
    return _chains(sc, outline, partner, after_l, arc, tips)


def _anchors(outline: _Outline, ring, arc, free, gap_after, before, anchor: float):
    """Anchors of the free ends: along the outline toward the nearer neighbouring end, at most
    `anchor` long and half the way there (the neighbour may anchor toward it too). For each
    end: the distance (signed: negative goes back along the ring) and the anchor's tip."""
    ahead, back = gap_after, gap_after[before]
    reach = np.minimum(anchor, 0.5 * np.minimum(ahead, back))
    reach = np.minimum(reach, 0.5 * outline.length[ring])
    use = free & (reach > 1e-3) & (anchor > 0)
    signed = np.where(ahead <= back, reach, -reach)
    signed[~use] = 0.0
    tip_arc = np.mod(arc + signed, outline.length[ring])
    tips = np.zeros((len(arc), 2))
    if use.any():
        tips[use] = outline.point_at(ring[use], tip_arc[use])
    return signed, tip_arc, tips


def _chains(sc: Scanlines, outline: _Outline, partner: list[int], after_l: list[int], arc, tips) -> list[np.ndarray]:
    """Walk the linked lines into polylines: indices into one table of line ends, ring points
    and anchor tips, gathered by a plain loop over ints, then one fancy index per polyline."""
    n = len(sc.segs)
    ring = sc.ring.ravel()
    signed, tip_arc, tip_pts = tips
    table = np.concatenate([sc.segs.reshape(-1, 2), outline.points, tip_pts])
    base, tip_base = 2 * n, 2 * n + len(outline.points)
    lo_l = outline.after(ring, arc).tolist()  # ring points strictly after each end
    hi_l = outline.reach(ring, arc).tolist()  # ring points at or after it
    tip_lo = outline.after(ring, tip_arc).tolist()
    tip_hi = outline.reach(ring, tip_arc).tolist()
    ring_l, arc_l, signed_l = ring.tolist(), arc.tolist(), signed.tolist()
    first_l = (outline.start + base).tolist()
    size_l = outline.size.tolist()

    def between(r: int, a_lo: int, b_hi: int, wraps: bool) -> list[int]:
        """Ring r's points going forward from index a_lo up to (not including) b_hi."""
        o, m = first_l[r], size_l[r]
        if not wraps:
            return list(range(o + a_lo, o + b_hi))
        return list(range(o + a_lo, o + m - 1)) + list(range(o, o + b_hi))  # its last point repeats its first

    def link(x: int, f: int) -> list[int]:
        a, b = (x, f) if after_l[x] == f else (f, x)
        pts = between(ring_l[a], lo_l[a], hi_l[b], arc_l[b] < arc_l[a])
        return pts if a == x else pts[::-1]

    def anchor(x: int) -> list[int]:
        """From end x along its anchor to the tip."""
        s = signed_l[x]
        if s == 0.0:
            return []
        r = ring_l[x]
        if s > 0:
            pts = between(r, lo_l[x], tip_hi[x], arc_l[x] + s >= outline.length[r])
        else:
            pts = between(r, tip_lo[x], hi_l[x], arc_l[x] + s < 0)[::-1]
        return pts + [tip_base + x]

    seen = bytearray(n)
    out: list[np.ndarray] = []
    for start in [e for e in range(2 * n) if partner[e] < 0]:
        if seen[start >> 1]:
            continue
        idx = anchor(start)[::-1]
        e = start
        while True:
            seen[e >> 1] = 1
            idx += (e, e ^ 1)
            f = partner[e ^ 1]
            if f < 0:
                break
            idx += link(e ^ 1, f)
            e = f
        idx += anchor(e ^ 1)
        out.append(table[idx])
    return out
