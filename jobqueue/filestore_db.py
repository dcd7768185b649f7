"""The shared file store: blobs in a database every host reaches (PostgreSQL, or SQLite for
one host and the tests), streamed in chunks of 1 MiB both ways.

Writing: the upload is spooled and hashed into the local cache first (size limit, digest),
then copied into the database in ONE transaction (file row + chunks): another host sees the
whole file or nothing. Two hosts storing the same content race on the primary key; the loser
finds the file there and is done. Reading: a file missing from the local cache is streamed
from the database into a temporary file, its digest checked, then moved into the cache.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import exists, insert, select, update
from sqlalchemy.exc import IntegrityError

from jobqueue import db
from jobqueue.filestore import CHUNK, FileStore, LocalFileStore, check_sha
from jobqueue.models import utcnow
from jobqueue.models_store import StoredChunk, StoredFile

log = logging.getLogger(__name__)


class _ChunkReader:
    """A file-like `read()` over the chunks of one blob, fetched one row at a time."""

    def __init__(self, rows):  # noqa: ANN001 - an iterator of 1-tuples (bytes,)
        self._rows, self._buf = rows, b""

    def read(self, n: int = -1) -> bytes:
        while n < 0 or len(self._buf) < n:
            row = next(self._rows, None)
            if row is None:
                break
            self._buf += bytes(row[0])
        if n < 0:
            out, self._buf = self._buf, b""
        else:
            out, self._buf = self._buf[:n], self._buf[n:]
        return out


class DatabaseFileStore(FileStore):
    def __init__(self, url: str, cache: LocalFileStore):
        self.url, self.cache = url, cache

    def _engine(self):  # noqa: ANN202 - sqlalchemy Engine (schema checked by db.get_engine)
        return db.get_engine(self.url)[0]

    def exists(self, sha256: str) -> bool:
        check_sha(sha256)
        with self._engine().connect() as conn:
            return bool(conn.execute(select(exists().where(StoredFile.sha256 == sha256))).scalar())

    def put_stream(self, stream: BinaryIO, max_bytes: int | None = None) -> tuple[str, int]:
        sha, size = self.cache.put_stream(stream, max_bytes=max_bytes)
        if not self._stored_again(sha):
            self._upload(sha, size)
        return sha, size

    def _stored_again(self, sha: str) -> bool:
        """Content already there: its time is now (jobqueue/store_gc.py counts the grace period
        from the last store, so a job about to name old unreferenced content keeps it)."""
        with self._engine().begin() as conn:
            return conn.execute(update(StoredFile).where(StoredFile.sha256 == sha)
                                .values(created_at=utcnow())).rowcount > 0

    def _upload(self, sha: str, size: int) -> None:
        chunks = max(1, -(-size // CHUNK))
        try:
            with self._engine().begin() as conn, open(self.cache.file(sha), "rb") as f:
                conn.execute(insert(StoredFile).values(sha256=sha, size=size, chunks=chunks))
                for seq in range(chunks):
                    conn.execute(insert(StoredChunk).values(sha256=sha, seq=seq, data=f.read(CHUNK)))
        except IntegrityError:  # another host stored the same content meanwhile
            if not self.exists(sha):
                raise
            log.info("file %s stored by another host meanwhile", sha)

    def path(self, sha256: str) -> Path:
        local = self.cache.file(sha256)
        if local.is_file():
            return local
        with self._engine().connect() as conn:
            found = conn.execute(select(StoredFile.size).where(StoredFile.sha256 == sha256)).first()
            if found is None:
                raise FileNotFoundError(f"no stored file {sha256}")
            rows = conn.execution_options(stream_results=True, yield_per=4).execute(
                select(StoredChunk.data).where(StoredChunk.sha256 == sha256).order_by(StoredChunk.seq))
            self.cache.put_stream(_ChunkReader(iter(rows)), expect=sha256)
        return local
