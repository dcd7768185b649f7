"""The people tables: workshop sessions and their trainees, job revisions, training records and
notifications. Rules about them live in their own modules (workshops, trainings, revisions,
notifications); what each role may do lives in jobqueue.permissions."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from jobqueue.models import Base, User, utcnow


class WorkshopSession(Base):
    """A modelling workshop: a trainer, a time window, the processes it allows, a join code."""

    __tablename__ = "workshop_sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True, index=True)
    title: Mapped[str] = mapped_column(String(128))
    trainer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    starts_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    ends_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    processes: Mapped[list[str]] = mapped_column(JSON, default=list)
    material: Mapped[str | None] = mapped_column(String(128), nullable=True)
    quota_jobs_per_trainee: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # Jobs of a supervised session may be approved for a trainee not yet trained on the machine.
    supervised: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    trainer: Mapped[User] = relationship()
    members: Mapped[list[SessionMember]] = relationship(
        back_populates="workshop", cascade="all, delete-orphan", order_by="SessionMember.id")


class SessionMember(Base):
    __tablename__ = "workshop_members"
    __table_args__ = (UniqueConstraint("session_id", "user_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("workshop_sessions.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    joined_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    workshop: Mapped[WorkshopSession] = relationship(back_populates="members")
    user: Mapped[User] = relationship()


class JobRevision(Base):
    """An earlier file of a job, kept when its owner sends a corrected one (history kept)."""

    __tablename__ = "job_revisions"
    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    filename: Mapped[str] = mapped_column(String(255))
    file_sha256: Mapped[str] = mapped_column(String(64))
    file_size: Mapped[int] = mapped_column(Integer)
    analysis: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    state: Mapped[str] = mapped_column(String(20))  # the state it left (sent_back, invalid)
    comment: Mapped[str | None] = mapped_column(Text, nullable=True)  # why it was sent back
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class TrainingRecord(Base):
    """`user` was trained on `kind` (a training declared in machines.yaml) by `trainer`."""

    __tablename__ = "training_records"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(64), index=True)
    trainer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    trained_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    valid_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id", ondelete="SET NULL"), nullable=True)
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    trainer: Mapped[User | None] = relationship(foreign_keys=[trainer_id])


class Notification(Base):
    """One message for one user: a code and parameters, rendered in the user's language."""

    __tablename__ = "notifications"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), nullable=True)
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    read_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # None: no e-mail wanted; pending: a worker sends it; sent; failed (the reason in params).
    email_state: Mapped[str | None] = mapped_column(String(16), nullable=True, index=True)
    user: Mapped[User] = relationship()


from jobqueue import notifications  # noqa: E402, F401 - registers the audit-row listener everywhere
