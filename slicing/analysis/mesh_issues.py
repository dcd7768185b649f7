"""3D validation: what is wrong with a mesh for FDM printing, where, and what to do about it.

Messages are for beginners, in French first (the fablab's users) and English; each hint
names what to do in common modelling software.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from slicing.analysis.mesh_facts import MeshFacts
from slicing.analysis.orientation import fitting_orientations
from slicing.analysis.thin_walls import thin_walls
from slicing.toolpaths.issues import make_issue

if TYPE_CHECKING:  # annotations only: the pydantic models cost ~0.3 s to build (see slicing.machine_view)
    from slicing.machine_spec import Machine

MAX_LOCATIONS = 20
SMALL_HOLE_EDGES = 12  # open edges a slicer's automatic repair closes reliably


def _pts(points: np.ndarray) -> list[list[float]]:
    return [[round(float(c), 2) for c in p] for p in points[:MAX_LOCATIONS]]


def _mm(v: float) -> str:
    if 0 < v < 0.01:
        return "< 0.01"
    return f"{v:.2f}".rstrip("0").rstrip(".")


def _box(ext: np.ndarray | list[float]) -> str:
    return " × ".join(_mm(float(v)) for v in ext) + " mm"


def _mids(f: MeshFacts, edges: np.ndarray) -> np.ndarray:
    """Midpoints of (k, 2) vertex pairs, in float64 whatever the vertices' dtype."""
    return (f.vertices[edges[:, 0]].astype(np.float64) + f.vertices[edges[:, 1]]) / 2


def topology_issues(f: MeshFacts) -> list[dict[str, Any]]:
    issues = []
    if len(f.open_edges):
        mids = _mids(f, f.open_edges)
        # A missing triangle or two is closed by any slicer's repair; a surface with real holes is not.
        small = len(f.open_edges) <= min(SMALL_HOLE_EDGES, 0.001 * 1.5 * len(f.faces))
        issues.append(make_issue(
            "mesh_open_edges", "warning" if small else "error",
            {"open_edges": int(len(f.open_edges)), "points": _pts(mids)},
            n_open_edges=len(f.open_edges), small=bool(small),
        ))
    if len(f.nonmanifold_edges):
        mids = _mids(f, f.nonmanifold_edges)
        issues.append(make_issue(
            "mesh_nonmanifold_edges",
            "warning",
            {"edges": int(len(f.nonmanifold_edges)), "points": _pts(mids)},
            n_nonmanifold_edges=len(f.nonmanifold_edges),
        ))
    if len(f.misoriented_edges):
        mids = _mids(f, f.misoriented_edges)
        issues.append(make_issue(
            "mesh_inconsistent_winding",
            "warning",
            {"edges": int(len(f.misoriented_edges)), "points": _pts(mids)},
            n_misoriented_edges=len(f.misoriented_edges),
        ))
    inverted = [b for b in range(f.bodies) if f.body_watertight[b] and f.body_volumes[b] < 0]
    if inverted:
        issues.append(make_issue(
            "mesh_inverted_normals",
            "warning",
            {"bodies": inverted[:MAX_LOCATIONS]},
            n_inverted=len(inverted),
        ))
    if len(f.degenerate_faces):
        issues.append(make_issue(
            "mesh_degenerate_faces",
            "info",
            {"faces": [int(i) for i in f.degenerate_faces[:MAX_LOCATIONS]]},
            n_degenerate_faces=len(f.degenerate_faces),
        ))
    if f.bodies > 1:
        issues.append(make_issue(
            "mesh_several_bodies", "info", {"bodies": int(f.bodies)},
            bodies=int(f.bodies), overlap=f.union_volume_mm3 is not None,
        ))
    return issues


def flat_issue(f: MeshFacts) -> dict[str, Any] | None:
    ext = f.extents
    if ext.min() > 1e-6 and f.volume_mm3 > 1e-9 * max(1.0, float(ext.max()) ** 3):
        return None
    return make_issue(
        "mesh_no_volume",
        "error",
        {"bbox_mm": [round(float(v), 3) for v in ext]},
        ext=_box(ext),
    )


