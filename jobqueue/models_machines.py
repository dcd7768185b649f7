"""Tables of a day at the machines: each machine's status, its audit log, the queue order of
approved jobs, runs (one per copy) and usage records (what a run used and cost).

Kept apart from `jobqueue.models` (users, jobs, job events) so the day's records grow without
touching the job tables; imported by `jobqueue.models` so one metadata holds them all.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from jobqueue.models import Base, utcnow


class MachineStatus(Base):
    """One row per machine of machines.yaml, created on first use.

    `current_job_id` is the dispatch claim: set from NULL to a job by compare-and-set, so two
    dispatchers (or a dispatcher and a resume) can never give one machine two jobs; unique, so
    one job never holds two machines.
    """

    __tablename__ = "machine_status"
    machine_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    in_service: Mapped[bool] = mapped_column(Boolean, default=True)
    service_reason: Mapped[str | None] = mapped_column(Text, nullable=True)  # why out of service
    awaiting_clearance: Mapped[bool] = mapped_column(Boolean, default=False)
    clearance_job_id: Mapped[int | None] = mapped_column(Integer, nullable=True)  # the run that left it
    attention_code: Mapped[str | None] = mapped_column(String(64), nullable=True)  # needs attention: why
    attention_params: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    last_error_code: Mapped[str | None] = mapped_column(String(64), nullable=True)
    last_error_params: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    last_error_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    current_job_id: Mapped[int | None] = mapped_column(Integer, nullable=True, unique=True)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class MachineEvent(Base):
    """The machines' audit log: cleared, out of / back in service, attention, emergency stop."""

    __tablename__ = "machine_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    machine_id: Mapped[str] = mapped_column(String(40), index=True)
    actor: Mapped[str] = mapped_column(String(64))
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    action: Mapped[str] = mapped_column(String(32))  # a code, rendered by the web
    job_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    params: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


class QueueEntry(Base):
    """How an approved job is to be dispatched: onto which machine or group, how many copies,
    at which priority and place in the queue (`rank`, lower first; reordering rewrites ranks)."""

    __tablename__ = "queue_entries"
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True)
    target: Mapped[str] = mapped_column(String(40))  # a machine id or a group name
    copies: Mapped[int] = mapped_column(Integer, default=1)
    priority: Mapped[str] = mapped_column(String(8), default="normal")  # normal | urgent
    rank: Mapped[float] = mapped_column(Float, index=True)
    # A copy approved onto a group is a job of its own (jobqueue.copies): the job it copies.
    copy_of: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Run(Base):
    """One copy of a job on one machine: from dispatch to its end (completed, failed, cancelled).

    The job keeps its own state graph (jobqueue.states): it describes the copy in progress and
    becomes `completed` only after the last copy. Runs are the per-copy record billing counts.
    """

    __tablename__ = "runs"
    __table_args__ = (UniqueConstraint("job_id", "copy_index"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), index=True)
    copy_index: Mapped[int] = mapped_column(Integer)  # 1..copies
    machine_id: Mapped[str] = mapped_column(String(40), index=True)
    state: Mapped[str] = mapped_column(String(16), default="dispatched")  # dispatched|running|<end>
    dispatched_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    running_seconds: Mapped[float | None] = mapped_column(Float, nullable=True)  # pauses excluded
    lines_acked: Mapped[int | None] = mapped_column(Integer, nullable=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)


class UsageRecord(Base):
    """What one run used and what it costs, frozen when the run ends (prices may change later)."""

    __tablename__ = "usage_records"
    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), unique=True)
    job_id: Mapped[int] = mapped_column(Integer, index=True)
    user_id: Mapped[int] = mapped_column(Integer, index=True)
    username: Mapped[str] = mapped_column(String(64))
    tier: Mapped[str] = mapped_column(String(32))
    machine_id: Mapped[str] = mapped_column(String(40), index=True)
    material: Mapped[str | None] = mapped_column(String(128), nullable=True)
    quantity: Mapped[float] = mapped_column(Float, default=0.0)  # in `unit`
    unit: Mapped[str] = mapped_column(String(4))  # g | m2 | m
    running_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    outcome: Mapped[str] = mapped_column(String(16))  # completed | failed | cancelled
    charge_rule: Mapped[str] = mapped_column(String(8))  # full | used | none
    material_cost: Mapped[float] = mapped_column(Float, default=0.0)
    time_cost: Mapped[float] = mapped_column(Float, default=0.0)
    setup_cost: Mapped[float] = mapped_column(Float, default=0.0)
    total: Mapped[float] = mapped_column(Float, default=0.0)  # rounded to the cent, after the tier
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    ended_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
