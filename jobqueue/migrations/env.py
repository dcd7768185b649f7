"""Alembic environment: the models' metadata, and the database given by the caller.

`jobqueue.migrate` passes an open connection (config.attributes["connection"]); the plain
`alembic` command (alembic.ini at the repo root) uses DATABASE_URL / FABLAB_DATA like the app.
SQLite gets batch mode so ALTER-style revisions work there too.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool
from sqlalchemy.engine import Connection

from jobqueue.models import Base
from jobqueue.settings import load_settings

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    return config.get_main_option("sqlalchemy.url") or load_settings().database_url


def _configure(**kw: object) -> None:
    context.configure(target_metadata=target_metadata, compare_type=True, **kw)


def run_offline() -> None:
    url = _url()
    _configure(url=url, literal_binds=True, render_as_batch=url.startswith("sqlite"))
    with context.begin_transaction():
        context.run_migrations()


def _run(connection: Connection) -> None:
    _configure(connection=connection, render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = create_engine(_url(), poolclass=pool.NullPool)
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
