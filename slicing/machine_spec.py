"""What a machine is, as the rest of the code sees it: pure data, validated by pydantic.

The schema lives in `slicing` (not `jobqueue`) because analysis, toolpaths and the time
model all need a machine's work area, motion limits and materials, and `slicing` must not
import anything above it. `jobqueue.machines` loads `machines.yaml` into these models.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from slicing.machine_process import PROCESS_MODELS, AnyProcess
from slicing.machine_view import machine_of, material_of
from slicing.people_spec import Quota, TrainingKind

Kind = Literal["fdm", "laser", "cnc", "vinyl"]
DriverName = Literal["marlin", "grbl", "hpgl", "octoprint"]
PriceUnit = Literal["g", "m2", "m"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class WorkArea(_Strict):
    """Usable volume in mm; z is 0 for 2D machines without a Z travel worth checking."""

    x: float = Field(gt=0)
    y: float = Field(gt=0)
    z: float = Field(default=0, ge=0)


class AxisValues(_Strict):
    x: float = Field(gt=0)
    y: float = Field(gt=0)
    z: float = Field(default=10.0, gt=0)
    e: float = Field(default=50.0, gt=0)


class Motion(_Strict):
    """Limits the time model and the program checks use (GRBL `$110..$122`, Marlin M201/M203/M205)."""

    max_rate_mm_min: AxisValues
    acceleration_mm_s2: AxisValues
    junction_deviation_mm: float | None = Field(default=0.01, gt=0)
    jerk_mm_s: AxisValues | None = None
    arc_tolerance_mm: float = Field(default=0.002, gt=0)
    print_acceleration_mm_s2: float | None = Field(default=None, gt=0)
    travel_acceleration_mm_s2: float | None = Field(default=None, gt=0)
    retract_acceleration_mm_s2: float | None = Field(default=None, gt=0)
    hotend_heat_c_per_s: float = Field(default=2.0, gt=0)
    bed_heat_c_per_s: float = Field(default=0.5, gt=0)


class Operation(_Strict):
    """A laser/vinyl/CNC operation's settings for one material (power in %, speed in mm/min)."""

    power_pct: float = Field(default=100, ge=0, le=100)
    speed_mm_min: float = Field(gt=0)
    passes: int = Field(default=1, ge=1)


class Material(_Strict):
    name: str = Field(min_length=1)
    price: float = Field(ge=0, description="euros per price_unit")
    price_unit: PriceUnit
    density_g_cm3: float | None = Field(default=None, gt=0)
    thickness_mm: float | None = Field(default=None, gt=0)
    nozzle_temp_c: float | None = Field(default=None, ge=0, le=500)
    bed_temp_c: float | None = Field(default=None, ge=0, le=150)
    first_layer_nozzle_temp_c: float | None = Field(default=None, ge=0, le=500)
    # Laser/vinyl: operation name -> settings; SVG stroke colours / DXF layers map to names.
    operations: dict[str, Operation] = Field(default_factory=dict)
    # CNC: cutting data.
    feed_mm_min: float | None = Field(default=None, gt=0)
    plunge_mm_min: float | None = Field(default=None, gt=0)
    stepdown_mm: float | None = Field(default=None, gt=0)
    spindle_rpm: float | None = Field(default=None, gt=0)


class Connection(_Strict):
    """How the driver reaches the machine: a pyserial URL or an OctoPrint server."""

    port: str | None = None
    baud: int = Field(default=115200, gt=0)
    flow_control: Literal["none", "xonxoff", "rtscts"] = "none"
    url: str | None = None
    api_key_env: str | None = None


class Simulator(_Strict):
    """A firmware simulator behind a pseudo-terminal stands in for the machine (demo, tests)."""

    firmware: Literal["marlin", "grbl", "hpgl"]
    speed_factor: float = Field(default=20.0, gt=0)
    advanced_ok: bool = True
    rx_buffer_bytes: int | None = Field(default=None, gt=0)


