"""Time before slicing: a small per-process model from the analysis figures alone.

This is the seam the motion-planner model (its own issue) will replace or refit: the
coefficients are the constants below, nothing else reads them. Inputs are the analysis
metrics (unit-suffixed names), the machine and the material; output is seconds.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from slicing.prusaslicer_exe import prusaslicer_path

if TYPE_CHECKING:  # annotations only: the pydantic models cost ~0.3 s to build (see slicing.machine_view)
    from slicing.machine_spec import Machine, Material

# Coefficients fitted by bench/fit_preslice.py (least squares on log(preslice / model)) to the
# motion-planner model (slicing.motion: the prepared program timed as its firmware runs it),
# over the corpus files each process accepts, every material, plus generated solids for the
# printers. Relative error left against the model, median (max): see bench/fit_preslice.py --check
# and the figures in FDM_TIME's comment. Refit: python bench/fit_preslice.py.
#
# FDM: the part as a slicer builds it, from the analysis's facing areas (slicing.analysis.mesh_flow):
# perimeter length = wall area x perimeters / layer height; skin length = (top area x top layers +
# bottom area x bottom layers) / extrusion width; infill length = what is left of the volume x
# infill ratio / bead section. Time = seconds per mm of each, a per-layer cost and a fixed start
# on top of the heat-up; filament = the beads' volumes times a factor per kind. Each slicer lays
# the part down its own way (speeds, order, overlaps): one set of coefficients per slicer, the one
# the machine is configured with (`slicer:` in machines.yaml; auto = PrusaSlicer when installed).
# (s/mm perimeter, s/mm skin, s/mm infill, s/layer, start s). Against the program of each printer's
# configured slicer (bench/fit_preslice.py, 2026-12-01: the 4 corpus STLs that slice and 8 generated
# solids, every material): prusa-mk3 (PrusaSlicer) time median 2.9 % max 8.1 %, filament 2.1 % / 6.4 % (24
# programs); ender-3 (built-in) time 4.0 % / 7.6 %, filament 1.2 % / 5.2 % (12 programs). Was, with
# one model for both: prusa-mk3 5 % / 26 %, ender-3 10 % / 38 %. The built-in slicer's per-layer and
# start costs fit to zero: its per-mm costs already carry them.
FDM_TIME = {
    "prusaslicer": (0.04355, 0.03115, 0.01606, 0.3103, 56.3),
    "builtin": (0.0537, 0.0285, 0.008451, 0.0, 0.0),
}
# (perimeters, skins, infill) volume factors: what each slicer really lays down for each kind.
FDM_FILAMENT = {
    "prusaslicer": (0.97, 0.9595, 1.08),
    "builtin": (0.8938, 0.9275, 1.05),
}
# 2D: head-down lengths at the material's speed, times what acceleration and corners add; each
# pierce/plunge/blade-down costs a pause; travel between parts ~ factor * sqrt(n * area). Error left
# at the last 2D fit (session 2), median (max): laser 1 % (3 %); vinyl 26 % (131 %); CNC 29 % (58 %):
# their time hangs on vertex density (drag-knife swivels, plunges, tabs) the upload metrics do not see.
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


def fdm_slicer(machine: Machine) -> str:
    """The slicer `prepare` will use for this machine (its FDM_TIME row)."""
    choice = str(machine.process.get("slicer", "auto"))
    if choice in FDM_TIME:
        return choice
    return "prusaslicer" if prusaslicer_path() else "builtin"


def _beads(metrics: dict, machine: Machine) -> tuple[tuple[float, float, float], tuple[float, float, float], float]:
    """((perimeter, skin, infill) lengths in mm, their volumes in mm³, layers)."""
    p = machine.process
    height = float(p.get("layer_height_mm", 0.2))
    width = float(p.get("extrusion_width_mm", float(p.get("nozzle_mm", 0.4)) * 1.125))
    area = float(metrics.get("area_mm2") or 0.0)
    walls = float(metrics.get("wall_area_mm2", area * 0.5))  # an analysis stored before the facing areas
    top = float(metrics.get("top_area_mm2", area * 0.25))
    bottom = float(metrics.get("bottom_area_mm2", area * 0.25))
    volume = float(metrics.get("volume_mm3") or 0.0)
    shell_v = walls * float(p.get("perimeters", 2)) * width
    skin_v = (top * float(p.get("top_layers", 4)) + bottom * float(p.get("bottom_layers", 3))) * height
    infill_v = max(volume - shell_v - skin_v, 0.0) * float(p.get("infill_pct", 20)) / 100.0
    if shell_v + skin_v > volume:  # a thin part is all walls and skins: no more than the part itself
        scale = volume / (shell_v + skin_v) if shell_v + skin_v > 0 else 0.0
        shell_v, skin_v = shell_v * scale, skin_v * scale
    section = width * height
    z = float((metrics.get("bbox_mm") or [0, 0, 0])[2])
    layers = math.ceil(z / height) if z > 0 else 0
    return (shell_v / section, skin_v / section, infill_v / section), (shell_v, skin_v, infill_v), layers


def fdm_printed_volume_mm3(metrics: dict, machine: Machine) -> tuple[float, float]:
    """(shell, infill) volumes of filament in mm³: walls and skins, and the infill."""
    _, (shell, skin, infill), _ = _beads(metrics, machine)
    k_shell, k_skin, k_infill = FDM_FILAMENT[fdm_slicer(machine)]
    return shell * k_shell + skin * k_skin, infill * k_infill


def _heat_seconds(machine: Machine, material: Material) -> float:
    nozzle = (material.nozzle_temp_c or 0) - AMBIENT_C
    bed = (material.bed_temp_c or 0) - AMBIENT_C
    return max(nozzle / machine.motion.hotend_heat_c_per_s, bed / machine.motion.bed_heat_c_per_s, 0.0)


def _fdm(metrics: dict, machine: Machine, material: Material) -> float:
    lengths, _, layers = _beads(metrics, machine)
    per_mm_shell, per_mm_skin, per_mm_infill, per_layer, start = FDM_TIME[fdm_slicer(machine)]
    return (lengths[0] * per_mm_shell + lengths[1] * per_mm_skin + lengths[2] * per_mm_infill + layers * per_layer
            + start + _heat_seconds(machine, material))


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
