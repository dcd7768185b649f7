"""Users, jobs and the audit trail, as SQLAlchemy tables."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, String, Text, func, text, true
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

if TYPE_CHECKING:
    from jobqueue.models_people import WorkshopSession


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    pass


ROLES = ("member", "trainee", "trainer", "fabmanager", "admin")  # what each may do: jobqueue.permissions


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(16), default="member")
    tier: Mapped[str] = mapped_column(String(32), default="member")  # pricing tier
    language: Mapped[str] = mapped_column(String(2), default="fr")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    display_name: Mapped[str | None] = mapped_column(String(128), nullable=True)
    email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    email_notifications: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    # A deactivated account cannot log in and its tokens stop working (Flask-Login reads is_active).
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    # Changed on logout and password change: every session cookie carrying the old one is dead.
    session_nonce: Mapped[str] = mapped_column(String(32), default="", server_default="")

    @property
    def is_fabmanager(self) -> bool:
        """Staff: the fabmanager, or an admin (who may do all the fabmanager does)."""
        return self.role in ("fabmanager", "admin")

    # The user protocol Flask-Login expects, as plain attributes (jobqueue does not import web).
    is_authenticated = True
    is_anonymous = False

    def get_id(self) -> str:
        """What the session cookie keeps: the id and the current nonce (see jobqueue.users)."""
        return f"{self.id}:{self.session_nonce}"


class ApiToken(Base):
    """Bearer tokens for scripts; only the sha256 of the token is stored."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    name: Mapped[str] = mapped_column(String(64), default="", server_default="")
    expires_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    user: Mapped[User] = relationship()


ON_MACHINE_SQL = "state IN ('running', 'paused')"


class Job(Base):
    __tablename__ = "jobs"
    # One job at a time per machine, enforced by the records (SQLite and PostgreSQL partial index).
    __table_args__ = (
        Index("uq_jobs_one_run_per_machine", "machine_id", unique=True,
              sqlite_where=text(ON_MACHINE_SQL), postgresql_where=text(ON_MACHINE_SQL)),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255))  # the user's name: a label only
    file_sha256: Mapped[str] = mapped_column(String(64))
    file_size: Mapped[int] = mapped_column(Integer)
    process: Mapped[str] = mapped_column(String(16))  # fdm | laser | cnc | vinyl
    material: Mapped[str | None] = mapped_column(String(128), nullable=True)
    machine_id: Mapped[str | None] = mapped_column(String(40), nullable=True, index=True)
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    state: Mapped[str] = mapped_column(String(20), index=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)  # why rejected/failed
    analysis: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    program_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    program_lines: Mapped[int | None] = mapped_column(Integer, nullable=True)
    program_info: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    lines_acked: Mapped[int] = mapped_column(Integer, default=0)  # durable checkpoint
    estimated_seconds: Mapped[float | None] = mapped_column(nullable=True)
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # the streaming loop's heartbeat (see jobqueue.heartbeat): a run nobody runs is seen from it
    heartbeat_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    session_label: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    # The workshop session the job was sent in (jobqueue.workshops), and its revision number.
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("workshop_sessions.id", ondelete="SET NULL"), nullable=True, index=True)
    revision: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=func.now()
    )
    owner: Mapped[User] = relationship()
    workshop: Mapped[WorkshopSession | None] = relationship()
    events: Mapped[list[JobEvent]] = relationship(
        back_populates="job", order_by="JobEvent.id", cascade="all, delete-orphan"
    )


class JobEvent(Base):
    """The audit log: one row per state change (who, when, from, to, why)."""

    __tablename__ = "job_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), index=True)
    actor: Mapped[str] = mapped_column(String(64))  # username, or "system:<task>"
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    from_state: Mapped[str | None] = mapped_column(String(20), nullable=True)
    to_state: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    job: Mapped[Job] = relationship(back_populates="events")


# The machine day's tables share this metadata (create_all, Alembic autogenerate).
from jobqueue import models_machines, models_people  # noqa: E402, F401, I001 - people tables too
# The shared file store's blobs (FABLAB_STORE_URL = a database).
from jobqueue import models_store  # noqa: E402, F401, I001
