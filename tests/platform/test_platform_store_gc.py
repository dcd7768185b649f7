"""`fablab store gc`: files no job, revision or program names go once older than the grace
period; referenced, recent and stored-again files stay; both backends, both engines."""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from jobqueue import db, store_gc
from jobqueue.cli.main import main
from jobqueue.filestore import LocalFileStore
from jobqueue.filestore_db import DatabaseFileStore
from jobqueue.models import Job
from jobqueue.models_people import JobRevision
from jobqueue.models_store import StoredChunk, StoredFile
from jobqueue.users import create_user

pytestmark = pytest.mark.both_engines  # SQLite and PostgreSQL (tests/db_engines.py)

DAY = 86400


def _blobs(store) -> dict[str, str]:  # noqa: ANN001 - a FileStore
    names = ("file", "program", "preview", "table", "revision", "orphan_old", "orphan_new", "stored_again")
    return {n: store.put_bytes(f"content of {n}".encode()) for n in names}


def _reference(database_url: str, sha: dict[str, str]) -> None:
    with db.session_scope(database_url) as s:
        owner = create_user(s, "gc-owner", "pw-gc-owner")
        s.flush()
        job = Job(owner_id=owner.id, filename="a.svg", file_sha256=sha["file"], file_size=1, process="laser",
                  state="completed", options={}, program_sha256=sha["program"],
                  program_info={"preview_sha256": sha["preview"], "time_table_sha256": sha["table"]})
        s.add(job)
        s.flush()
        s.add(JobRevision(job_id=job.id, number=1, filename="old.svg", file_sha256=sha["revision"], file_size=1,
                          state="sent_back"))


def _age_files(root: Path, keep_new: set[str]) -> None:
    old = time.time() - 2 * DAY
    for p in root.rglob("*"):
        if p.is_file() and p.name not in keep_new:
            os.utime(p, (old, old))


def test_local_folder_keeps_what_is_named_recent_or_stored_again(fablab_env, database_url: str) -> None:  # noqa: ANN001
    store = fablab_env.store
    assert isinstance(store, LocalFileStore)
    sha = _blobs(store)
    _reference(database_url, sha)
    (store.root / ".incoming-crashed").write_bytes(b"half")
    _age_files(store.root, keep_new={sha["orphan_new"]})

    with fablab_env.session() as s:
        dry = store_gc.collect(s, store, grace_hours=1, dry_run=True)["local"]
    assert (dry["files"], dry["incoming"], dry["kept_referenced"], dry["kept_recent"]) == (2, 1, 5, 1)
    assert all(store.exists(v) for v in sha.values())  # a dry run removes nothing

    assert store.put_bytes(b"content of stored_again") == sha["stored_again"]  # uploaded again: fresh
    assert main(["store", "gc", "--grace-hours", "1", "--json"]) == 0
    gone = {n for n, v in sha.items() if not store.exists(v)}
    assert gone == {"orphan_old"}
    assert not (store.root / ".incoming-crashed").exists()
    with fablab_env.session() as s:
        assert store_gc.collect(s, store, grace_hours=1, dry_run=True)["local"]["files"] == 0  # recent or named


def test_database_blobs_and_cache_keep_what_is_named_recent_or_stored_again(database_url: str, tmp_path: Path,
                                                                             capsys) -> None:  # noqa: ANN001
    store = DatabaseFileStore(database_url, LocalFileStore(tmp_path / "cache"))
    sha = _blobs(store)
    _reference(database_url, sha)
    old = dt.datetime.now(dt.UTC) - dt.timedelta(days=2)
    with db.session_scope(database_url) as s:
        s.execute(update(StoredFile).where(StoredFile.sha256 != sha["orphan_new"]).values(created_at=old))
    _age_files(store.cache.root, keep_new={sha["orphan_new"]})
    store.put_bytes(b"content of stored_again")  # the same content stored again: its time is now

    with db.session_scope(database_url) as s:
        result = store_gc.collect(s, store, grace_hours=1)
    assert result["database"]["files"] == 1 and result["database"]["kept_referenced"] == 5
    assert result["database"]["kept_recent"] == 2
    assert result["local_cache"]["files"] == 1
    with db.session_scope(database_url) as s:
        left = set(s.scalars(select(StoredFile.sha256)))
        chunks = s.scalar(select(func.count()).select_from(StoredChunk).where(StoredChunk.sha256 == sha["orphan_old"]))
    assert left == set(sha.values()) - {sha["orphan_old"]} and chunks == 0

    reader = DatabaseFileStore(database_url, LocalFileStore(tmp_path / "other-host"))
    assert reader.read_bytes(sha["file"]) == b"content of file"  # what is named still reads back whole
    with db.session_scope(database_url) as s:
        again = store_gc.collect(s, store, grace_hours=1, dry_run=True)
    assert again["database"]["files"] == 0
    with pytest.raises(ValueError, match="negative"), db.session_scope(database_url) as s:
        store_gc.collect(s, store, grace_hours=-1)
    assert json.dumps(again)  # plain data (the CLI prints it with --json)