def scale_issue(f: MeshFacts) -> dict[str, Any] | None:
    """Tiny parts are usually a unit mistake: metres, inches, or a scan normalised to 1."""
    ext = f.extents
    biggest = float(ext.max())
    if biggest <= 0 or biggest >= 10:
        return None
    choices = [{"unit": "mm", "factor": 1.0, "bbox_mm": [round(float(v), 2) for v in ext]}]
    for unit, factor in (("in", 25.4), ("cm", 10.0), ("m", 1000.0)):
        size = ext * factor
        if 5 <= size.max() <= 2000:
            choices.append({"unit": unit, "factor": factor, "bbox_mm": [round(float(v), 2) for v in size]})
    normalised = abs(biggest - 1) < 0.02 or abs(biggest - 2) < 0.04
    severity = "warning" if biggest < 3 else "info"
    return make_issue(
        "mesh_scale_suspicious",
        severity,
        {"choices": choices},
        ext=_box(ext),
        normalised=bool(normalised),
    )


def fit_issues(f: MeshFacts, machines: list[Machine]) -> list[dict[str, Any]]:
    return [i for m in machines if (i := fit_issue(f.extents, m)) is not None]


def fit_issue(extents: np.ndarray, m: Machine) -> dict[str, Any] | None:
    """Too big in every orientation (error), or fits only turned (warning), on machine `m`:
    the same rule `prepare` applies before slicing (slicing.toolpaths.fdm.fit)."""
    area = (m.work_area.x, m.work_area.y, m.work_area.z)
    fits = fitting_orientations(extents, area)
    where = {"machine": m.id, "bbox_mm": [round(float(v), 2) for v in extents], "build_volume_mm": list(area)}
    if not fits:
        return make_issue("mesh_too_big", "error", where, extents=_box(extents), name=m.name, area=_box(area))
    if fits[0]["axes"] != [0, 1, 2]:
        best = fits[0]
        return make_issue("mesh_needs_rotation", "warning", {**where, "orientations": fits}, extents=_box(extents),
                          name=m.name, area=_box(area), rotation=best["rotation"], best2=_box(best["bbox_mm"]))
    return None


def nozzle_issues(f: MeshFacts, nozzle_mm: float) -> list[dict[str, Any]]:
    issues = []
    walls = thin_walls(f.triangles, f.normals_of, f.face_areas, nozzle_mm, f.faces)
    if walls is not None and walls.thin_area_mm2 >= 4 * nozzle_mm**2:
        issues.append(make_issue(
            "mesh_thin_walls",
            "warning",
            {"points": walls.points, "faces": walls.faces},
            nozzle_mm=_mm(nozzle_mm),
            min_thickness_mm=_mm(walls.min_thickness_mm),
            thin_area_mm2=round(walls.thin_area_mm2),
            nozzle_mm2=_mm(2 * nozzle_mm),
        ))
    small = []
    for b in range(f.bodies):
        ext = f.body_hi[b] - f.body_lo[b]
        if 0 < ext.max() < 2 * nozzle_mm or 0 < ext.min() < nozzle_mm / 2:
            small.append((b, (f.body_hi[b] + f.body_lo[b]) / 2, ext))
    if small:
        # every body too small: nothing would be printed at all (the slicer makes no layer)
        issues.append(make_issue(
            "mesh_details_too_small",
            "error" if len(small) == f.bodies else "warning",
            {"bodies": [s[0] for s in small[:MAX_LOCATIONS]], "points": _pts(np.array([s[1] for s in small]))},
            n_small=len(small),
            nozzle_mm=_mm(nozzle_mm),
            small=_box(small[0][2]),
        ))
    return issues


def overhang_issue(f: MeshFacts) -> dict[str, Any] | None:
    if f.overhang_area_mm2 < 1.0:
        return None
    # Only the centres shown are computed (a sphere's lower half is ~650,000 faces).
    largest = f.overhang_faces[np.argsort(-f.face_areas[f.overhang_faces])[:MAX_LOCATIONS]]
    centres = f.triangles[largest].mean(axis=1)
    return make_issue(
        "mesh_overhangs",
        "info",
        {"area_mm2": round(f.overhang_area_mm2, 1), "faces": [int(i) for i in f.overhang_faces[:MAX_LOCATIONS]],
         "points": _pts(centres)},
        overhang_area_mm2=round(f.overhang_area_mm2),
    )
