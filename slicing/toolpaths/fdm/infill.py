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


def _piece(sc: Scanlines, ring: int, a: float, b: float) -> np.ndarray:
    """The ring's points strictly between arc positions a and b going forward (b may wrap)."""
    pts, cum = sc.rings[ring], sc.ring_cum[ring]
    total = cum[-1]
    if b >= a:
        inner = pts[(cum > a) & (cum < b)]
    else:  # across the ring's start: to its end, then from its start
        inner = np.concatenate([pts[cum > a][:-1], pts[cum < b]]) if total > 0 else pts[:0]
    return inner


def _point_at(sc: Scanlines, ring: int, arc: float) -> np.ndarray:
    pts, cum = sc.rings[ring], sc.ring_cum[ring]
    arc = arc % cum[-1] if cum[-1] > 0 else 0.0
    k = min(int(np.searchsorted(cum, arc, side="right")) - 1, len(cum) - 2)
    span = cum[k + 1] - cum[k]
    t = (arc - cum[k]) / span if span > 0 else 0.0
    return pts[k] + t * (pts[k + 1] - pts[k])


def linked_infill(area, spacing: float, angle_deg: float, max_link: float, anchor: float) -> list[np.ndarray]:
    """Polylines filling `area` with lines `spacing` apart, linked along its outline by pieces
    up to `max_link` long; free ends anchored by up to `anchor` along it."""
    sc = scanlines(area, spacing, angle_deg, with_rings=True)
    if sc is None or len(sc.segs) == 0:
        return []
    n = len(sc.segs)
    ring, arc = sc.ring.ravel(), sc.arc.ravel()  # end e = 2 * line + side
    lengths = np.array([c[-1] for c in sc.ring_cum])
    order = np.lexsort((arc, ring))
    r_sorted = ring[order]
    nxt = np.roll(order, -1)
    last = np.r_[r_sorted[1:] != r_sorted[:-1], True]
    firsts = np.r_[0, np.nonzero(last)[0][:-1] + 1]
    nxt[last] = order[firsts]  # the last end on a ring is followed by its first
    gap = (arc[nxt] - arc[order]) % lengths[r_sorted]
    gap[order == nxt] = np.inf
    after = np.empty(2 * n, dtype=np.int64)
    after[order] = nxt
    gap_after = np.empty(2 * n)
    gap_after[order] = gap
    before = np.empty(2 * n, dtype=np.int64)
    before[nxt] = order
    partner = np.full(2 * n, -1, dtype=np.int64)
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    cand = np.nonzero(gap_after <= max_link)[0]
    for e in cand[np.argsort(gap_after[cand], kind="stable")].tolist():
        f = int(after[e])
        if partner[e] >= 0 or partner[f] >= 0:
            continue
        a, b = find(e >> 1), find(f >> 1)
        if a == b:
            continue
        parent[a] = b
        partner[e], partner[f] = f, e
    return _chains(sc, partner, after, before, gap_after, arc, anchor)


def _anchor(sc: Scanlines, e: int, after, before, gap_after, arc, anchor: float) -> np.ndarray | None:
    """A piece of outline from end e toward its nearer neighbouring end, at most `anchor` long
    and half the way there (the neighbour may anchor toward it too)."""
    ahead, back = gap_after[e], gap_after[before[e]]
    reach = min(anchor, 0.5 * min(ahead, back))
    if not np.isfinite(reach) or reach <= 1e-3:
        return None
    ring = int(sc.ring.ravel()[e])
    a = arc[e]
    if ahead <= back:
        b = a + reach
        piece = _piece(sc, ring, a, b % sc.ring_cum[ring][-1])
        return np.vstack([piece, _point_at(sc, ring, b)])
    b = a - reach
    piece = _piece(sc, ring, b % sc.ring_cum[ring][-1], a)[::-1]
    return np.vstack([piece, _point_at(sc, ring, b)])


def _chains(sc: Scanlines, partner, after, before, gap_after, arc, anchor: float) -> list[np.ndarray]:
    """Walk the linked lines into polylines: indices into one table of line ends and ring
    points, gathered by a plain loop over ints, then one fancy index per polyline."""
    n = len(sc.segs)
    ends = sc.segs.reshape(-1, 2)
    ring = sc.ring.ravel()
    offsets = np.cumsum([0] + [len(r) for r in sc.rings])
    table = np.concatenate([ends, *sc.rings])
    base = 2 * n
    # Each end's place among its ring's points: ring points strictly after it start at `lo`.
    lo = np.empty(2 * n, dtype=np.int64)
    hi = np.empty(2 * n, dtype=np.int64)
    for r, cum in enumerate(sc.ring_cum):
        mine = np.nonzero(ring == r)[0]
        if len(mine):
            lo[mine] = np.searchsorted(cum, arc[mine], side="right")
            hi[mine] = np.searchsorted(cum, arc[mine], side="left")
    lo_l, hi_l, ring_l = lo.tolist(), hi.tolist(), ring.tolist()
    partner_l, after_l = partner.tolist(), after.tolist()
    ring_len = [len(r) for r in sc.rings]
    off_l = offsets.tolist()

    def link(x: int, f: int) -> list[int]:
        """Ring points between end x and end f, forward when f follows x on the ring."""
        r = ring_l[x]
        o, m = base + off_l[r], ring_len[r]
        a, b = (x, f) if after_l[x] == f else (f, x)
        first, stop = lo_l[a], hi_l[b]  # points [first, stop) lie between a and b
        if arc[b] >= arc[a]:
            pts = list(range(o + first, o + stop))
        else:  # across the ring's start (its last point repeats its first)
            pts = list(range(o + first, o + m - 1)) + list(range(o, o + stop))
        return pts if a == x else pts[::-1]

    seen = bytearray(n)
    out: list[np.ndarray] = []
    for start in np.nonzero(partner < 0)[0].tolist():
        if seen[start >> 1]:
            continue
        idx: list[int] = []
        e = start
        while True:
            seen[e >> 1] = 1
            idx += (e, e ^ 1)
            f = partner_l[e ^ 1]
            if f < 0:
                break
            idx += link(e ^ 1, f)
            e = f
        line = table[idx]
        if anchor > 0:
            head = _anchor(sc, start, after, before, gap_after, arc, anchor)
            tail = _anchor(sc, e ^ 1, after, before, gap_after, arc, anchor)
            line = np.concatenate([p for p in (None if head is None else head[::-1], line, tail) if p is not None])
        out.append(line)
    return out
