"""Program previews for the job page: what the machine will actually do, drawn as SVG.

2D programs: cutting moves coloured from first (blue) to last (red) with their order
number at each start, travel as thin dashed lines, the work area as a frame. FDM: a layer
view (extrusions of one layer, travel dashed). Drawn from the program lines themselves.
"""

from __future__ import annotations

from xml.sax.saxutils import escape

import numpy as np

from gcode_reader import Words
from slicing.machine_spec import Machine
from slicing.toolpaths.program_parse import (
    Move,
    MoveArrays,
    flavour_of,
    gcode_move_arrays,
    gcode_moves,
    hpgl_moves,
    layer_marks,
)

MAX_LABELS = 120
MAX_SEGMENTS = 60000


def _colour(t: float) -> str:
    """Blue (first) to red (last)."""
    t = min(max(t, 0.0), 1.0)
    return f"#{int(40 + 215 * t):02x}{int(90 * (1 - abs(2 * t - 1))):02x}{int(255 - 215 * t):02x}"


def _runs(moves: MoveArrays) -> list[np.ndarray]:
    """Consecutive cutting moves (indices into `moves`): one run per path cut. A travel that
    goes somewhere in XY ends a run; moves that only change Z neither add to it nor end it."""
    xy = np.any(moves.start[:, :2] != moves.end[:, :2], axis=1)
    cutting = np.flatnonzero(xy & ~moves.rapid)
    if not len(cutting):
        return []
    travels_before = np.cumsum(xy & moves.rapid)[cutting]  # runs are split by the travels between them
    splits = np.flatnonzero(np.diff(travels_before)) + 1
    return np.split(cutting, splits)


def _view(points: np.ndarray, width: float, height: float) -> tuple[float, float, float, float]:
    """The part of the work area the program uses (SVG coordinates, y down), padded; `points`:
    the ends of the cutting moves ([k, 2], mm)."""
    if not len(points):
        points = np.array([[0.0, 0.0], [width, height]])
    xs, ys = points[:, 0], height - points[:, 1]
    x0, x1, y0, y1 = float(xs.min()), float(xs.max()), float(ys.min()), float(ys.max())
    pad = max(x1 - x0, y1 - y0, 1.0) * 0.05 + 1.0
    return x0 - pad, y0 - pad, x1 - x0 + 2 * pad, y1 - y0 + 2 * pad


def _frame(width: float, height: float, title: str, view: tuple[float, float, float, float]) -> tuple[str, str]:
    vx, vy, vw, vh = view
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="{vx:.2f} {vy:.2f} {vw:.2f} {vh:.2f}" '
        f'width="800" height="{800 * vh / vw:.0f}">'
        f"<title>{escape(title)}</title>"
        f'<rect x="0" y="0" width="{width:.2f}" height="{height:.2f}" fill="#fafafa" stroke="#999" '
        f'stroke-width="{max(vw, vh) / 800:.3f}"/>'
    )
    return head, "</svg>"


