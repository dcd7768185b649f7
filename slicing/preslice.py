"""Time before slicing: a small per-process model from the analysis figures alone.

This is the seam the motion-planner model (its own issue) will replace or refit: the
coefficients are the constants below, nothing else reads them. Inputs are the analysis
metrics (unit-suffixed names), the machine and the material; output is seconds.
"""

from __future__ import annotations

import math

from slicing.machine_spec import Machine, Material

# FDM: volumetric flow of perimeters (slow, accurate) and of infill, per-layer overhead.
FDM_SHELL_FLOW_MM3_S = 2.0
FDM_INFILL_FLOW_MM3_S = 4.0
FDM_LAYER_OVERHEAD_S = 2.0
FDM_SHELL_THICKNESS_MM = 0.8  # perimeters + top/bottom skins, averaged over the surface
# 2D: head-down lengths at the material's speed; each pierce/plunge/blade-down costs a pause.
LASER_PIERCE_S = 0.3
ENGRAVE_LINE_SPACING_MM = 0.1
CNC_PLUNGE_DEPTH_FACTOR = 1.0
VINYL_BLADE_DOWN_S = 0.2
TRAVEL_FACTOR = 0.75  # nearest-neighbour tour length ~ factor * sqrt(n * area)
AMBIENT_C = 25.0


def fdm_printed_volume_mm3(metrics: dict, machine: Machine) -> tuple[float, float]:
    """(shell, infill) volumes in mm³: walls and skins solid, the rest at the infill ratio."""
    volume = float(metrics.get("volume_mm3") or 0.0)
    area = float(metrics.get("area_mm2") or 0.0)
    shell = min(volume, area * FDM_SHELL_THICKNESS_MM)
    infill = (volume - shell) * float(machine.process.get("infill_pct", 20)) / 100.0
    return shell, infill


def _heat_seconds(machine: Machine, material: Material) -> float:
    nozzle = (material.nozzle_temp_c or 0) - AMBIENT_C
    bed = (material.bed_temp_c or 0) - AMBIENT_C
    return max(nozzle / machine.motion.hotend_heat_c_per_s, bed / machine.motion.bed_heat_c_per_s, 0.0)


def _fdm(metrics: dict, machine: Machine, material: Material) -> float:
    shell, infill = fdm_printed_volume_mm3(metrics, machine)
    height = float((metrics.get("bbox_mm") or [0, 0, 0])[2])
    layers = math.ceil(height / float(machine.process.get("layer_height_mm", 0.2))) if height > 0 else 0
    return (shell / FDM_SHELL_FLOW_MM3_S + infill / FDM_INFILL_FLOW_MM3_S + layers * FDM_LAYER_OVERHEAD_S
            + _heat_seconds(machine, material))


def _travel_seconds(metrics: dict, machine: Machine) -> float:
    w, h = (metrics.get("bbox_mm") or [0, 0])[:2]
    n = int(metrics.get("pierce_count") or 0)
    distance = TRAVEL_FACTOR * math.sqrt(max(n, 1) * max(w * h, 0.0))
    rate = min(machine.motion.max_rate_mm_min.x, machine.motion.max_rate_mm_min.y) / 60.0
    return distance / rate


def _laser_or_vinyl(metrics: dict, machine: Machine, material: Material) -> float:
    lengths = metrics.get("length_by_operation_mm") or {"cut": metrics.get("cut_length_mm", 0.0)}
    seconds = 0.0
    for op, length in lengths.items():
        settings = material.operations.get(op) or material.operations.get("cut")
        if settings is None:
            continue
        seconds += float(length) / (settings.speed_mm_min / 60.0) * settings.passes
    engrave = material.operations.get("engrave")
    if engrave is not None and metrics.get("engrave_area_mm2"):
        seconds += float(metrics["engrave_area_mm2"]) / ENGRAVE_LINE_SPACING_MM / (engrave.speed_mm_min / 60.0)
    pause = LASER_PIERCE_S if machine.kind == "laser" else VINYL_BLADE_DOWN_S
    return seconds + int(metrics.get("pierce_count") or 0) * pause + _travel_seconds(metrics, machine)


def _cnc(metrics: dict, machine: Machine, material: Material) -> float:
    thickness = material.thickness_mm or 3.0
    passes = math.ceil(thickness / (material.stepdown_mm or thickness))
    feed = (material.feed_mm_min or 1000.0) / 60.0
    plunge = (material.plunge_mm_min or 300.0) / 60.0
    length = float(metrics.get("cut_length_mm") or 0.0)
    pierces = int(metrics.get("pierce_count") or 0)
    return (length * passes / feed + pierces * passes * CNC_PLUNGE_DEPTH_FACTOR * thickness / passes / plunge
            + _travel_seconds(metrics, machine) * passes)


MODELS = {"fdm": _fdm, "laser": _laser_or_vinyl, "vinyl": _laser_or_vinyl, "cnc": _cnc}


def preslice_seconds(kind: str, metrics: dict, machine: Machine, material: Material) -> float:
    """Estimated machine time in seconds for this job, before any toolpath exists."""
    model = MODELS.get(kind)
    if model is None:
        raise ValueError(f"no time model for process '{kind}'")
    return max(0.0, float(model(metrics, machine, material)))
