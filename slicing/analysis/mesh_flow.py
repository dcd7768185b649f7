"""The 3D analysis: facts, issues, metrics and quotes for one mesh."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from slicing.analysis import mesh_issues as mi
from slicing.analysis.heap import give_back
from slicing.analysis.mesh_facts import mesh_facts
from slicing.analysis.mesh_footprint import first_layer_check
from slicing.analysis.orientation import fitting_orientations
from slicing.analysis.targets import Targets
from slicing.quote import quotes_for
from slicing.readers import StlData

if TYPE_CHECKING:  # annotations only: the pydantic models cost ~0.3 s to build (see slicing.machine_view)
    from slicing.machine_spec import FablabSpec

DEFAULT_NOZZLE_MM = 0.4
SKIN_FROM = 0.2  # |normal z| from which a face counts as skin, fully at 1 (fitted: bench/fit_preslice.py)


def facing_areas(areas: np.ndarray, nz: np.ndarray) -> dict[str, float]:
    """The surface as a printer builds it: walls (projected on the vertical: perimeters over every
    layer) and what faces up or down flat enough to get skins (projected on the bed: top and
    bottom layers). The pre-slice quote (slicing.preslice) reads them. `nz`: the z of each
    face's unit normal."""

    def walls() -> float:  # areas * sqrt(max(1 - nz², 0)), computed in place: one temporary, not four
        w = np.multiply(nz, nz)
        np.subtract(1.0, w, out=w)
        np.clip(w, 0.0, None, out=w)
        np.sqrt(w, out=w)
        w *= areas
        return round(float(w.sum()), 2)

    def skin(sign: float) -> float:
        # Steep faces expose a ring narrower than the perimeters each layer: no skin of their own.
        # areas * w * x with x = nz * sign (sign is ±1), one temporary: w * x is w * nz, negated
        # when sign is -1, which are the same bits.
        w = np.multiply(nz, sign)
        w -= SKIN_FROM
        w /= 1.0 - SKIN_FROM
        np.clip(w, 0.0, 1.0, out=w)
        w *= nz
        if sign < 0:
            np.negative(w, out=w)
        w *= areas
        return round(float(w.sum()), 2)

    return {"wall_area_mm2": walls(), "top_area_mm2": skin(1.0), "bottom_area_mm2": skin(-1.0)}


def analyze_mesh(data: StlData, targets: Targets, spec: FablabSpec,
                 unit_chosen: bool = False) -> tuple[list[dict], dict[str, Any], list[dict]]:
    """`unit_chosen`: the member chose the unit (slicing.units): the size is no longer asked."""
    f = mesh_facts(data.triangles)
    issues: list[dict] = []
    flat = mi.flat_issue(f)
    if flat is not None:
        issues.append(flat)
    issues += mi.topology_issues(f)
    scale = None if unit_chosen else mi.scale_issue(f)
    if scale is not None:
        issues.append(scale)
    fits = {m.id: bool(fitting_orientations(f.extents, (m.work_area.x, m.work_area.y, m.work_area.z)))
            for m in targets.machines}
    fit = mi.fit_issues(f, targets.machines)
    if not targets.chosen and any(fits.values()):
        # Several printers: too big for one is not an error while another can take it.
        for issue in fit:
            if issue["severity"] == "error":
                issue["severity"] = "warning"
    issues += fit
    machine = targets.main_machine()
    nozzle = float(machine.process.get("nozzle_mm", DEFAULT_NOZZLE_MM)) if machine else DEFAULT_NOZZLE_MM
    if flat is None and (scale is None or scale["severity"] == "info"):
        issues += mi.nozzle_issues(f, nozzle)
        give_back()  # the thin-wall passes' blocks
    overhang = mi.overhang_issue(f) if flat is None else None
    if overhang is not None:
        issues.append(overhang)
    first_layer_area = None
    if flat is None and f.watertight:  # the shoelace sum needs a closed surface
        first_layer_area, first_layer = first_layer_check(f.triangles, float(f.bbox_min[2]), targets.machines,
                                                           f.z_range)
        if first_layer is not None:
            issues.append(first_layer)
    density = None
    if machine is not None:
        try:
            density = machine.material(targets.material).density_g_cm3
        except KeyError:
            density = machine.materials[0].density_g_cm3
    volume = f.volume_mm3
    metrics: dict[str, Any] = {
        "triangles": int(len(f.faces)),
        "vertices": int(len(f.vertices)),
        "bodies": int(f.bodies),
        "volume_mm3": round(volume, 6),
        "area_mm2": round(f.area_mm2, 6),
        "bbox_mm": [round(float(v), 6) for v in f.extents],
        "bbox_min_mm": [round(float(v), 3) for v in f.bbox_min],
        "mass_g": round(volume / 1000.0 * density, 2) if density else None,
        "overhang_area_mm2": round(f.overhang_area_mm2, 2),
        "open_edges": int(len(f.open_edges)),
        "watertight": bool(f.watertight),
        "ascii": bool(data.ascii),
    }
    metrics.update(facing_areas(f.face_areas, f.normal_z))
    if first_layer_area is not None:
        metrics["first_layer_area_mm2"] = round(first_layer_area, 2)
    if f.union_volume_mm3 is not None:
        metrics["volume_sum_mm3"] = round(float(abs(f.body_volumes).sum()), 3)
    quotes = [] if flat is not None else quotes_for(lambda m: metrics, targets.machines, spec, targets.material, fits)
    return issues, metrics, quotes
