"""The durable store: one SQLAlchemy engine per process, SQLite in WAL mode by default.

The schema is Alembic's (jobqueue/migrate.py): an engine is handed out only for a database
at this code's head revision, so a process never starts on a database that is behind.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from jobqueue import migrate
from jobqueue.settings import load_settings


def _finite(value: object) -> object:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def dumps_finite(value: object) -> str:
    """JSON for the JSON columns: NaN and infinities become null.

    Python's json writes `NaN`, which is not JSON: PostgreSQL refuses the row and SQLite's JSON
    functions (used by the job lists) call the column malformed."""
    try:
        return json.dumps(value, allow_nan=False)
    except ValueError:
        return json.dumps(_finite(value), allow_nan=False)


_engines: dict[tuple[int, str], tuple[Engine, sessionmaker]] = {}
# URLs whose schema this process, or the worker it was forked from, found at the head: a work
# horse forked per job trusts its parent's check instead of paying Alembic's again per job.
_checked: set[str] = set()


def _sqlite_pragmas(dbapi_conn, _record) -> None:  # noqa: ANN001 - DB-API connection
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


def get_engine(url: str | None = None) -> tuple[Engine, sessionmaker]:
    """Engine and session factory for this process (rq forks work horses: key by pid).

    Raises migrate.SchemaError when the database is not at the head revision.
    """
    url = url or load_settings().database_url
    key = (os.getpid(), url)
    if key not in _engines:
        migrate.make_sqlite_dir(url)
        pg = url.startswith("postgresql")
        # PostgreSQL: sessions in UTC (timestamps read back the same on every host); pre-ping so a
        # restarted database server costs a reconnect, not an error.
        engine = create_engine(url, future=True, pool_pre_ping=pg, json_serializer=dumps_finite,
                               connect_args={"options": "-c timezone=UTC"} if pg else {})
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", _sqlite_pragmas)
        if url not in _checked:
            try:
                migrate.check(engine)
            except migrate.SchemaError:
                engine.dispose()
                raise
            _checked.add(url)
        _engines[key] = (engine, sessionmaker(engine, expire_on_commit=False))
    return _engines[key]


def dispose(url: str) -> None:
    """Close this process's pooled connections to `url` (a test dropping its database)."""
    _checked.discard(url)
    entry = _engines.pop((os.getpid(), url), None)
    if entry is not None:
        entry[0].dispose()


@contextmanager
def session_scope(url: str | None = None) -> Iterator[Session]:
    """A transaction: committed when the block ends, rolled back on any exception."""
    _, factory = get_engine(url)
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
