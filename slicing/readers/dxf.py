"""DXF -> Drawing with ezdxf: recover mode for damaged files, blocks expanded with a guard.

Curves (arcs, bulges, ellipses, splines) are flattened by `ezdxf.path` to the drawing's
chord tolerance. INSERTs are expanded by hand rather than by `ezdxf.disassemble` so that
a block that references itself, or blocks nested past a limit, are refused with a message
instead of recursing until the worker dies.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from slicing.geometry import Drawing, Path2D
from slicing.readers.errors import (
    DEFAULT_LIMITS,
    Deadline,
    Limits,
    UnreadableFile,
    check_file_size,
    empty_file,
)
from slicing.toolpaths.issues import make_issue

CURVES = {"LINE", "LWPOLYLINE", "POLYLINE", "ARC", "CIRCLE", "ELLIPSE", "SPLINE"}
TEXTS = {"TEXT", "MTEXT", "ATTRIB"}
# $INSUNITS code -> (name, mm per unit); 0 is "unitless", read as mm and confirmed by the user.
UNITS = {0: ("unitless", 1.0), 1: ("in", 25.4), 2: ("ft", 304.8), 4: ("mm", 1.0), 5: ("cm", 10.0),
         6: ("m", 1000.0), 8: ("uin", 25.4e-6), 9: ("mil", 0.0254), 10: ("yd", 914.4), 13: ("um", 1e-3),
         14: ("dm", 100.0)}


class _Walk:
    """State of one expansion: limits, counts, and what was seen but not drawn."""

    def __init__(self, scale: float, tolerance_mm: float, limits: Limits, deadline: Deadline) -> None:
        self.scale = scale
        self.tol = tolerance_mm / scale  # flatten in file units
        self.limits = limits
        self.deadline = deadline
        self.entities = 0
        self.points = 0
        self.ignored: Counter[str] = Counter()
        self.colours: dict[tuple, str | None] = {}
        self.drawing = Drawing()

    def count(self) -> None:
        self.entities += 1
        if self.entities > self.limits.max_entities:
            raise UnreadableFile("too_many_entities", limit=self.limits.max_entities)

    def add(self, points: np.ndarray, closed: bool, entity, source: str | None) -> None:
        if len(points) == 0:
            return
        self.points += len(points)
        if self.points > self.limits.max_points:
            raise UnreadableFile("too_many_points", limit=self.limits.max_points)
        pts = points[:, :2] * self.scale
        if not np.isfinite(pts).all():
            raise UnreadableFile("dxf_non_finite")
        if len(pts) > 1 and closed and abs(pts[0, 0] - pts[-1, 0]) < 1e-9 and abs(pts[0, 1] - pts[-1, 1]) < 1e-9:
            pts = pts[:-1]
        key = (entity.dxf.get("true_color"), entity.dxf.get("color", 256), entity.dxf.get("layer", "0"))
        if key not in self.colours:  # a drawing has a handful of colours: look each up once
            self.colours[key] = _colour(entity)
        self.drawing.paths.append(Path2D(points=pts, closed=closed, layer=key[2], stroke=self.colours[key],
                                         source=source))


def _colour(entity) -> str | None:
    from ezdxf import colors

    try:
        if entity.dxf.hasattr("true_color"):
            r, g, b = colors.int2rgb(entity.dxf.true_color)
            return f"#{r:02x}{g:02x}{b:02x}"
        aci = entity.dxf.get("color", 256)
        if aci in (0, 256) and entity.doc is not None:  # BYBLOCK / BYLAYER
            layer = entity.doc.layers.get(entity.dxf.get("layer", "0"))
            aci = abs(layer.dxf.get("color", 7)) if layer is not None else 7
        if 1 <= aci <= 255:
            r, g, b = colors.aci2rgb(aci)
            return f"#{r:02x}{g:02x}{b:02x}"
    except Exception:  # a damaged colour is only a lost hint
        return None
    return None


def _curve(walk: _Walk, entity, source: str | None) -> None:
    from ezdxf import path as ezpath

    kind = entity.dxftype()
    if kind == "LINE":
        s, e = entity.dxf.start, entity.dxf.end
        walk.add(np.array([[s.x, s.y], [e.x, e.y]], dtype=float), False, entity, source)
        return
    if kind == "POLYLINE" and (entity.is_poly_face_mesh or entity.is_polygon_mesh):
        walk.ignored["POLYLINE (mesh)"] += 1
        return
    if _flat_in_xy(entity) and _fast_curve(walk, entity, kind, source):
        return
    p = ezpath.make_path(entity)
    closed = bool(p.is_closed) or (kind in ("LWPOLYLINE", "POLYLINE") and bool(entity.is_closed))
    for sub in p.sub_paths() if p.has_sub_paths else [p]:
        pts = np.array([(v.x, v.y) for v in sub.flattening(walk.tol, segments=4)], dtype=float)
        walk.add(pts, closed or bool(sub.is_closed), entity, source)


def _flat_in_xy(entity) -> bool:
    """True when the entity's own coordinate system is the drawing's (extrusion +Z)."""
    ext = entity.dxf.get("extrusion")
    return ext is None or (abs(ext[0]) < 1e-12 and abs(ext[1]) < 1e-12 and ext[2] > 0)


def _arc_points(cx: float, cy: float, r: float, start: float, sweep: float, tol: float) -> np.ndarray:
    step = 2 * math.acos(max(-1.0, 1 - tol / r)) if 0 < tol < r else math.pi / 2
    n = max(int(math.ceil(abs(sweep) / max(step, 1e-6))), 4 if abs(sweep) >= 2 * math.pi - 1e-9 else 1)
    t = start + np.linspace(0.0, sweep, min(n, 100_000) + 1)
    return np.column_stack([cx + r * np.cos(t), cy + r * np.sin(t)])


def _fast_curve(walk: _Walk, entity, kind: str, source: str | None) -> bool:
    """CIRCLE, ARC and straight LWPOLYLINE straight to numpy (ezdxf.path builds Béziers first,
    ten times slower on drawings of many small parts). False: let ezdxf.path do it."""
    if kind == "CIRCLE":
        c, r = entity.dxf.center, float(entity.dxf.radius)
        if r <= 0:
            return False
        walk.add(_arc_points(c.x, c.y, r, 0.0, 2 * math.pi, walk.tol)[:-1], True, entity, source)
        return True
    if kind == "ARC":
        c, r = entity.dxf.center, float(entity.dxf.radius)
        if r <= 0:
            return False
        start = math.radians(entity.dxf.start_angle)
        sweep = (math.radians(entity.dxf.end_angle) - start) % (2 * math.pi) or 2 * math.pi
        walk.add(_arc_points(c.x, c.y, r, start, sweep, walk.tol), False, entity, source)
        return True
    if kind == "LWPOLYLINE":
        pts = np.array(entity.get_points("xyb"), dtype=float).reshape(-1, 3)
        if len(pts) == 0 or np.any(pts[:, 2] != 0):
            return False
        walk.add(pts[:, :2], bool(entity.closed), entity, source)
        return True
    return False


def _text(walk: _Walk, entity, source: str | None) -> None:
    kind = entity.dxftype()
    try:
        text = entity.plain_text() if kind == "MTEXT" else entity.dxf.get("text", "")
        at = entity.dxf.insert
    except Exception:
        text, at = "", None
    walk.drawing.texts.append({"source": source, "layer": entity.dxf.get("layer"), "text": str(text)[:200],
                               "x": float(at.x) * walk.scale if at else None,
                               "y": float(at.y) * walk.scale if at else None})


def _image(walk: _Walk, entity, source: str | None) -> None:
    at = entity.dxf.get("insert")
    size = entity.dxf.get("image_size")
    walk.drawing.images.append({"source": source, "layer": entity.dxf.get("layer"),
                                "x": float(at.x) * walk.scale if at else None,
                                "y": float(at.y) * walk.scale if at else None,
                                "w": float(size.x) if size else None, "h": float(size.y) if size else None})


def _walk(walk: _Walk, entities: Iterable, chain: tuple[str, ...], source: str | None) -> None:
    for entity in entities:
        walk.count()
        kind = entity.dxftype()
        src = source or entity.dxf.get("handle")
        if kind in CURVES:
            _curve(walk, entity, src)
        elif kind == "INSERT":
            name = entity.dxf.get("name", "")
            if name in chain:
                raise UnreadableFile("dxf_block_cycle", name=str(name)[:80])
            if len(chain) >= walk.limits.max_block_depth:
                raise UnreadableFile("dxf_blocks_too_deep", limit=walk.limits.max_block_depth)
            try:
                children = list(entity.virtual_entities())
            except Exception:  # a block with broken transforms: skip it, say so
                walk.ignored["INSERT (broken)"] += 1
                continue
            _walk(walk, children, (*chain, name), src)
        elif kind in TEXTS:
            _text(walk, entity, src)
        elif kind == "IMAGE":
            _image(walk, entity, src)
        else:
            walk.ignored[kind] += 1


_HANDLE = re.compile(r"\(#([0-9A-Fa-f]+)\)")
_INSUNITS = re.compile(rb"\$INSUNITS\s*?\r?\n\s*70\s*\r?\n\s*(-?\d+)")


def _open(path: Path):
    """Strict reading first (about 3x faster on big files); recover mode when it fails;
    None when even recover mode refuses (the caller tries the tolerant reader)."""
    import ezdxf
    from ezdxf import recover

    try:
        doc = ezdxf.readfile(str(path))
        return doc, doc.audit(), None
    except Exception:  # any failure of the strict loader: let recover mode try
        pass
    try:
        doc, auditor = recover.readfile(str(path))
    except ezdxf.DXFStructureError as exc:
        return None, None, exc
    return doc, auditor, None


def declared_units(data: bytes) -> int:
    """$INSUNITS as the file wrote it; 0 (unitless) when the file has none, whatever default
    header a library fills in (ezdxf's says metres: a 40 mm square became 40 m)."""
    found = _INSUNITS.search(data[:2_000_000])
    return int(found.group(1)) if found else 0


def _refused(exc: Exception) -> UnreadableFile:
    """ezdxf's refusal as an issue naming the entity's DXF handle (never a Python object id)."""
    found = _HANDLE.search(str(exc))
    handle = found.group(1) if found else None
    error = UnreadableFile("dxf_unreadable", str(exc)[:500], **({"handle": handle, "variant": "handle"} if handle else {}))
    error.location = {"handle": handle} if handle else {}
    return error


def _tolerant(path: Path, refusal: Exception, tolerance_mm: float, limits: Limits) -> tuple[Drawing, list[dict]]:
    """trimesh's DXF loader, which does without subclass markers (old or hand-written files)."""
    import trimesh

    try:
        loaded = trimesh.load_path(str(path), file_type="dxf")
    except Exception as exc:  # both readers refuse: say what ezdxf said, by handle
        raise _refused(refusal) from exc
    code = declared_units(path.read_bytes())
    unit_name, scale = UNITS.get(code, ("unitless", 1.0))
    drawing = Drawing(units=unit_name, tolerance_mm=tolerance_mm)
    vertices = np.asarray(loaded.vertices, dtype=float)
    points = 0
    for entity in loaded.entities:
        pts = np.asarray(entity.discrete(vertices), dtype=float)[:, :2] * scale
        points += len(pts)
        if points > limits.max_points or not np.isfinite(pts).all():
            raise _refused(refusal)
        closed = bool(entity.closed) and len(pts) > 3
        drawing.paths.append(Path2D(points=pts[:-1] if closed else pts, closed=closed,
                                    layer=str(entity.metadata.get("layer", "0")), source=None))
    found = _HANDLE.search(str(refusal))
    note = make_issue("dxf_read_tolerant", "info", {"handle": found.group(1)} if found else None)
    return drawing, [note]


def load_dxf(path: Path, tolerance_mm: float = 0.05, limits: Limits = DEFAULT_LIMITS) -> tuple[Drawing, list[dict]]:
    """The drawing in mm, y up, and notes (info about what was skipped or repaired)."""
    size = path.stat().st_size
    check_file_size(size, limits, limits.max_dxf_bytes)
    if size == 0:
        raise empty_file()
    doc, auditor, refusal = _open(path)  # ezdxf's loader is linear in the file size, which is limited
    if doc is None:
        return _tolerant(path, refusal, tolerance_mm, limits)
    deadline = limits.deadline()  # the expansion of blocks is what a hostile file can blow up
    code = declared_units(path.read_bytes())
    unit_name, scale = UNITS.get(code, ("unitless", 1.0))
    walk = _Walk(scale, tolerance_mm, limits, deadline)
    _walk(walk, doc.modelspace(), (), None)
    notes: list[dict] = []
    if not walk.drawing.paths:
        for layout in doc.layouts:
            if layout.name != "Model":
                _walk(walk, layout, (), None)
        if walk.drawing.paths:
            notes.append(make_issue("dxf_paper_space", "info"))
    walk.drawing.units = unit_name
    walk.drawing.tolerance_mm = tolerance_mm
    if auditor.has_errors or auditor.has_fixes:
        notes.append(make_issue("dxf_repaired", "info", None, n=len(auditor.fixes) + len(auditor.errors)))
    if walk.ignored:
        listed = ", ".join(f"{k} ×{v}" for k, v in walk.ignored.most_common(8))
        notes.append(make_issue("dxf_entities_ignored", "info", {"types": dict(walk.ignored)}, listed=listed))
    return walk.drawing, notes
