"""API bodies of the people area: workshop sessions, send back and revisions, accounts,
trainings, notifications (web/api_people.py serves them)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from jobqueue.contracts.api import REASON_MAX, JobOut, Process, RequestModel


def _utc(value: dt.datetime) -> dt.datetime:
    """SQLite gives naive datetimes back: they are UTC (the document promises an offset)."""
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value


Utc = Annotated[dt.datetime, AfterValidator(_utc)]
Role = Literal["member", "trainee", "trainer", "fabmanager", "admin"]


# ---- workshop sessions ------------------------------------------------------------------


class SessionIn(RequestModel):
    title: str = Field(min_length=1, max_length=128)
    processes: list[Process] = Field(min_length=1, max_length=4)
    quota_jobs_per_trainee: int | None = Field(None, ge=1, le=100)
    starts_at: dt.datetime | None = Field(None, description="default: now")
    ends_at: dt.datetime | None = Field(None, description="default: three hours after the start")
    material: str | None = Field(None, max_length=128, description="the material the session's jobs default to")
    supervised: bool = Field(True, description="trainees may be approved without the machine's training")


class SessionCreated(BaseModel):
    id: int
    code: str = Field(description="the join code trainees type")
    title: str
    starts_at: Utc
    ends_at: Utc


class JoinIn(RequestModel):
    code: str = Field(min_length=1, max_length=32)


class SessionBrief(BaseModel):
    id: int
    title: str
    starts_at: Utc
    ends_at: Utc
    processes: list[str]
    open: bool


class SharedProblem(BaseModel):
    code: str
    severity: str
    trainees: int = Field(description="how many trainees have it in at least one job")


class SessionSummaryOut(BaseModel):
    trainees: int
    jobs: int
    by_state: dict[str, int]
    by_process: dict[str, int]
    pending_by_process: dict[str, int]
    shared_problems: list[SharedProblem]


class SessionOut(SessionBrief):
    code: str
    trainer: str
    quota_jobs_per_trainee: int | None = None
    material: str | None = None
    supervised: bool
    trainee_names: list[str]
    summary: SessionSummaryOut
    jobs: list[JobOut]


class SessionApproveIn(RequestModel):
    process: Process
    machine: str | None = Field(None, max_length=40)
    group: str | None = Field(None, max_length=40, description="a group from machines.yaml, or a kind")
    material: str | None = Field(None, max_length=128)
    override_training: str | None = Field(None, max_length=500,
                                          description="reason to approve owners who lack the training")


class Skipped(BaseModel):
    job: int
    code: str
    error: str
    params: dict[str, Any] = Field(default_factory=dict)


class SessionApproveOut(BaseModel):
    approved: list[int]
    skipped: list[Skipped]


# ---- send back and revisions ------------------------------------------------------------


class SendBackIn(RequestModel):
    comment: str = Field(min_length=1, max_length=REASON_MAX)


class RevisionForm(RequestModel):
    """multipart/form-data: the corrected file."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True, arbitrary_types_allowed=True)

    file: Any = Field(json_schema_extra={"type": "string", "format": "binary"}, description="STL, DXF or SVG")


class RevisionOut(BaseModel):
    number: int
    filename: str
    state: str
    comment: str | None = None
    created_at: Utc


class RevisionList(BaseModel):
    job: int
    current: int
    revisions: list[RevisionOut]


# ---- accounts and trainings -------------------------------------------------------------


class TrainingOut(BaseModel):
    kind: str
    trainer: str | None = None
    trained_at: Utc
    valid_until: Utc | None = None


class UserOut(BaseModel):
    username: str
    role: str
    tier: str
    language: str
    email: str | None = None
    active: bool
    email_notifications: bool
    trainings: list[TrainingOut] = Field(default_factory=list)


class UserCreated(UserOut):
    password: str | None = Field(None, description="the generated first password, shown once")


class UserList(BaseModel):
    users: list[UserOut]


class UserIn(RequestModel):
    username: str = Field(min_length=1, max_length=64)
    role: Role = "member"
    tier: str = Field("member", max_length=32)
    language: Literal["fr", "en"] = "fr"
    email: str | None = Field(None, max_length=254)
    password: str | None = Field(None, min_length=8, max_length=256, description="default: generated")


class UserPatch(RequestModel):
    role: Role | None = None
    tier: str | None = Field(None, max_length=32)
    language: Literal["fr", "en"] | None = None
    email: str | None = Field(None, max_length=254)
    active: bool | None = None


class TrainingIn(RequestModel):
    kind: str = Field(min_length=1, max_length=64, description="a training id from machines.yaml")
    valid_days: int | None = Field(None, ge=1, le=3650, description="default: the training's valid_days")


# ---- notifications ----------------------------------------------------------------------


class NotificationOut(BaseModel):
    id: int
    kind: str = Field(description="approved, rejected, sent_back, started, completed, failed, invalid, "
                                  "awaiting_clearance")
    job: int | None = None
    params: dict[str, Any]
    created_at: Utc
    read: bool
    email: str | None = Field(None, description="e-mail state: pending, sent, failed (none: not sent)")


class NotificationList(BaseModel):
    unread: int
    notifications: list[NotificationOut]


class NotificationsRead(RequestModel):
    ids: list[int] | None = Field(None, max_length=500, description="default: all")

