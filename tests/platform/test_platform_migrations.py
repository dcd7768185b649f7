"""Alembic migrations: one head, an upgraded empty database equals the models, databases made
before Alembic are adopted, and nothing starts on a database that is behind."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, pool, text

from jobqueue import migrate
from jobqueue.models import Base

REPO = Path(__file__).resolve().parents[2]


def _url(tmp_path: Path, name: str = "db.sqlite3") -> str:
    return f"sqlite:///{tmp_path / name}"


def _diff(url: str) -> list:
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as conn:
        mc = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(mc, Base.metadata)
    engine.dispose()
    return diff


def _fablab(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "jobqueue.cli.main", *args], env=env, cwd=REPO,
                          capture_output=True, text=True, timeout=120)


def test_the_migration_scripts_have_exactly_one_head() -> None:
    heads = migrate.heads()
    assert len(heads) == 1, (f"several Alembic heads {heads}: re-point your revision's down_revision "
                             "to main's head (see jobqueue/migrations/README.md)")


def test_upgrading_an_empty_database_gives_the_models_schema(tmp_path: Path) -> None:
    url = _url(tmp_path)
    before, after = migrate.upgrade(url)
    assert (before, after) == (None, migrate.head())
    diff = _diff(url)
    assert diff == [], ("the models and the migrations differ: add a revision with "
                        f"`alembic revision --autogenerate` (jobqueue/migrations/README.md): {diff}")
    assert migrate.upgrade(url) == (after, after)  # idempotent


def test_a_database_made_before_alembic_is_adopted_then_upgraded(tmp_path: Path) -> None:
    url = _url(tmp_path)
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.begin() as conn:  # what create_all made before Alembic: the baseline tables, no stamp
        command.upgrade(migrate.alembic_config(conn), migrate.BASELINE)
        conn.execute(text("DROP TABLE alembic_version"))
        conn.execute(text("INSERT INTO users (username, password_hash, role, tier, language, created_at) "
                          "VALUES ('old', 'x', 'member', 'member', 'fr', '2025-01-01 00:00:00')"))
    engine.dispose()
    with pytest.raises(migrate.SchemaError, match="before migrations.*fablab db upgrade"):
        migrate.check(create_engine(url, poolclass=pool.NullPool))
    assert migrate.upgrade(url) == (migrate.BASELINE, migrate.head())
    assert _diff(url) == []
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT username FROM users")).scalar_one() == "old"
    engine.dispose()


def test_tables_unlike_the_baseline_are_not_stamped_blindly(tmp_path: Path) -> None:
    url = _url(tmp_path)
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)"))
    engine.dispose()
    with pytest.raises(migrate.SchemaError, match="differ from the baseline"):
        migrate.upgrade(url)
    assert migrate.current_of(url) is None


def test_a_database_at_an_unknown_revision_is_refused(tmp_path: Path) -> None:
    url = _url(tmp_path)
    migrate.upgrade(url)
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'from_the_future'"))
    with pytest.raises(migrate.SchemaError, match="unknown to this code"):
        migrate.check(engine)
    engine.dispose()


def test_app_worker_and_cli_refuse_a_database_behind_then_db_upgrade_fixes_it(
        tmp_path: Path, valkey_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    data = tmp_path / "data"
    env = dict(os.environ, FABLAB_DATA=str(data), REDIS_URL=valkey_url,
               FABLAB_MACHINES=str(REPO / "machines.yaml"))
    env.pop("DATABASE_URL", None)
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    from web.app import create_app

    with pytest.raises(migrate.SchemaError, match="no schema yet: run `fablab db upgrade`"):
        create_app()
    worker = _fablab(env, "worker", "analysis", "--burst")
    assert worker.returncode == 2 and "fablab db upgrade" in worker.stderr
    cur = _fablab(env, "db", "current")
    assert cur.returncode == 1 and "fablab db upgrade" in cur.stdout
    if migrate.head() != migrate.BASELINE:  # a database one revision behind
        migrate.upgrade(f"sqlite:///{data / 'fablab.sqlite3'}", migrate.BASELINE)
        behind = _fablab(env, "user", "add", "x", "--password", "pw-pw-pw-pw")
        assert behind.returncode == 2 and "behind this code" in behind.stderr and "Traceback" not in behind.stderr
    up = _fablab(env, "db", "upgrade")
    assert up.returncode == 0 and migrate.head() in up.stdout, up.stderr
    assert _fablab(env, "db", "current").returncode == 0
    assert _fablab(env, "db", "heads").stdout.split() == list(migrate.heads())
    assert create_app() is not None


def test_upgrade_on_postgresql_gives_the_models_schema(pg_cluster) -> None:  # noqa: ANN001
    pg_cluster.execute("CREATE DATABASE migrate_empty")
    url = pg_cluster.url("migrate_empty")
    assert migrate.upgrade(url) == (None, migrate.head())
    assert _diff(url) == []
