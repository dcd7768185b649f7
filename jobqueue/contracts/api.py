"""The JSON API's request and response bodies (/api/v1): validated on the way in, the
OpenAPI document generated from them.

Every string and list a client sends has a cap (a 20 MB refusal reason was once stored
twice and made every later job list 42 MB); integers that reach the database stay within
PostgreSQL's `integer`.
"""

from __future__ import annotations

import datetime as dt
import json as _json
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from jobqueue.contracts.results import (
    Issue,
    ProgressEvent,
    Quote,
    ResultModel,
    UnitQuestion,
)
from jobqueue.states import JobState


def _utc(value: Any) -> Any:
    """SQLite hands back naive datetimes for timezone-aware columns: they were stored in UTC."""
    if isinstance(value, dt.datetime) and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value


Timestamp = Annotated[dt.datetime, AfterValidator(_utc)]
"""A moment, always sent with its offset (RFC 3339)."""

MAX_INT = 2**31 - 1  # PostgreSQL `integer`: ids and line numbers stay below it
Process = Literal["fdm", "laser", "cnc", "vinyl"]
REASON_MAX = 2000  # a refusal reason, a comment
SESSION_LABEL_MAX = 64  # jobs.session_label is VARCHAR(64): longer fails on PostgreSQL
OPTIONS_MAX_BYTES = 16_384


