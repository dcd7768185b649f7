"""Time before slicing: a small per-process model from the analysis figures alone.

This is the seam the motion-planner model (its own issue) will replace or refit: the
coefficients are the constants below, nothing else reads them. Inputs are the analysis
metrics (unit-suffixed names), the machine and the material; output is seconds.
"""

from __future__ import annotations

import math

from slicing.machine_spec import Machine, Material

# Coefficients fitted by bench/fit_preslice.py (least squares on log(preslice / model)) to the
# motion-planner model (slicing.motion: the prepared program timed as its firmware runs it),
# over the corpus files each process accepts, every material, plus 5 generated solids for the
# printers: 96 programs. Relative error left against the model, median (max):
#   FDM 6% (38%) [corpus files alone 7% (38%)]; laser 1% (3%); vinyl 26% (131%); CNC 29% (58%).
# Vinyl and CNC keep the most: their time hangs on vertex density (short drag-knife swivels,
# plunges, tabs) that the upload metrics do not see. Refit: python bench/fit_preslice.py.
# FDM: volumetric flow of perimeters (slow, accurate) and of infill, per-layer overhead, and a
# fixed start (homing, heaters settling) on top of the heat-up time.
FDM_SHELL_FLOW_MM3_S = 2.93
FDM_INFILL_FLOW_MM3_S = 3.92
FDM_LAYER_OVERHEAD_S = 1.55
FDM_START_S = 59.4
FDM_SHELL_THICKNESS_MM = 0.8  # perimeters + top/bottom skins, averaged over the surface
# 2D: head-down lengths at the material's speed, times what acceleration and corners add; each
# pierce/plunge/blade-down costs a pause; travel between parts ~ factor * sqrt(n * area).
LASER_PIERCE_S = 0.081
LASER_CUT_FACTOR = 1.0
LASER_TRAVEL_FACTOR = 2.64
ENGRAVE_LINE_SPACING_MM = 0.1
CNC_PLUNGE_DEPTH_FACTOR = 4.2
CNC_CUT_FACTOR = 1.46
CNC_TRAVEL_FACTOR = 0.0  # fitted to zero: the cut factor already carries the moves between cuts
VINYL_BLADE_DOWN_S = 1.08
VINYL_CUT_FACTOR = 2.66
VINYL_TRAVEL_FACTOR = 0.0  # likewise
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
            + _heat_seconds(machine, material) + FDM_START_S)


def _travel_seconds(metrics: dict, machine: Machine, factor: float) -> float:
    w, h = (metrics.get("bbox_mm") or [0, 0])[:2]
    n = int(metrics.get("pierce_count") or 0)
    distance = factor * math.sqrt(max(n, 1) * max(w * h, 0.0))
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
    laser = machine.kind == "laser"
    seconds *= LASER_CUT_FACTOR if laser else VINYL_CUT_FACTOR
    pause = LASER_PIERCE_S if laser else VINYL_BLADE_DOWN_S
    travel = _travel_seconds(metrics, machine, LASER_TRAVEL_FACTOR if laser else VINYL_TRAVEL_FACTOR)
    return seconds + int(metrics.get("pierce_count") or 0) * pause + travel


def _cnc(metrics: dict, machine: Machine, material: Material) -> float:
    thickness = material.thickness_mm or 3.0
    passes = math.ceil(thickness / (material.stepdown_mm or thickness))
    feed = (material.feed_mm_min or 1000.0) / 60.0
    plunge = (material.plunge_mm_min or 300.0) / 60.0
    length = float(metrics.get("cut_length_mm") or 0.0)
    pierces = int(metrics.get("pierce_count") or 0)
    return (CNC_CUT_FACTOR * length * passes / feed
            + pierces * passes * CNC_PLUNGE_DEPTH_FACTOR * thickness / passes / plunge
            + _travel_seconds(metrics, machine, CNC_TRAVEL_FACTOR) * passes)


MODELS = {"fdm": _fdm, "laser": _laser_or_vinyl, "vinyl": _laser_or_vinyl, "cnc": _cnc}


def preslice_seconds(kind: str, metrics: dict, machine: Machine, material: Material) -> float:
    """Estimated machine time in seconds for this job, before any toolpath exists."""
    model = MODELS.get(kind)
    if model is None:
        raise ValueError(f"no time model for process '{kind}'")
    return max(0.0, float(model(metrics, machine, material)))
