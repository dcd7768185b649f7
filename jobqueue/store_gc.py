"""Garbage collection of the file store: blobs nothing references any more, once they are old.

Referenced: a job's file and program, its earlier files (job revisions), and what its program
info names (preview, per-line time table). Cached previews are not references: they are
rendered again when their blob is gone (jobqueue/previews.py).

Never losing an upload in flight: a file is stored before the job that names it is committed,
so only blobs older than the grace period are candidates, and "older" is the time the content
was last STORED, not first: storing content that is already there refreshes it (the local
folder replaces the file, the database store bumps `created_at`), and the delete itself is
conditional on that time (SQL `WHERE created_at < cutoff`; the file's mtime checked again
just before unlinking). A second upload of a collected file's content therefore keeps it.

Both backends: the local folder (and, for the database store, its local cache), and the
blobs in the database. Half-written `.incoming-*` files older than the grace period (a crash
mid-upload) go too.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from jobqueue.filestore import FileStore, LocalFileStore, check_sha
from jobqueue.models import Job
from jobqueue.models_people import JobRevision
from jobqueue.models_store import StoredChunk, StoredFile

DEFAULT_GRACE_HOURS = 24.0
PROGRAM_INFO_KEYS = ("preview_sha256", "time_table_sha256")


@dataclass
class Collected:
    """What one pass removed (or would remove, in a dry run)."""

    files: int = 0
    bytes: int = 0
    kept_referenced: int = 0
    kept_recent: int = 0
    incoming: int = 0
    removed: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"files": self.files, "bytes": self.bytes, "kept_referenced": self.kept_referenced,
                "kept_recent": self.kept_recent, "incoming": self.incoming}


def referenced(session: Session) -> set[str]:
    """Every digest a job, a revision or a program names."""
    found: set[str] = set()
    for file_sha, program_sha, info in session.execute(select(Job.file_sha256, Job.program_sha256, Job.program_info)):
        found.update(s for s in (file_sha, program_sha) if s)
        if isinstance(info, dict):
            found.update(info[k] for k in PROGRAM_INFO_KEYS if isinstance(info.get(k), str))
    found.update(session.scalars(select(JobRevision.file_sha256)))
    return found


def _is_sha(name: str) -> bool:
    try:
        check_sha(name)
    except ValueError:
        return False
    return True


def collect_local(store: LocalFileStore, keep: set[str], grace_s: float, dry_run: bool = False,
                  out: Collected | None = None) -> Collected:
    """The folder: unreferenced files whose last store is older than `grace_s`."""
    out = out or Collected()
    if not store.root.is_dir():
        return out
    cutoff = time.time() - grace_s
    for path in _files(store.root):
        name = path.name
        try:
            st = path.stat()
        except FileNotFoundError:
            continue
        if name.startswith(".incoming-"):
            if st.st_mtime < cutoff and (dry_run or _unlink_if_old(path, cutoff)):
                out.incoming += 1
            continue
        if not _is_sha(name) or path.parent.name != name[:2]:
            continue  # not the store's: leave it alone
        if name in keep:
            out.kept_referenced += 1
        elif st.st_mtime >= cutoff:
            out.kept_recent += 1
        elif dry_run or _unlink_if_old(path, cutoff):
            out.files += 1
            out.bytes += st.st_size
            out.removed.append(name)
    return out


def _files(root: Path) -> Iterable[Path]:
    for entry in root.iterdir():
        if entry.is_file():
            yield entry
        elif entry.is_dir() and len(entry.name) == 2:
            yield from (p for p in entry.iterdir() if p.is_file())


def _unlink_if_old(path: Path, cutoff: float) -> bool:
    """Unlink unless stored again since it was listed (an upload of the same content)."""
    try:
        if path.stat().st_mtime >= cutoff:
            return False
        os.unlink(path)
    except FileNotFoundError:
        return False
    return True


def collect_database(url: str, keep: set[str], grace_s: float, dry_run: bool = False,
                     out: Collected | None = None) -> Collected:
    """The blobs in the database: each deleted in its own transaction, only if still old."""
    from jobqueue import db

    out = out or Collected()
    cutoff = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=grace_s)
    engine = db.get_engine(url)[0]
    with engine.connect() as conn:
        rows = conn.execute(select(StoredFile.sha256, StoredFile.size, StoredFile.created_at)).all()
    for sha, size, created in rows:
        if sha in keep:
            out.kept_referenced += 1
            continue
        created = created if created.tzinfo else created.replace(tzinfo=dt.UTC)  # SQLite reads naive UTC
        if created >= cutoff:
            out.kept_recent += 1
            continue
        if not dry_run:
            with engine.begin() as conn:
                gone = conn.execute(delete(StoredFile).where(StoredFile.sha256 == sha,
                                                             StoredFile.created_at < cutoff)).rowcount
                if not gone:
                    continue  # stored again meanwhile
                conn.execute(delete(StoredChunk).where(StoredChunk.sha256 == sha))
        out.files += 1
        out.bytes += size
        out.removed.append(sha)
    return out


def collect(session: Session, store: FileStore, grace_hours: float = DEFAULT_GRACE_HOURS,
            dry_run: bool = False) -> dict[str, dict]:
    """One pass over `store` (whatever FABLAB_STORE_URL chose): {backend: Collected.as_dict()}."""
    from jobqueue.filestore_db import DatabaseFileStore

    if grace_hours < 0:
        raise ValueError("the grace period cannot be negative")
    keep = referenced(session)
    grace_s = grace_hours * 3600
    if isinstance(store, DatabaseFileStore):
        return {"database": collect_database(store.url, keep, grace_s, dry_run).as_dict(),
                "local_cache": collect_local(store.cache, keep, grace_s, dry_run).as_dict()}
    if isinstance(store, LocalFileStore):
        return {"local": collect_local(store, keep, grace_s, dry_run).as_dict()}
    raise TypeError(f"no garbage collection for {type(store).__name__}")
