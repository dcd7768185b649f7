"""Blobs of the shared file store (FABLAB_STORE_URL = a database): one row per file, its content
in chunks of at most 1 MiB, so a large file is never one value in memory (jobqueue/filestore_db.py)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, DateTime, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from jobqueue.models import Base, utcnow


class StoredFile(Base):
    """A complete file: written in the same transaction as its chunks, so present = whole."""

    __tablename__ = "store_files"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    chunks: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class StoredChunk(Base):
    __tablename__ = "store_chunks"
    sha256: Mapped[str] = mapped_column(ForeignKey("store_files.sha256", ondelete="CASCADE"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
