"""Files stored by content (sha256), written atomically, behind one interface.

User file names never become paths: they are labels on the job. Backends, chosen by
FABLAB_STORE_URL (`open_store`):
- unset: `LocalFileStore`, a folder under the data folder (one host);
- a database URL, or `database` for DATABASE_URL itself: `DatabaseFileStore`
  (jobqueue/filestore_db.py), blobs streamed in chunks into the database every host reaches,
  with the local folder as a cache (content-addressed, so a cached file is never stale).
Readers that need a file on disk (the analysers, PrusaSlicer) ask `path(sha)`.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import tempfile
from pathlib import Path
from typing import BinaryIO

_SHA = re.compile(r"^[0-9a-f]{64}$")
CHUNK = 1 << 20


class FileTooLarge(ValueError):
    pass


def check_sha(sha256: str) -> str:
    if not isinstance(sha256, str) or not _SHA.match(sha256):
        raise ValueError(f"not a sha256 digest: {sha256!r}")
    return sha256


class FileStore:
    """The interface every backend offers."""

    def put_stream(self, stream: BinaryIO, max_bytes: int | None = None) -> tuple[str, int]:
        """Store what `stream` yields; returns (sha256, size). Refuses past `max_bytes`."""
        raise NotImplementedError

    def path(self, sha256: str) -> Path:
        """A local file holding the content (FileNotFoundError when the store does not have it)."""
        raise NotImplementedError

    def exists(self, sha256: str) -> bool:
        raise NotImplementedError

    def put_bytes(self, data: bytes) -> str:
        return self.put_stream(io.BytesIO(data))[0]

    def read_bytes(self, sha256: str) -> bytes:
        return self.path(sha256).read_bytes()


class LocalFileStore(FileStore):
    """A folder: `root/ab/abcdef...`; temporary file, fsync, then `os.replace` (no half file)."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def file(self, sha256: str) -> Path:
        """Where the content is or would be kept (it may not exist)."""
        check_sha(sha256)
        return self.root / sha256[:2] / sha256

    def path(self, sha256: str) -> Path:
        return self.file(sha256)

    def exists(self, sha256: str) -> bool:
        return self.file(sha256).is_file()

    def put_stream(self, stream: BinaryIO, max_bytes: int | None = None, expect: str | None = None) -> tuple[str, int]:
        """Store `stream`; with `expect`, refuse (ValueError) content whose digest differs."""
        self.root.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        size = 0
        fd, tmp = tempfile.mkstemp(dir=self.root, prefix=".incoming-")
        try:
            with os.fdopen(fd, "wb") as out:
                while chunk := stream.read(CHUNK):
                    size += len(chunk)
                    if max_bytes is not None and size > max_bytes:
                        raise FileTooLarge(f"file larger than the limit of {max_bytes // (1 << 20)} MB")
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            sha = digest.hexdigest()
            if expect is not None and sha != expect:
                raise ValueError(f"stored content of {expect} reads back as {sha}")
            final = self.file(sha)
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp, final)
            return sha, size
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise


def open_store(store_url: str | None, database_url: str, files_dir: Path) -> FileStore:
    """The backend FABLAB_STORE_URL names (see the module docstring)."""
    if not store_url:
        return LocalFileStore(files_dir)
    from jobqueue.filestore_db import DatabaseFileStore

    url = database_url if store_url == "database" else store_url
    return DatabaseFileStore(url, cache=LocalFileStore(files_dir))
