"""`fablab db upgrade|current|heads`: the database schema, by Alembic migrations."""

from __future__ import annotations

import argparse
import sys


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("db", help="database schema: upgrade, current revision, heads")
    dsub = p.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    up = dsub.add_parser("upgrade", help="migrate the database (DATABASE_URL) to the latest revision")
    up.add_argument("revision", nargs="?", default="head", help="target revision (default: head)")
    up.set_defaults(func=run_upgrade)
    dsub.add_parser("current", help="the revision the database is at").set_defaults(func=run_current)
    dsub.add_parser("heads", help="the latest revision of this code").set_defaults(func=run_heads)


def _where(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def run_upgrade(args: argparse.Namespace) -> int:
    from jobqueue import migrate
    from jobqueue.settings import load_settings

    url = load_settings().database_url
    try:
        before, after = migrate.upgrade(url, args.revision)
    except migrate.SchemaError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if before == after:
        print(f"{_where(url)}: already at {after}")
    else:
        print(f"{_where(url)}: upgraded from {before or 'empty'} to {after}")
    return 0


def run_current(_args: argparse.Namespace) -> int:
    from jobqueue import migrate
    from jobqueue.settings import load_settings

    url = load_settings().database_url
    print(f"{_where(url)}: {migrate.current_of(url) or 'no revision'}")
    from sqlalchemy import create_engine, pool

    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        migrate.check(engine)
    except migrate.SchemaError as exc:
        print(exc)
        return 1
    finally:
        engine.dispose()
    print("up to date")
    return 0


def run_heads(_args: argparse.Namespace) -> int:
    from jobqueue import migrate

    for h in migrate.heads():
        print(h)
    return 0
