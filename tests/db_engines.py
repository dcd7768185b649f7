"""Database fixtures (a pytest plugin loaded by tests/conftest.py): each test gets a fresh
database at the head revision, on SQLite (a copy of a template file) or PostgreSQL (a database
made from a template database in a throwaway cluster).

Tests marked `both_engines` run once per engine; the others run on FABLAB_TEST_DB (default
sqlite; `FABLAB_TEST_DB=postgresql pytest` runs everything on PostgreSQL).
"""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from pg_cluster import PgCluster, pg_bin_dir

from jobqueue import db, migrate

ENGINES = ("sqlite", "postgresql")
_names = itertools.count(1)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "db_engine" in metafunc.fixturenames and metafunc.definition.get_closest_marker("both_engines"):
        metafunc.parametrize("db_engine", ENGINES, indirect=True)


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PgCluster]:
    bin_dir = pg_bin_dir()
    if bin_dir is None:
        pytest.skip("PostgreSQL is not installed (apt-get install -y postgresql): PostgreSQL leg skipped")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        pytest.skip("the PostgreSQL driver is not installed (pip install 'fablab[postgres]')")
    cluster = PgCluster(bin_dir)
    cluster.start()
    yield cluster
    cluster.stop()


@pytest.fixture(scope="session")
def pg_template(pg_cluster: PgCluster) -> str:
    """A database upgraded to head once; each test's database is a copy (CREATE DATABASE ... TEMPLATE)."""
    pg_cluster.execute("CREATE DATABASE fablab_template")
    migrate.upgrade(pg_cluster.url("fablab_template"))
    return "fablab_template"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite database upgraded to the head revision once; each test gets a copy."""
    path = tmp_path_factory.mktemp("schema") / "template.sqlite3"
    migrate.upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture
def db_engine(request: pytest.FixtureRequest) -> str:
    engine = getattr(request, "param", None) or os.environ.get("FABLAB_TEST_DB", "sqlite")
    assert engine in ENGINES, f"FABLAB_TEST_DB must be one of {ENGINES}"
    return engine


@pytest.fixture
def database_url(db_engine: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh database at head for this test: the SQLite file under tmp_path/data, or a new
    PostgreSQL database (disposed of and dropped at the end)."""
    if db_engine == "sqlite":
        path = tmp_path / "data" / "fablab.sqlite3"
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    cluster: PgCluster = request.getfixturevalue("pg_cluster")
    name = f"test_{os.getpid()}_{next(_names)}"
    cluster.execute(f"CREATE DATABASE {name} TEMPLATE {request.getfixturevalue('pg_template')}")
    url = cluster.url(name)
    yield url
    db.dispose(url)
    cluster.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
