"""What a CNC router cuts: profiles with tool-radius compensation, pockets, engraving,
and the features it must refuse (narrower than the tool).

Operations come from the layer/colour maps or from layer names (POCKET, INSIDE, OUTSIDE,
ON, ENGRAVE); everything else gets `process["profile"]` (outside by default: the drawing
shows parts). For an outside profile an outer contour is offset outward by the tool
radius and a hole inward; "inside" treats the drawing as openings; "on" follows the line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from shapely.geometry import Polygon

from slicing.geometry import Drawing
from slicing.machine_spec import Material
from slicing.toolpaths.containment import nest, path_geometry
from slicing.toolpaths.contours import Contour, contours_from
from slicing.toolpaths.fidelity import Made, fidelity_issues
from slicing.toolpaths.issues import make_issue
from slicing.toolpaths.narrow import narrow_inside, narrow_outside, too_close
from slicing.toolpaths.offsets import offset_contour, offset_polygon, ring_points
from slicing.toolpaths.operations import assign_operations
from slicing.toolpaths.toolpath import drawing_issues

OPERATIONS = ("outside", "inside", "on", "pocket", "engrave")


@dataclass
class CncSettings:
    tool_diameter: float
    thickness: float
    through: float  # how far below the sheet a through-cut goes (into the spoilboard)
    stepdown: float
    feed: float
    plunge: float
    rpm: float
    safe_z: float
    climb: bool
    tabs: bool
    tab_width: float
    tab_height: float
    tab_spacing: float
    pocket_depth: float
    stepover: float
    engrave_depth: float
    ramp_angle: float  # degrees; 0 plunges straight down
    ramp_clearance: float = 0.5  # mm above the surface where a ramp starts

    @property
    def radius(self) -> float:
        return self.tool_diameter / 2


@dataclass
class CncItem:
    """One thing to machine: rings (tool-centre loops or an open line) and their depth."""

    rings: list[tuple[np.ndarray, bool]]  # (points, material_inside); open lines: material_inside unused
    closed: bool
    operation: str
    depth: float  # total depth below the surface, mm
    tabs: bool
    contour: Contour
    after: set[int] = field(default_factory=set)
    reach: Any = None  # pockets: where the tool centre may move at depth (links between loops)


def cnc_settings(material: Material, options: dict[str, Any]) -> tuple[CncSettings | None, list[dict]]:
    def num(key: str, fallback: float | None) -> float | None:
        value = options.get(key)
        return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else fallback

    tool = num("tool_diameter_mm", 6.0)
    thickness = num("depth_mm", material.thickness_mm)
    feed = num("feed_mm_min", material.feed_mm_min)
    if not tool or tool <= 0 or not thickness or not feed:
        missing = [k for k, v in (("tool_diameter_mm", tool), ("thickness_mm", thickness), ("feed_mm_min", feed)) if not v]
        return None, [
            make_issue("cnc_settings_missing", "error", None, join=', '.join(missing))
        ]
    settings = CncSettings(
        tool_diameter=tool,
        thickness=thickness,
        through=num("through_mm", 0.2) or 0.0,
        stepdown=num("stepdown_mm", material.stepdown_mm) or tool / 2,
        feed=feed,
        plunge=num("plunge_mm_min", material.plunge_mm_min) or feed / 3,
        rpm=num("spindle_rpm", material.spindle_rpm) or 12000.0,
        safe_z=num("safe_z_mm", 5.0) or 5.0,
        climb=str(options.get("direction", "climb")) != "conventional",
        tabs=bool(options.get("tabs", True)),
        tab_width=num("tab_width_mm", 6.0) or 6.0,
        tab_height=min(num("tab_height_mm", 2.0) or 2.0, thickness),
        tab_spacing=num("tab_spacing_mm", 150.0) or 150.0,
        pocket_depth=num("pocket_depth_mm", thickness / 2) or thickness / 2,
        stepover=min(max(num("stepover_pct", 40.0) or 40.0, 5.0), 95.0) / 100.0 * tool,
        engrave_depth=num("engrave_depth_mm", 0.5) or 0.5,
        ramp_angle=min(max(num("ramp_angle_deg", 5.0) or 0.0, 0.0), 45.0),
    )
    return settings, []


def _operations(contours: list[Contour], options: dict[str, Any]) -> tuple[list[str], list[dict]]:
    profile = str(options.get("profile", "outside"))
    profile = profile if profile in OPERATIONS else "outside"
    by_name = {name: name for name in OPERATIONS}
    layers = options.get("layers") if isinstance(options.get("layers"), dict) else {}
    merged = {**options, "layers": {**by_name, **{str(k): str(v) for k, v in layers.items()}}}
    ops, _ = assign_operations([c.path for c in contours], merged, default=profile)
    issues = []
    for op in sorted(set(ops) - set(OPERATIONS)):
        issues.append(
            make_issue("cnc_operation_unknown", "error", {"operation": op}, op=op, join=", ".join(OPERATIONS))
        )
    return ops, issues


def _narrow_issue(feature, r: float, contour: Contour) -> dict:
    width = f"{feature.width_mm:.1f} mm" if feature.width_mm == feature.width_mm else "?"
    return make_issue(
        "narrower_than_tool",
        "error",
        {**contour.location(), "x": round(feature.x, 2), "y": round(feature.y, 2)},
        width=width,
        x=round(feature.x, 1),
        y=round(feature.y, 1),
        r=2 * r,
    )


def plan_cnc(drawing: Drawing, s: CncSettings, options: dict[str, Any]) -> tuple[list[CncItem], list[dict]]:
    contours = contours_from(drawing)
    issues = drawing_issues(drawing, contours)
    ops, op_issues = _operations(contours, options)
    issues += op_issues
    geoms = [path_geometry(c.points, c.closed) for c in contours]
    nesting = nest(geoms)
    r = s.radius
    items: list[CncItem] = []
    owner: dict[int, list[int]] = {}
    parts: list[Polygon] = []
    part_owner: list[int] = []
    made = Made()
    for k, (contour, op, geom) in enumerate(zip(contours, ops, geoms, strict=True)):
        if op not in OPERATIONS or op == "pocket":
            made.explained.add(id(contour))  # an error of its own; pockets are areas, not lines
        if op not in OPERATIONS:
            continue
        depth_level = nesting.depth[k]
        through = s.thickness + s.through
        if op == "engrave" or not contour.closed or not isinstance(geom, Polygon):
            depth = s.engrave_depth if op == "engrave" else (s.pocket_depth if op == "pocket" else through)
            items.append(CncItem([(contour.points, False)], False, "engrave" if op == "engrave" else "on", depth, False, contour))
            made.add(contour, contour.points, False, items[-1].operation)
            owner.setdefault(k, []).append(len(items) - 1)
            continue
        if op == "pocket":
            region = geom
            for j in nesting.inside[k]:
                if nesting.parent[j] == k and isinstance(geoms[j], Polygon):
                    region = region.difference(geoms[j])
            issues += [_narrow_issue(f, r, contour) for f in narrow_inside(region, r)]
            rings = _pocket_rings(region, r, s.stepover)
            if rings:
                reach = region.buffer(-r + 1e-3, join_style="round")
                items.append(CncItem(rings, True, "pocket", s.pocket_depth, False, contour, reach=reach))
                owner.setdefault(k, []).append(len(items) - 1)
            continue
        # Profiles: which side is material, and the offset that puts the tool's edge on the line.
        opening = (op == "inside") == (depth_level % 2 == 0)  # the drawn loop bounds removed material
        before = len(issues)
        if op == "on":
            offset, tabs = 0.0, depth_level % 2 == 0
        elif opening:
            offset, tabs = -r, False
            issues += [_narrow_issue(f, r, contour) for f in narrow_inside(geom, r)]
        else:
            offset, tabs = r, True
            issues += [_narrow_issue(f, r, contour) for f in narrow_outside(geom, r)]
            if depth_level == 0:
                parts.append(geom)
                part_owner.append(k)
        rings = offset_contour(contour.points, offset, join="round") if offset else [contour.points]
        narrow_here = len(issues) > before
        if narrow_here or not rings:
            made.explained.add(id(contour))  # refused as narrower than the tool
        for ring in rings:
            made.add(contour, ring, True, op, offset)
            items.append(CncItem([(ring, not opening)], True, op, through, tabs and s.tabs, contour))
            owner.setdefault(k, []).append(len(items) - 1)
    for a, _b, point in too_close(parts, s.tool_diameter):
        issues.append(
            make_issue(
                "parts_too_close",
                "error",
                {**contours[part_owner[a]].location(), "x": round(point.x, 2), "y": round(point.y, 2)},
                tool_diameter=s.tool_diameter,
                x=round(point.x, 1),
                y=round(point.y, 1),
            )
        )
    issues += fidelity_issues(drawing, contours, made)
    # Everything inside a contour is machined before it (holes and pockets before the part's outline).
    for k, inner in enumerate(nesting.inside):
        for it in owner.get(k, []):
            for j in inner:
                items[it].after.update(owner.get(j, []))
    return items, issues


def _pocket_rings(region, r: float, stepover: float) -> list[tuple[np.ndarray, bool]]:
    """Offset loops clearing `region`, innermost first; the first offset (by r) finishes the walls."""
    levels = []
    distance = r
    while True:
        polys = offset_polygon(region, -distance, join="round") if region.geom_type == "Polygon" else [
            p for g in region.geoms for p in offset_polygon(g, -distance, join="round")
        ]
        if not polys:
            break
        loops = []
        for poly in polys:
            loops.append((ring_points(poly), False))
            for interior in poly.interiors:
                loops.append((np.asarray(interior.coords, dtype=float)[:-1], True))
        levels.append(loops)
        distance += stepover
        if len(levels) > 2000:  # guard against a degenerate region; never reached on sane input
            break
    return [loop for level in reversed(levels) for loop in level]
