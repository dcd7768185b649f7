"""`fablab serve`: the web app under gunicorn (threaded workers, see web/server.py), or
Werkzeug's development server with `--server werkzeug` (debugging only)."""

from __future__ import annotations

import argparse
import sys


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("serve", help="run the web app (gunicorn)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=5000)
    p.add_argument("--server", choices=["gunicorn", "werkzeug"], default="gunicorn",
                   help="werkzeug: the development server, never in production")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import logging  # here, not at start-up: `fablab --help` never loads it

    from jobqueue import db
    from jobqueue.migrate import SchemaError
    from jobqueue.settings import load_settings

    logging.basicConfig(level=logging.INFO)
    url = load_settings().database_url
    try:  # refuse a database behind the code before any worker starts
        db.get_engine(url)
    except SchemaError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    db.dispose(url)  # workers fork from here: they open their own connections
    if args.server == "werkzeug":
        from werkzeug.serving import run_simple

        from web.app import create_app

        run_simple(args.host, args.port, create_app(), threaded=True, use_reloader=False)
        return 0
    from web.server import serve

    serve(args.host, args.port)
    return 0
