"""The drawing as an SVG (mm, y up as read), paths coloured by stroke, issues circled in red.

Each marker carries the issue's code as a tooltip (`<title>`: no sentence in slicing/; the
page lists the issues in the reader's language next to the preview).
"""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

from slicing.readers import load_drawing

MAX_MARKERS = 200


def _markers(analysis: dict[str, Any]) -> list[tuple[float, float, str, str]]:
    out = []
    for issue in analysis.get("issues", []):
        loc = issue.get("location") or {}
        text = str(issue.get("code", ""))
        colour = "#d00000" if issue.get("severity") == "error" else "#ff8c00" if issue.get("severity") == "warning" \
            else "#1e64c8"
        points = [p for p in loc.get("points", []) if isinstance(p, list | tuple) and len(p) >= 2]
        points += [[t["x"], t["y"]] for t in loc.get("texts", []) if t.get("x") is not None]
        points += [[t["x"], t["y"]] for t in loc.get("images", []) if t.get("x") is not None]
        out += [(float(p[0]), float(p[1]), colour, text) for p in points]
    return out[:MAX_MARKERS]


def drawing_svg(path: Path, analysis: dict[str, Any], filename: str | None = None) -> str:
    drawing, _ = load_drawing(Path(path), filename)
    b = drawing.bounds() or (0.0, 0.0, 10.0, 10.0)
    margin = max(b[2] - b[0], b[3] - b[1], 1.0) * 0.03
    x0, y0, x1, y1 = b[0] - margin, b[1] - margin, b[2] + margin, b[3] + margin
    w, h = x1 - x0, y1 - y0
    stroke = max(w, h) / 800
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="{x0:.3f} {-y1:.3f} {w:.3f} {h:.3f}" '
             f'width="100%" preserveAspectRatio="xMidYMid meet"><rect x="{x0:.3f}" y="{-y1:.3f}" width="{w:.3f}" '
             f'height="{h:.3f}" fill="#fafaf5"/><g transform="scale(1,-1)" fill="none" '
             f'stroke-width="{stroke:.4f}" stroke-linejoin="round">']
    for p in drawing.paths:
        if len(p.points) < 2:
            continue
        coords = " ".join(f"{x:.3f},{y:.3f}" for x, y in p.points)
        tag = "polygon" if p.closed else "polyline"
        colour = p.stroke if p.stroke and p.stroke.lower() not in ("#ffffff",) else "#222222"
        parts.append(f'<{tag} points="{coords}" stroke="{colour}"/>')
    radius = max(w, h) / 60
    for x, y, colour, text in _markers(analysis):
        parts.append(f'<circle cx="{x:.3f}" cy="{y:.3f}" r="{radius:.3f}" stroke="{colour}" '
                     f'stroke-width="{2 * stroke:.4f}"><title>{escape(text)}</title></circle>')
    parts.append("</g></svg>")
    return "".join(parts)
