"""FDM settings: the machine's process defaults, the material, and the job's options."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from slicing.machine_spec import Machine, Material

INFILL_OVERLAP = 0.25  # PrusaSlicer's default infill_overlap
FIRST_LAYER_WIDTH = 2.0  # PrusaSlicer's first_layer_extrusion_width: 200 % of the first layer's height
INFILL_ANCHOR = 6.0  # PrusaSlicer's infill_anchor: 600 % of the infill's width
INFILL_ANCHOR_MAX_MM = 50.0  # PrusaSlicer's infill_anchor_max
BRIDGE_EXTRA_SPACING_MM = 0.05  # PrusaSlicer's thick bridges: round beads of the nozzle's size, this far apart
EXTERNAL_INFILL_MARGIN_MM = 3.0  # PrusaSlicer 2.5 grows top and bottom surfaces this far into the infill


@dataclass
class FdmSettings:
    nozzle: float
    layer_height: float
    first_layer_height: float
    width: float  # extrusion width
    perimeters: int
    top_layers: int
    bottom_layers: int
    infill: float  # 0..1
    filament_diameter: float
    nozzle_temp: float
    first_layer_nozzle_temp: float
    bed_temp: float
    speed_perimeter: float  # mm/min, every speed below too
    speed_infill: float
    speed_solid: float
    speed_first_layer: float
    speed_travel: float
    retract_length: float
    retract_speed: float
    retract_min_travel: float
    skirt_distance: float
    skirt_loops: int
    density_g_cm3: float
    solid_below_area: float  # mm2: sparse islands smaller than this are filled solid
    fan: float  # 0..1, part cooling from the second layer on

    @property
    def filament_area(self) -> float:
        return math.pi * (self.filament_diameter / 2) ** 2

    def layer_width(self, first: bool) -> float:
        """Extrusion width on a layer: PrusaSlicer's first_layer_extrusion_width (200 % of the
        first layer's height) on the first, the extrusion width above."""
        return FIRST_LAYER_WIDTH * self.first_layer_height if first else self.width

    def spacing(self, height: float, width: float | None = None) -> float:
        """Centre-to-centre distance of touching beads: PrusaSlicer's Flow model, a bead being a
        rectangle with half-round sides (so neighbours overlap by height x (1 - pi/4))."""
        return (width or self.width) - height * (1.0 - math.pi / 4.0)

    def bead_area(self, height: float, width: float | None = None) -> float:
        """Section of one bead (mm2): a width x height rectangle with half-disc ends, as PrusaSlicer
        computes it; a plain rectangle overstated perimeters by 10 %."""
        return ((width or self.width) - height) * height + math.pi * height * height / 4.0

    def e_per_mm(self, height: float, width: float | None = None) -> float:
        """Filament length pushed per mm of bead."""
        return self.bead_area(height, width) / self.filament_area

    @property
    def bridge_e_per_mm(self) -> float:
        """Filament per mm of a bridge line: PrusaSlicer's thick bridges, a round bead as wide as
        the nozzle whatever the layer height."""
        return math.pi * self.nozzle * self.nozzle / 4.0 / self.filament_area

    @property
    def bridge_spacing(self) -> float:
        return self.nozzle + BRIDGE_EXTRA_SPACING_MM

    def perimeter_offsets(self, height: float, width: float | None = None) -> list[float]:
        """Inward offsets of the perimeter centrelines, outer wall first, then how far in the
        infill area starts: outer bead touching the outline, the others `spacing` apart, infill
        overlapping the last wall by PrusaSlicer's default infill_overlap (25 % of the distance
        between the wall's and the infill's centrelines)."""
        w = width or self.width
        sp = self.spacing(height, w)
        offsets = [w / 2 + k * sp for k in range(self.perimeters)]
        return offsets + [offsets[-1] + sp / 2 - INFILL_OVERLAP * sp]


def fdm_settings(machine: Machine, material: Material, options: dict[str, Any]) -> FdmSettings:
    def num(key: str, default: float) -> float:
        value = options.get(key, default)
        return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else default

    rates = machine.motion.max_rate_mm_min
    xy_max = min(rates.x, rates.y)

    def speed(key: str, default_mm_s: float) -> float:
        return min(num(key, default_mm_s) * 60.0, xy_max)

    nozzle = num("nozzle_mm", 0.4)
    layer = num("layer_height_mm", 0.2)
    infill = num("infill_pct", 20.0)
    nozzle_temp = material.nozzle_temp_c or 210.0
    return FdmSettings(
        nozzle=nozzle,
        layer_height=layer,
        first_layer_height=num("first_layer_height_mm", layer),
        width=num("extrusion_width_mm", round(nozzle * 1.125, 3)),
        perimeters=max(1, int(num("perimeters", 2))),
        top_layers=max(0, int(num("top_layers", 4))),
        bottom_layers=max(0, int(num("bottom_layers", 3))),
        infill=min(max(infill, 0.0), 100.0) / 100.0,
        filament_diameter=num("filament_mm", 1.75),
        nozzle_temp=nozzle_temp,
        first_layer_nozzle_temp=material.first_layer_nozzle_temp_c or nozzle_temp,
        bed_temp=material.bed_temp_c or 0.0,
        speed_perimeter=speed("perimeter_speed_mm_s", 40.0),
        speed_infill=speed("infill_speed_mm_s", 60.0),
        speed_solid=speed("solid_infill_speed_mm_s", 40.0),
        speed_first_layer=speed("first_layer_speed_mm_s", 20.0),
        speed_travel=speed("travel_speed_mm_s", 150.0),
        retract_length=num("retract_mm", 0.8),
        retract_speed=min(num("retract_speed_mm_s", 35.0) * 60.0, rates.e),
        retract_min_travel=num("retract_min_travel_mm", 1.0),
        skirt_distance=num("skirt_distance_mm", 3.0),
        skirt_loops=int(num("skirt_loops", 1)),
        density_g_cm3=material.density_g_cm3 or 1.24,
        solid_below_area=num("solid_infill_below_area_mm2", 70.0),
        fan=min(max(num("fan_pct", 100.0), 0.0), 100.0) / 100.0,
    )
