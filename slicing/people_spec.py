"""The people side of machines.yaml: quotas per pricing tier and the trainings the fablab gives.

Pure data validated by pydantic, next to the machine spec (jobqueue.quotas and
jobqueue.trainings apply them).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Quota(_Strict):
    """What one member of a tier may use; a limit left out is no limit. Monthly limits reset on
    the first day of the month (in the fablab's time zone)."""

    jobs_waiting: int | None = Field(None, ge=1, description="jobs submitted and not yet finished, at once")
    grams_per_month: float | None = Field(None, gt=0, description="3D printing material")
    area_m2_per_month: float | None = Field(None, gt=0, description="sheet area (laser, CNC, vinyl)")
    machine_hours_per_month: float | None = Field(None, gt=0)


class TrainingKind(_Strict):
    """A training: it covers machine kinds and/or single machines; valid for `valid_days`
    (None: never expires); `renew_on_job`: each completed job on it renews it."""

    id: str = Field(min_length=1, max_length=64)
    label: str | None = None
    kinds: list[Literal["fdm", "laser", "cnc", "vinyl"]] = Field(default_factory=list)
    machines: list[str] = Field(default_factory=list)
    valid_days: int | None = Field(365, ge=1)
    renew_on_job: bool = False

    @model_validator(mode="after")
    def _covers_something(self) -> TrainingKind:
        if not self.kinds and not self.machines:
            raise ValueError(f"training '{self.id}': give the kinds or machines it covers")
        return self

    def covers(self, machine_id: str, kind: str) -> bool:
        return machine_id in self.machines or kind in self.kinds
