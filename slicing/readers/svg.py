"""SVG -> Drawing: defusedxml first (entities refused), then svgelements for the geometry.

svgelements applies transforms, viewBox and units (96 px/in). It parses with the standard
library's XML parser, which would expand internal entities (billion laughs), so the bytes
are first parsed by defusedxml, which refuses any entity declaration and external
reference; the same pass measures nesting depth and element count against the limits.
"""

from __future__ import annotations

import io
import math
import re
from pathlib import Path

import numpy as np

from slicing.geometry import Drawing, Path2D
from slicing.readers.errors import DEFAULT_LIMITS, Limits, UnreadableFile, check_file_size, empty_file

PX_MM = 25.4 / 96.0
INKSCAPE = "{http://www.inkscape.org/namespaces/inkscape}"
MAX_SEGMENT_POINTS = 2000


def _hostile(variant: str, **params: object) -> UnreadableFile:
    """A refusal for safety or size (`variant`: depth, elements, entities, external, dangerous)."""
    return UnreadableFile("svg_refused", variant=variant, **params)


# expat's error numbers (xml.parsers.expat.errors) a member can act on, as the variant;
# any other is said in general terms, expat's own words kept as the technical detail.
_EXPAT_VARIANTS = {3: "truncated", 4: "invalid_token", 5: "truncated", 7: "mismatched_tag", 9: "junk_after",
                   11: "undefined_entity"}


def _malformed(exc: Exception) -> UnreadableFile:
    """The XML parser's refusal as a code with the line and column it stopped at."""
    line, column = getattr(exc, "position", None) or (None, None)
    params: dict[str, object] = {"variant": _EXPAT_VARIANTS.get(getattr(exc, "code", None), "")}
    if line is not None:
        params.update(line=int(line), column=int(column) + 1)  # expat counts columns from 0
    else:
        params["variant"] = "nowhere"
    return UnreadableFile("svg_malformed", str(exc), **params)


def _screen(data: bytes, limits: Limits) -> dict:
    """Parse once with defusedxml: refuse entities, measure depth/count. Root attributes back."""
    from xml.etree.ElementTree import ParseError

    import defusedxml.ElementTree as SafeET
    from defusedxml import DefusedXmlException, DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden

    try:
        parser = SafeET.iterparse(io.BytesIO(data), events=("start", "end"), forbid_dtd=False,
                                  forbid_entities=True, forbid_external=True)
        depth = count = 0
        root_attrib: dict = {}
        for event, elem in parser:
            if event == "start":
                depth += 1
                count += 1
                if count == 1:
                    root_attrib = dict(elem.attrib)
                    if not elem.tag.endswith("svg"):
                        raise UnreadableFile("svg_not_svg", tag=str(elem.tag).rpartition("}")[2][:40])
                if depth > limits.max_svg_depth:
                    raise _hostile("depth", limit=limits.max_svg_depth)
                if count > limits.max_entities:
                    raise _hostile("elements", limit=limits.max_entities)
            else:
                depth -= 1
                if depth > 1:
                    elem.clear()
    except EntitiesForbidden as exc:
        raise _hostile("entities") from exc
    except (ExternalReferenceForbidden, DTDForbidden) as exc:
        raise _hostile("external") from exc
    except DefusedXmlException as exc:
        raise _hostile("dangerous") from exc
    except ParseError as exc:
        raise _malformed(exc) from exc
    return root_attrib


LAYER_ATTR = "data-fablab-layer"


def _label_layers(data: bytes) -> bytes:
    """Name every top-level group as a layer (its Inkscape label, else its id) in an attribute
    svgelements passes down to the shapes inside: Illustrator and CorelDraw layers are plain
    `<g id="Decoupe">` groups, and svgelements does not pass ids down."""
    import xml.etree.ElementTree as ET

    import defusedxml.ElementTree as SafeET

    root = SafeET.fromstring(data, forbid_entities=True, forbid_external=True)
    changed = False
    for child in root:
        if child.tag.rsplit("}", 1)[-1] == "g":
            name = child.get(f"{INKSCAPE}label") or child.get("id")
            if name:
                child.set(LAYER_ATTR, name)
                changed = True
    return ET.tostring(root) if changed else data


def _old_inkscape(root: dict) -> bool:
    """Inkscape before 0.92 wrote 90 px/in; a file from it without physical units is ambiguous."""
    version = root.get(f"{INKSCAPE}version", "")
    m = re.match(r"\s*(\d+)\.(\d+)", version)
    if not m or (int(m.group(1)), int(m.group(2))) >= (0, 92):
        return False
    width = root.get("width", "")
    return not re.search(r"(mm|cm|in|pt|pc)\s*$", width)


def _colour(value) -> str | None:
    try:
        if value is None or value.value is None or value.alpha == 0:
            return None
        return value.hexrgb
    except (AttributeError, TypeError, ValueError):
        return None