class RequestModel(BaseModel):
    """What a client sends: types and lengths checked, unknown keys ignored."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class FieldError(BaseModel):
    loc: list[str | int] = Field(default_factory=list, description="where in the request: body/query field path")
    msg: str
    type: str


class ErrorBody(BaseModel):
    """Every error the API answers: `code` is stable (scripts test it), `message` is for people
    (in the caller's language), `error` the same in English for logs."""

    error: str = Field(description="what went wrong, in English (logs)")
    code: str = Field("error", description="stable short code", examples=["invalid_request", "not_found"])
    message: str | None = Field(None, description="what went wrong, for a person, in the caller's language (their "
                                                  "saved language, else Accept-Language, else French)")
    details: list[FieldError] | None = Field(None, description="for `invalid_request`: each field refused")
    params: dict[str, Any] | None = Field(None, description="the numbers and names the message for `code` uses (a "
                                                             "quota's limit, used, allowed, resets...)")


# ---- jobs -----------------------------------------------------------------------------


class JobListQuery(RequestModel):
    state: JobState | None = Field(None, description="only jobs in this state")
    mine: bool = Field(False, description="only the caller's jobs, even for the fabmanager")
    page: int = Field(1, ge=1, le=1_000_000, description="page number, from 1")
    per_page: int = Field(50, ge=1, le=200, description="jobs per page")
    order: Literal["newest", "oldest"] = Field(
        "newest", description="newest jobs first, or oldest first (the review queue: state=pending_review&order=oldest)")


class SubmitForm(RequestModel):
    """multipart/form-data: the file and what to make of it."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True, arbitrary_types_allowed=True)

    file: Any = Field(json_schema_extra={"type": "string", "format": "binary"}, description="STL, DXF or SVG")
    process: Process
    material: str | None = Field(None, max_length=128, description="defaults to the process's first material")
    session: int | None = Field(None, ge=1, le=MAX_INT, description="id of a workshop session the caller joined")
    scale: float | None = Field(None, gt=0, le=1000, description="drawing scale for a file that does not say its "
                                "unit (25.4: inches, 10: cm); analysis and prepare use it")


class ApproveIn(RequestModel):
    machine: str | None = Field(None, min_length=1, max_length=40, description="a machine id (or give `group`)")
    group: str | None = Field(None, min_length=1, max_length=40,
                              description="a group of machines.yaml or a kind: the first free machine takes it")
    copies: int = Field(1, ge=1, le=100, description="copies to make, each one run")
    priority: Literal["normal", "urgent"] = "normal"
    material: str | None = Field(None, max_length=128)
    override_training: str | None = Field(None, max_length=500,
                                          description="reason to approve although the owner lacks the training")
    options: dict[str, Any] = Field(default_factory=dict, max_length=64,
                                    description="process options for this job (layer_height_mm, kerf_mm...)")

    @field_validator("options")
    @classmethod
    def _small(cls, value: dict[str, Any]) -> dict[str, Any]:
        if len(_json.dumps(value, default=str)) > OPTIONS_MAX_BYTES:
            raise ValueError(f"options larger than {OPTIONS_MAX_BYTES} bytes")
        if any(len(k) > 64 for k in value):
            raise ValueError("option names are at most 64 characters")
        return value

    @model_validator(mode="after")
    def _target(self) -> ApproveIn:
        if not (self.machine or self.group):
            raise ValueError("'machine' is required (or 'group': a machine group or a kind)")
        if self.machine and self.group:
            raise ValueError("give 'machine' or 'group', not both")
        return self


class UnitIn(RequestModel):
    """The unit of a file that does not say its own: one the analysis offered, or a scale."""

    unit: str | None = Field(None, min_length=1, max_length=16, examples=["in"],
                             description="a unit the analysis offered (mm, cm, m, in; px90 or px96 for an SVG)")
    scale: float | None = Field(None, gt=0, le=1000, description="or the factor itself (25.4: inches)")

    @model_validator(mode="after")
    def _one(self) -> UnitIn:
        if (self.unit is None) == (self.scale is None):
            raise ValueError("give 'unit' or 'scale', one of them")
        return self


class RejectIn(RequestModel):
    reason: str = Field(max_length=REASON_MAX, description="shown to the member")


class RetryIn(RequestModel):
    from_line: int | None = Field(None, ge=0, le=MAX_INT, description="restart from this line (default: checkpoint)")
    machine_homed: bool = Field(False, description="the machine was homed again since the run ended (needed to "
                                                   "resume a program that homed before its checkpoint)")


class HistoryEntry(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    at: str | None = Field(None, description="ISO 8601 time")
    actor: str
    from_: str | None = Field(None, alias="from")
    to: str
    reason: str | None = None


class ProgramOut(ResultModel):
    lines: int | None = None
    format: str | None = None
    issues: list[Issue] = Field(default_factory=list)
    metrics: dict[str, Any] = Field(default_factory=dict)
    estimated_seconds: float | None = None


class JobOut(BaseModel):
    """One job: state, issues, metrics, quotes, program, progress, history."""

    model_config = ConfigDict(populate_by_name=True)

    id: int
    filename: str = Field(description="the user's file name, a label")
    owner: str | None = None
    process: str
    material: str | None = None
    machine: str | None = None
    state: JobState
    reason: str | None = None
    valid: bool | None = None
    usable: bool | None = Field(None, description="valid, and no unit question waiting for its answer")
    units: UnitQuestion | None = Field(None, description="the file's unit question (POST /jobs/{id}/scale answers)")
    issues: list[Issue] = Field(default_factory=list)
    metrics: dict[str, Any] = Field(default_factory=dict)
    quotes: list[Quote] = Field(default_factory=list)
    program: ProgramOut | None = None
    progress: ProgressEvent
    created_at: str | None = None
    started_at: str | None = None
    finished_at: str | None = None
    history: list[HistoryEntry] = Field(default_factory=list)


class JobSummary(BaseModel):
    """A job as a list shows it (a table row); GET /jobs/{id} gives issues, quotes, history."""

    id: int
    filename: str = Field(description="the user's file name, a label")
    owner: str | None = None
    process: str
    material: str | None = None
    machine: str | None = None
    state: JobState
    reason: str | None = None
    valid: bool | None = Field(None, description="the analysis's verdict (None: not analysed yet)")
    issue_count: int = Field(0, description="issues the analysis found (any severity)")
    session_label: str | None = None
    progress: ProgressEvent
    created_at: str | None = None
    started_at: str | None = None
    finished_at: str | None = None


class JobList(BaseModel):
    jobs: list[JobSummary]
    page: int = Field(1, description="this page's number")
    per_page: int = Field(50, description="jobs per page")
    total: int = Field(0, description="jobs matching the query, on all pages")
    pages: int = Field(1, description="number of pages")


# ---- machines -------------------------------------------------------------------------


class MachineOut(BaseModel):
    id: str
    name: str
    kind: Process
    driver: str
    state: str = Field("offline", examples=["idle", "running", "offline"])
    current_job: int | None = None
    materials: list[str] = Field(default_factory=list)
    work_area_mm: list[float] = Field(min_length=3, max_length=3)


class MachineList(BaseModel):
    machines: list[MachineOut]
