"""A machine's `process:` block, typed per kind, with every default written once, here.

The toolpath and analysis code reads these settings as a mapping (`process.get(key)`,
`{**machine.process, **job_options}`), so each model also behaves as a read-only mapping of
its set values. A value left as None is "derived elsewhere" (the first layer height from the
layer height, a CNC depth from the material's thickness...) and is left out of the mapping so
the reader's derivation applies. `extra="forbid"`: a misspelt key (`infil_pct`) stops start-up
with the machine and the field named, instead of being ignored.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, NonNegativeFloat, NonNegativeInt, PositiveFloat


class ProcessSettings(BaseModel):
    """Common behaviour: read-only mapping of the values that are set."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: str = Field(exclude=True)
    placement: Literal["origin", "centre", "keep"] = "origin"
    margin_mm: NonNegativeFloat = 0.0

    def _values(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True)

    def keys(self) -> list[str]:  # the mapping protocol `{**process}` relies on
        return list(self._values())

    def __getitem__(self, key: str) -> Any:
        return self._values()[key]

    def __contains__(self, key: object) -> bool:
        return key in self._values()

    def __len__(self) -> int:
        return len(self._values())

    def get(self, key: str, default: Any = None) -> Any:
        return self._values().get(key, default)

    def items(self) -> Iterator[tuple[str, Any]]:
        return iter(self._values().items())


class FdmProcess(ProcessSettings):
    """Slicing defaults of an FDM printer (mm, %, mm/s)."""

    kind: Literal["fdm"] = Field(default="fdm", exclude=True)
    placement: Literal["origin", "centre", "keep"] = "centre"
    slicer: Literal["auto", "builtin", "prusaslicer"] = "auto"
    nozzle_mm: PositiveFloat = 0.4
    layer_height_mm: PositiveFloat = 0.2
    first_layer_height_mm: PositiveFloat | None = None  # None: the layer height
    extrusion_width_mm: PositiveFloat | None = None  # None: 1.125 x the nozzle
    filament_mm: PositiveFloat = 1.75
    infill_pct: float = Field(default=20.0, ge=0, le=100)
    perimeters: int = Field(default=2, ge=1)
    top_layers: NonNegativeInt = 4
    bottom_layers: NonNegativeInt = 3
    perimeter_speed_mm_s: PositiveFloat = 40.0
    infill_speed_mm_s: PositiveFloat = 60.0
    solid_infill_speed_mm_s: PositiveFloat = 40.0
    first_layer_speed_mm_s: PositiveFloat = 20.0
    travel_speed_mm_s: PositiveFloat = 150.0
    retract_mm: NonNegativeFloat = 0.8
    retract_speed_mm_s: PositiveFloat = 35.0
    retract_min_travel_mm: NonNegativeFloat = 1.0
    skirt_loops: NonNegativeInt = 1
    skirt_distance_mm: NonNegativeFloat = 3.0
    solid_infill_below_area_mm2: NonNegativeFloat = 70.0
    fan_pct: float = Field(default=100.0, ge=0, le=100)
    max_nozzle_temp_c: PositiveFloat = 300.0
    max_bed_temp_c: PositiveFloat = 120.0
    slice_timeout_s: PositiveFloat | None = None  # None: the slicer's own limit
    slicer_timeout_s: PositiveFloat | None = None


class LaserProcess(ProcessSettings):
    """Laser defaults; `colours`/`layers` map an SVG stroke colour or a DXF layer to an operation."""

    kind: Literal["laser"] = Field(default="laser", exclude=True)
    kerf_mm: NonNegativeFloat = 0.0
    air_assist: bool = False
    s_max: PositiveFloat = 1000.0  # GRBL $30
    engrave_fill: bool = True
    engrave_interval_mm: PositiveFloat = 0.1
    two_opt: bool = True
    colours: dict[str, str] = Field(default_factory=dict)
    layers: dict[str, str] = Field(default_factory=dict)


class CncProcess(ProcessSettings):
    """Router defaults; cutting data missing here comes from the material."""

    kind: Literal["cnc"] = Field(default="cnc", exclude=True)
    tool_diameter_mm: PositiveFloat = 6.0
    safe_z_mm: PositiveFloat = 5.0
    through_mm: NonNegativeFloat = 0.2
    tabs: bool = True
    tab_width_mm: PositiveFloat = 6.0
    tab_height_mm: NonNegativeFloat = 2.0
    tab_spacing_mm: PositiveFloat = 150.0
    direction: Literal["climb", "conventional"] = "climb"
    profile: Literal["outside", "inside", "on", "pocket", "engrave"] = "outside"
    stepover_pct: float = Field(default=40.0, ge=5, le=95)
    engrave_depth_mm: PositiveFloat = 0.5
    ramp_angle_deg: float = Field(default=5.0, ge=0, le=45)
    spindle_max_rpm: PositiveFloat = 30000.0
    two_opt: bool = True
    depth_mm: PositiveFloat | None = None  # None: the material's thickness
    pocket_depth_mm: PositiveFloat | None = None  # None: half the thickness
    stepdown_mm: PositiveFloat | None = None  # None: the material's
    feed_mm_min: PositiveFloat | None = None
    plunge_mm_min: PositiveFloat | None = None
    spindle_rpm: PositiveFloat | None = None
    layers: dict[str, str] = Field(default_factory=dict)


class VinylProcess(ProcessSettings):
    """Drag-knife defaults; `output` None means HPGL on an HPGL cutter, G-code otherwise."""

    kind: Literal["vinyl"] = Field(default="vinyl", exclude=True)
    output: Literal["hpgl", "gcode"] | None = None
    blade_offset_mm: NonNegativeFloat = 0.25
    overcut_mm: NonNegativeFloat = 1.0
    weeding_border: bool = True
    weeding_border_mm: NonNegativeFloat = 0.0
    min_island_mm: NonNegativeFloat = 2.0
    knife_down_z_mm: float = 0.0
    knife_up_z_mm: float = 2.0
    two_opt: bool = True
    colours: dict[str, str] = Field(default_factory=dict)
    layers: dict[str, str] = Field(default_factory=dict)


PROCESS_MODELS: dict[str, type[ProcessSettings]] = {
    "fdm": FdmProcess, "laser": LaserProcess, "cnc": CncProcess, "vinyl": VinylProcess,
}
AnyProcess = FdmProcess | LaserProcess | CncProcess | VinylProcess