def _segment_points(seg, tol_px: float) -> np.ndarray:
    """Points after seg.start, enough that the chord error stays under tol_px."""
    import svgelements as se

    if isinstance(seg, se.Line | se.Close):
        return np.array([[seg.end.x, seg.end.y]], dtype=float)
    if isinstance(seg, se.Arc):
        r = max(abs(seg.rx), abs(seg.ry), 1e-9)
        step = 2 * math.acos(max(-1.0, 1 - tol_px / r)) if tol_px < r else math.pi
        n = math.ceil(abs(seg.sweep) / max(step, 1e-6))
    elif isinstance(seg, se.CubicBezier):
        p = [complex(q.x, q.y) for q in (seg.start, seg.control1, seg.control2, seg.end)]
        m = 6 * max(abs(p[0] - 2 * p[1] + p[2]), abs(p[1] - 2 * p[2] + p[3]))
        n = math.ceil(math.sqrt(m / (8 * tol_px)))
    elif isinstance(seg, se.QuadraticBezier):
        p = [complex(q.x, q.y) for q in (seg.start, seg.control, seg.end)]
        n = math.ceil(math.sqrt(2 * abs(p[0] - 2 * p[1] + p[2]) / (8 * tol_px)))
    else:
        n = 16
    n = int(min(max(n, 1), MAX_SEGMENT_POINTS)) if math.isfinite(n) else MAX_SEGMENT_POINTS
    if n == 1:
        return np.array([[seg.end.x, seg.end.y]], dtype=float)
    return np.asarray(seg.npoint(np.linspace(0, 1, n + 1)[1:]), dtype=float)


def _subpaths(shape, tol_px: float):
    """(points_px, closed) for each subpath of a shape."""
    import svgelements as se

    path = se.Path(shape)
    path.reify()
    for sub in path.as_subpaths():
        pts: list[np.ndarray] = []
        closed = False
        for seg in sub:
            if isinstance(seg, se.Move):
                pts.append(np.array([[seg.end.x, seg.end.y]], dtype=float))
                continue
            if seg.start is None or seg.end is None:
                continue
            if not pts:
                pts.append(np.array([[seg.start.x, seg.start.y]], dtype=float))
            if isinstance(seg, se.Close):
                closed = True  # its end is the subpath's start: the closed flag says it, no point added
                continue
            pts.append(_segment_points(seg, tol_px))
        if pts:
            yield np.vstack(pts), closed


def load_svg(path: Path, tolerance_mm: float = 0.05, limits: Limits = DEFAULT_LIMITS) -> tuple[Drawing, list[dict]]:
    """The drawing in mm, y up (origin at the page's bottom-left), and reading notes."""
    import svgelements as se

    size = path.stat().st_size
    check_file_size(size, limits, limits.max_svg_bytes)
    if size == 0:
        raise empty_file()
    data = path.read_bytes()
    root = _screen(data, limits)
    deadline = limits.deadline()
    try:
        svg = se.SVG.parse(io.BytesIO(_label_layers(data)), ppi=96.0, reify=True)
    except (ValueError, TypeError, ZeroDivisionError, OverflowError, AttributeError) as exc:
        raise UnreadableFile("svg_malformed", f"{type(exc).__name__}: {exc}", variant="interpret",
                             name=type(exc).__name__) from exc
    drawing = Drawing(tolerance_mm=tolerance_mm, units="px90?" if _old_inkscape(root) else "mm")
    height_px = svg.height if isinstance(svg.height, int | float) and math.isfinite(svg.height) else None
    tol_px = tolerance_mm / PX_MM
    raw: list[tuple[np.ndarray, bool, object]] = []
    npoints = 0
    for i, element in enumerate(svg.elements()):
        if i % 500 == 0:
            deadline.check()
        values = getattr(element, "values", None) or {}
        layer = values.get(LAYER_ATTR) or values.get(f"{INKSCAPE}label")
        if isinstance(element, se.Text):
            if (element.text or "").strip():
                x, y = element.transform.point_in_matrix_space((element.x or 0, element.y or 0))
                drawing.texts.append({"source": element.id, "layer": layer, "text": element.text[:200],
                                      "x": x, "y": y})
        elif isinstance(element, se.Image):
            t = element.transform
            x, y = t.point_in_matrix_space((element.x or 0, element.y or 0))
            drawing.images.append({"source": element.id, "layer": layer, "x": x, "y": y,
                                   "w": (element.width or 0) * abs(t.a), "h": (element.height or 0) * abs(t.d)})
        elif isinstance(element, se.Shape):
            for pts, closed in _subpaths(element, tol_px):
                npoints += len(pts)
                if npoints > limits.max_points:
                    raise UnreadableFile("too_many_points", limit=limits.max_points)
                raw.append((pts, closed, element, layer))
    all_pts = [p for p, *_ in raw]
    if all_pts:
        stacked = np.vstack(all_pts)
        if not np.isfinite(stacked).all() or np.abs(stacked).max() * PX_MM > limits.max_size_mm:
            raise UnreadableFile("size_over_limit", variant="svg", limit_m=limits.max_size_mm / 1000)
        if height_px is None:
            height_px = float(stacked[:, 1].max())
    flip = (height_px or 0.0) * PX_MM
    for pts, closed, element, layer in raw:
        mm = np.column_stack([pts[:, 0] * PX_MM, flip - pts[:, 1] * PX_MM])
        while closed and len(mm) > 1 and abs(mm[0, 0] - mm[-1, 0]) < 1e-9 and abs(mm[0, 1] - mm[-1, 1]) < 1e-9:
            mm = mm[:-1]  # the last curve came back to the start: the closed flag says it
        drawing.paths.append(Path2D(points=mm, closed=closed, layer=layer, stroke=_colour(element.stroke),
                                    fill=_colour(element.fill), source=element.id))
    for item in drawing.texts + drawing.images:
        item["x"], item["y"] = item["x"] * PX_MM, flip - item["y"] * PX_MM
        for k in ("w", "h"):
            if k in item:
                item[k] = item[k] * PX_MM
    return drawing, []