def program_preview_svg(lines: list[str], fmt: str, machine: Machine, words: Words | None = None) -> str:
    """The preview of a whole program on `machine` (layer view for FDM); `words`: the lines
    as `gcode_reader.tokenize` read them, when the caller has them already."""
    if machine.kind == "fdm":
        return fdm_layer_svg(lines, None, machine, words)
    moves = (MoveArrays.from_moves(list(hpgl_moves(lines))) if fmt == "hpgl" else
             gcode_move_arrays(lines, words=words, flavour=flavour_of(machine.driver)))
    w, h = machine.work_area.x, machine.work_area.y
    view = _view(moves.end[~moves.rapid, :2], w, h)
    head, tail = _frame(w, h, f"{machine.name}: {len(lines)} lines", view)
    stroke = max(view[2], view[3]) / 800
    parts = [head, f'<g transform="matrix(1 0 0 -1 0 {h:.2f})" fill="none" stroke-linecap="round">']
    travel = np.flatnonzero(moves.rapid & np.any(moves.start[:, :2] != moves.end[:, :2], axis=1))[:MAX_SEGMENTS]
    travel_d = " ".join(f"M{x0:.2f} {y0:.2f}L{x1:.2f} {y1:.2f}" for (x0, y0), (x1, y1)
                        in zip(moves.start[travel, :2].tolist(), moves.end[travel, :2].tolist(), strict=True))
    if travel_d:
        parts.append(
            f'<path class="travel" d="{travel_d}" stroke="#9a9a9a" stroke-width="{stroke:.3f}" '
            f'stroke-dasharray="{4 * stroke:.3f} {3 * stroke:.3f}"/>'
        )
    runs = _runs(moves)
    for k, run in enumerate(runs):
        x, y = moves.start[run[0], :2].tolist()
        d = f"M{x:.2f} {y:.2f}" + "".join(f"L{x:.2f} {y:.2f}" for x, y in moves.end[run, :2].tolist())
        parts.append(
            f'<path class="cut" data-order="{k + 1}" d="{d}" stroke="{_colour(k / max(len(runs) - 1, 1))}" '
            f'stroke-width="{2 * stroke:.3f}"/>'
        )
    parts.append("</g>")
    font = max(view[2], view[3]) / 60
    every = max(1, -(-len(runs) // MAX_LABELS))  # past MAX_LABELS runs, number every n-th one
    for k, run in enumerate(runs):
        if k % every and k != len(runs) - 1:
            continue
        x, y = float(moves.start[run[0], 0]), h - float(moves.start[run[0], 1])
        parts.append(
            f'<circle cx="{x:.2f}" cy="{y:.2f}" r="{1.5 * stroke:.3f}" fill="#000"/>'
            f'<text x="{x + stroke:.2f}" y="{y - stroke:.2f}" font-size="{font:.2f}" fill="#333">{k + 1}</text>'
        )
    parts.append(tail)
    return "".join(parts)


def layer_count(lines: list[str]) -> int:
    return sum(1 for line in lines if line.startswith(";LAYER:"))


def _layer_moves(lines: list[str], layer: int | None, words: Words | None) -> tuple[list[Move], list[int]] | None:
    """(moves of the asked layer, default the middle one; every layer number), reading only
    the program up to that layer's end instead of all of it; None without ;LAYER: marks."""
    mark_lines, numbers_at = layer_marks(lines, words)
    marks = list(zip(mark_lines.tolist(), numbers_at.tolist(), strict=True))
    if not marks:
        return None
    numbers = sorted({k for _, k in marks})
    wanted = numbers[len(numbers) // 2] if layer is None else layer
    first_mark = min((n for n, k in marks if k == wanted), default=len(lines))  # once, not once per mark
    end = next((n for n, k in marks if k != wanted and n > first_mark), len(lines))
    # Read from the start (the modal state is the program's own); moves built for this layer only.
    begin = min(first_mark, end)
    if words is not None:  # read already: the whole program costs less than a second reading
        return gcode_moves(lines, words=words, flavour="marlin", first=begin, upto=end), numbers
    return gcode_moves(lines[:end], flavour="marlin", first=begin), numbers


def fdm_layer_svg(lines: list[str], layer: int | None, machine: Machine, words: Words | None = None) -> str:
    """One layer seen from above (default: the middle layer): extrusions solid, travel dashed.
    Read by the fast whole-program reader (`gcode_reader`), as far as that layer's end."""
    moves = _layer_moves(lines, layer, words)
    layers = sorted({m.layer for m in moves if m.layer is not None}) if moves is None else None
    if moves is None:  # no ;LAYER: marks to jump by: read the whole program
        moves = gcode_moves(lines, words=words, flavour=flavour_of(machine.driver))
        layers = sorted({m.layer for m in moves if m.layer is not None})
    else:
        moves, layers = moves
    if layer is None:
        layer = layers[len(layers) // 2] if layers else 0
    chosen = [m for m in moves if m.layer == layer and (m.start[0] != m.end[0] or m.start[1] != m.end[1])]
    w, h = machine.work_area.x, machine.work_area.y
    z = max((m.end[2] for m in chosen), default=0.0)
    view = _view(np.array([m.end[:2] for m in chosen if m.kind == "feed"]).reshape(-1, 2), w, h)
    head, tail = _frame(w, h, f"{machine.name}: layer {layer} of {len(layers)} (Z {z:.2f} mm)", view)
    stroke = max(view[2], view[3]) / 800
    ext = " ".join(f"M{m.start[0]:.2f} {m.start[1]:.2f}L{m.end[0]:.2f} {m.end[1]:.2f}" for m in chosen if m.extrude > 0)
    trav = " ".join(
        f"M{m.start[0]:.2f} {m.start[1]:.2f}L{m.end[0]:.2f} {m.end[1]:.2f}" for m in chosen if m.extrude <= 0
    )
    return (
        head
        + f'<g transform="matrix(1 0 0 -1 0 {h:.2f})" fill="none" stroke-linecap="round">'
        + (f'<path class="travel" d="{trav}" stroke="#9a9a9a" stroke-width="{stroke:.3f}" '
           f'stroke-dasharray="{4 * stroke:.3f} {3 * stroke:.3f}"/>' if trav else "")
        + (f'<path class="extrude" d="{ext}" stroke="#d35400" stroke-width="0.4" stroke-opacity="0.8"/>' if ext else "")
        + "</g>"
        + f'<text x="{view[0] + view[2] * 0.02:.2f}" y="{view[1] + view[3] * 0.06:.2f}" font-size="{max(view[2], view[3]) / 40:.2f}" fill="#333">'
        + f"layer {layer} / {len(layers)} - Z {z:.2f} mm</text>"
        + tail
    )