class Machine(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$")
    name: str = Field(min_length=1)
    kind: Kind
    driver: DriverName
    connection: Connection = Field(default_factory=Connection)
    simulator: Simulator | None = None
    work_area: WorkArea
    motion: Motion
    materials: list[Material] = Field(min_length=1)
    hourly_rate: float = Field(ge=0, description="euros per machine hour")
    setup_fee: float = Field(default=0, ge=0)
    # After a run, the machine waits until someone confirms the bed or stock is clear.
    clearance_required: bool = True
    # Process defaults, typed per kind (slicing.machine_process): a misspelt key is an error.
    process: AnyProcess = Field(discriminator="kind")

    @model_validator(mode="before")
    @classmethod
    def _process_of_its_kind(cls, data: object) -> object:
        """The `process:` block is read with the model of the machine's kind (defaults if absent)."""
        if isinstance(data, dict) and data.get("kind") in PROCESS_MODELS:
            block = data.get("process")
            if block is None:
                block = {}
            if isinstance(block, dict):
                data = {**data, "process": {**block, "kind": data["kind"]}}
        return data

    @model_validator(mode="after")
    def _vinyl_output_follows_driver(self) -> Machine:
        if self.kind == "vinyl" and self.process.get("output") is None:
            fixed = self.process.model_copy(update={"output": "hpgl" if self.driver == "hpgl" else "gcode"})
            self.process = fixed
        return self

    @model_validator(mode="after")
    def _connection_fits_driver(self) -> Machine:
        if self.driver == "octoprint":
            if not self.connection.url:
                raise ValueError("connection.url is required for the octoprint driver")
        elif not self.connection.port and self.simulator is None:
            raise ValueError(f"connection.port is required for the {self.driver} driver (or a simulator)")
        return self

    @field_validator("materials")
    @classmethod
    def _unique_material_names(cls, materials: list[Material]) -> list[Material]:
        names = [m.name for m in materials]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"material names must be unique, repeated: {', '.join(dupes)}")
        return materials

    def material(self, name: str | None) -> Material:
        """The named material, or the first one (the process default) when name is None."""
        return material_of(self, name)


class PricingTier(_Strict):
    name: str = Field(min_length=1)
    label: str | None = None
    multiplier: float = Field(gt=0)
    quota: Quota = Field(default_factory=Quota)


ChargeRule = Literal["full", "used", "none"]


class Billing(_Strict):
    """What a run that did not complete is charged: `full` (as if completed), `used` (the
    material and machine time it used), `none`."""

    failed: ChargeRule = "none"
    cancelled: ChargeRule = "used"


class FablabSpec(_Strict):
    """The whole inventory: machines, groups, pricing tiers, billing policy, time zone."""

    currency: str = "EUR"
    timezone: str = "Europe/Paris"
    billing: Billing = Field(default_factory=Billing)
    # Named groups of machines a job may be approved for; every kind is also a group.
    groups: dict[str, list[str]] = Field(default_factory=dict)
    pricing_tiers: list[PricingTier] = Field(
        default_factory=lambda: [PricingTier(name="member", multiplier=1.0)], min_length=1
    )
    machines: list[Machine] = Field(min_length=1)
    # Trainings that gate approval (jobqueue.trainings): per machine kind or machine.
    trainings: list[TrainingKind] = Field(default_factory=list)

    @field_validator("machines")
    @classmethod
    def _unique_ids(cls, machines: list[Machine]) -> list[Machine]:
        ids = [m.id for m in machines]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"machine ids must be unique, repeated: {', '.join(dupes)}")
        return machines

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, zone: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone '{zone}' (for example Europe/Paris)") from None
        return zone

    @model_validator(mode="after")
    def _groups_name_machines(self) -> FablabSpec:
        ids = {m.id for m in self.machines}
        for name, members in self.groups.items():
            if name in ids or name in PROCESS_MODELS:
                raise ValueError(f"group '{name}': the name is already a machine id or a kind")
            unknown = [m for m in members if m not in ids]
            if unknown:
                raise ValueError(f"group '{name}': no machine {', '.join(repr(u) for u in unknown)}")
            if not members:
                raise ValueError(f"group '{name}': no machine listed")
            if len({self.machine(m).kind for m in members}) > 1:
                raise ValueError(f"group '{name}': machines of different kinds")
        return self

    @model_validator(mode="after")
    def _trainings_name_machines(self) -> FablabSpec:
        ids = {m.id for m in self.machines}
        seen: set[str] = set()
        for tr in self.trainings:
            unknown = [m for m in tr.machines if m not in ids]
            if unknown:
                raise ValueError(f"training '{tr.id}': no machine {', '.join(repr(u) for u in unknown)}")
            if tr.id in seen:
                raise ValueError(f"training '{tr.id}' is declared twice")
            seen.add(tr.id)
        return self

    def trainings_for(self, machine: Machine) -> list[TrainingKind]:
        """The trainings that cover `machine` (any one of them is enough)."""
        return [tr for tr in self.trainings if tr.covers(machine.id, machine.kind)]

    def tier(self, name: str | None) -> PricingTier | None:
        return next((t for t in self.pricing_tiers if t.name == name), None)

    def group_members(self, name: str) -> list[Machine]:
        """The machines of a group, a kind (every kind is a group) or a single machine id."""
        if name in self.groups:
            return [self.machine(m) for m in self.groups[name]]
        if name in PROCESS_MODELS:
            return self.machines_of_kind(name)
        return [self.machine(name)]

    def group_names(self, kind: str | None = None) -> list[str]:
        """Declared groups then kinds, optionally only those whose machines are of `kind`."""
        names = list(self.groups) + sorted({m.kind for m in self.machines})
        return [n for n in names if kind is None or all(m.kind == kind for m in self.group_members(n))]

    def machine(self, machine_id: str) -> Machine:
        return machine_of(self, machine_id)

    def machines_of_kind(self, kind: str) -> list[Machine]:
        return [m for m in self.machines if m.kind == kind]
