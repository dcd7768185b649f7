"""API contracts of a day at the machines: machine status, queue order, usage and billing."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from jobqueue.contracts.api import MAX_INT, MachineOut, RequestModel

MachineState = Literal["idle", "busy", "to_be_cleared", "needs_attention", "out_of_service"]


class CodeParams(BaseModel):
    code: str
    params: dict[str, Any] = Field(default_factory=dict)


class LastError(CodeParams):
    at: str | None = None


class MachineStatusOut(BaseModel):
    """A machine's durable status (jobqueue.machine_status)."""

    state: MachineState
    in_service: bool = True
    service_reason: str | None = None
    awaiting_clearance: bool = False
    clearance_job: int | None = None
    attention: CodeParams | None = None
    last_error: LastError | None = None
    current_job: int | None = None
    sent_to: Literal["job", "idle"] | None = Field(None, description="emergency stop: who was told")


class MachineDayOut(MachineOut):
    """A machine with its status, and live figures while a job runs."""

    state: str = Field("idle", examples=["idle", "busy", "to_be_cleared", "needs_attention", "out_of_service"])
    in_service: bool = True
    service_reason: str | None = None
    awaiting_clearance: bool = False
    clearance_job: int | None = None
    clearance_required: bool = True
    attention: CodeParams | None = None
    last_error: LastError | None = None
    link_state: str | None = Field(None, description="what the machine worker last reported (idle, running, error)")
    temperatures: dict[str, float] | None = Field(None, description="hotend/bed actual and target, °C")
    position: dict[str, float] | None = Field(None, description="machine position, mm")
    firmware_state: str | None = None
    link_error: CodeParams | None = Field(None, description="the idle machine does not answer its worker (code, detail)")
    job_state: str | None = Field(None, description="the current job's state once it is ready, running or paused")


class MachineDayList(BaseModel):
    machines: list[MachineDayOut]


class MaintenanceIn(RequestModel):
    on: bool = Field(description="true: out of service; false: back in service")
    reason: str | None = Field(None, max_length=500, description="required to take the machine out of service")


class ReorderIn(RequestModel):
    job_ids: list[Annotated[int, Field(ge=1, le=MAX_INT)]] = Field(min_length=1, max_length=500,
                                                                    description="queued jobs in their new order")


class ReorderOut(BaseModel):
    job_ids: list[int] = Field(description="the jobs reordered (one that got a machine meanwhile is left out)")


class QueueRow(BaseModel):
    job: int
    state: str
    target: str
    copies: int
    priority: Literal["normal", "urgent"]
    machine: str | None = None
    position: int | None = Field(None, description="1 = next to get a machine; none once on a machine")
    expected_start: str | None = None
    expected_end: str | None = None


class QueueOut(BaseModel):
    queue: list[QueueRow]
    timezone: str


class UsageQuery(RequestModel):
    month: str = Field(pattern=r"^(19[7-9]\d|2\d{3})-(0[1-9]|1[0-2])$", max_length=7, examples=["2026-12"])
    user: str | None = Field(None, max_length=64)
    format: Literal["en", "fr"] = Field("en", description="CSV only: fr = `;` separator and decimal comma")


class UsageRecordOut(BaseModel):
    run: int
    job: int
    user: str
    tier: str
    machine: str
    material: str | None = None
    quantity: float
    unit: str
    running_seconds: float
    outcome: str
    charge_rule: str
    material_cost: float
    time_cost: float
    setup_cost: float
    total: float
    currency: str
    ended_at: str | None = None


class MachineTotal(BaseModel):
    total: float
    running_seconds: float


class UsageTotals(BaseModel):
    total: float
    runs: int
    per_user: dict[str, float]
    per_machine: dict[str, MachineTotal]


class UsageOut(BaseModel):
    month: str
    user: str | None = None
    records: list[UsageRecordOut]
    totals: UsageTotals
