"""Schema migrations (Alembic): where the database stands against the code, and upgrades.

The app, the workers and every command that opens the database call `check` (through
`db.get_engine`): a database behind the code is refused with a message naming
`fablab db upgrade`, never half-used. `fablab db upgrade`, the demo and the test fixtures
call `upgrade`, which also adopts a database made before Alembic by `create_all` (its
tables match the baseline: it is stamped `baseline`, then upgraded).
"""

from __future__ import annotations

import functools
import logging
from pathlib import Path

from sqlalchemy import create_engine, inspect, pool
from sqlalchemy.engine import Connection, Engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
BASELINE = "baseline"
# The tables and columns of the baseline revision, to recognise a database made by create_all.
BASELINE_TABLES: dict[str, set[str]] = {
    "users": {"id", "username", "password_hash", "role", "tier", "language", "created_at"},
    "api_tokens": {"id", "user_id", "token_sha256", "created_at"},
    "jobs": {"id", "owner_id", "filename", "file_sha256", "file_size", "process", "material", "machine_id",
             "options", "state", "reason", "analysis", "program_sha256", "program_lines", "program_info",
             "lines_acked", "estimated_seconds", "started_at", "finished_at", "session_label",
             "created_at", "updated_at"},
    "job_events": {"id", "job_id", "actor", "at", "from_state", "to_state", "reason"},
}


class SchemaError(RuntimeError):
    """The database's schema is not the one this code expects; the message says what to do."""


def alembic_config(connection: Connection | None = None, url: str | None = None):  # noqa: ANN201 - alembic Config
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if url:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


@functools.cache
def heads() -> tuple[str, ...]:
    """The head revision(s) of the migration scripts shipped with this code (one, normally)."""
    from alembic.script import ScriptDirectory

    return tuple(ScriptDirectory.from_config(alembic_config()).get_heads())


def head() -> str:
    found = heads()
    if len(found) != 1:
        raise SchemaError(f"the migration scripts have {len(found)} heads ({', '.join(found)}): "
                          "re-point a down_revision so there is one")
    return found[0]


def current(conn: Connection) -> str | None:
    """The revision the database is stamped with (None: never migrated)."""
    from alembic.runtime.migration import MigrationContext

    quiet = logging.getLogger("alembic")  # "Context impl ...", plugins: at every process start
    level = quiet.level
    quiet.setLevel(logging.WARNING)
    try:
        return MigrationContext.configure(conn).get_current_revision()
    finally:
        quiet.setLevel(level)


def _known(revision: str) -> bool:
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    try:
        return ScriptDirectory.from_config(alembic_config()).get_revision(revision) is not None
    except CommandError:
        return False


def check(engine: Engine) -> None:
    """Refuse a database that is not at this code's head revision (behind, ahead or foreign)."""
    with engine.connect() as conn:
        rev = current(conn)
        tables = set(inspect(conn).get_table_names())
    want = head()
    if rev == want:
        return
    where = engine.url.render_as_string(hide_password=True)
    if rev is None:
        state = "has no schema yet" if not tables - {"alembic_version"} else "was made before migrations"
        raise SchemaError(f"the database {where} {state}: run `fablab db upgrade`")
    if not _known(rev):
        raise SchemaError(f"the database {where} is at revision {rev}, unknown to this code "
                          f"(newer code migrated it?): update this host's fablab")
    raise SchemaError(f"the database {where} is at revision {rev}, behind this code ({want}): "
                      "run `fablab db upgrade`")


def _adopt_pre_alembic(conn: Connection) -> bool:
    """Stamp `baseline` on a database whose tables are exactly the baseline's; False if empty."""
    insp = inspect(conn)
    tables = set(insp.get_table_names()) - {"alembic_version"}
    if not tables:
        return False
    found = {t: {c["name"] for c in insp.get_columns(t)} for t in tables}
    if found != BASELINE_TABLES:
        diff = sorted(set(found) ^ set(BASELINE_TABLES)) or sorted(
            t for t in found if found[t] != BASELINE_TABLES.get(t))
        raise SchemaError(f"the database has tables but no migration stamp, and they differ from the "
                          f"baseline schema (tables {', '.join(diff)}): migrate it by hand")
    from alembic import command

    command.stamp(alembic_config(conn), BASELINE)
    return True


def make_sqlite_dir(url: str) -> None:
    """SQLite creates the file but not its folder (a fresh data folder)."""
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)


def upgrade(url: str, revision: str = "head") -> tuple[str | None, str | None]:
    """Bring the database at `url` to `revision`; returns (revision before, revision after)."""
    from alembic import command

    make_sqlite_dir(url)
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        with engine.begin() as conn:
            before = current(conn)
            if before is None and _adopt_pre_alembic(conn):
                before = BASELINE
            command.upgrade(alembic_config(conn), revision)
            after = current(conn)
        return before, after
    finally:
        engine.dispose()


def current_of(url: str) -> str | None:
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        with engine.connect() as conn:
            return current(conn)
    finally:
        engine.dispose()
