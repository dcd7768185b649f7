"""The content-addressed file store: the local folder, and blobs in the database (SQLite and
PostgreSQL) that a second host with an empty folder reads back."""

from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from jobqueue import db
from jobqueue.filestore import CHUNK, FileTooLarge, LocalFileStore, open_store
from jobqueue.filestore_db import DatabaseFileStore
from jobqueue.models_store import StoredChunk, StoredFile

pytestmark = pytest.mark.both_engines  # SQLite and PostgreSQL (tests/db_engines.py)

BIG = os.urandom(2 * CHUNK + 12345)  # three chunks, the last one short


def _counts(url: str) -> tuple[int, int]:
    with db.session_scope(url) as s:
        return s.scalar(select(func.count()).select_from(StoredFile)), s.scalar(
            select(func.count()).select_from(StoredChunk))


def test_open_store_follows_fablab_store_url(database_url: str, tmp_path: Path) -> None:
    assert isinstance(open_store(None, database_url, tmp_path / "f"), LocalFileStore)
    assert open_store("database", database_url, tmp_path / "f").url == database_url
    assert open_store(database_url, "sqlite:///elsewhere", tmp_path / "f").url == database_url


def test_a_second_host_with_an_empty_folder_reads_what_the_first_stored(database_url: str, tmp_path: Path) -> None:
    host_a = DatabaseFileStore(database_url, LocalFileStore(tmp_path / "a"))
    host_b = DatabaseFileStore(database_url, LocalFileStore(tmp_path / "b"))
    sha, size = host_a.put_stream(io.BytesIO(BIG))
    assert (sha, size) == (hashlib.sha256(BIG).hexdigest(), len(BIG))
    assert _counts(database_url) == (1, 3)
    assert host_b.exists(sha) and not host_b.cache.exists(sha)
    assert host_b.read_bytes(sha) == BIG  # streamed from the database into b's cache
    assert host_b.path(sha).parent.parent == tmp_path / "b"
    assert host_a.put_bytes(BIG) == sha and host_b.put_bytes(BIG) == sha  # same content: stored once
    assert _counts(database_url) == (1, 3)
    empty = host_a.put_bytes(b"")
    assert host_b.read_bytes(empty) == b"" and _counts(database_url) == (2, 4)


def test_over_the_limit_leaves_nothing_anywhere(database_url: str, tmp_path: Path) -> None:
    store = DatabaseFileStore(database_url, LocalFileStore(tmp_path / "a"))
    with pytest.raises(FileTooLarge):
        store.put_stream(io.BytesIO(BIG), max_bytes=CHUNK)
    assert _counts(database_url) == (0, 0)
    assert not [p for p in (tmp_path / "a").rglob("*") if p.is_file()]


def test_unknown_bad_and_corrupted_files_are_refused(database_url: str, tmp_path: Path) -> None:
    host_a = DatabaseFileStore(database_url, LocalFileStore(tmp_path / "a"))
    host_b = DatabaseFileStore(database_url, LocalFileStore(tmp_path / "b"))
    with pytest.raises(FileNotFoundError):
        host_b.path("0" * 64)
    with pytest.raises(ValueError, match="not a sha256"):
        host_b.path("../../etc/passwd")
    sha = host_a.put_bytes(BIG)
    with db.session_scope(database_url) as s:
        s.execute(update(StoredChunk).where(StoredChunk.seq == 1).values(data=b"tampered"))
    with pytest.raises(ValueError, match="reads back as"):
        host_b.path(sha)
    assert not host_b.cache.exists(sha)  # a corrupted copy never enters the cache


def test_the_local_folder_backend(tmp_path: Path) -> None:
    store = LocalFileStore(tmp_path / "files")
    sha = store.put_bytes(b"abc")
    assert store.path(sha) == tmp_path / "files" / sha[:2] / sha and store.read_bytes(sha) == b"abc"
    assert store.exists(sha) and not store.exists("1" * 64)
