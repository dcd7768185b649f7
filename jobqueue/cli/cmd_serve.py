"""`fablab serve`: the web app (threaded, so Server-Sent Events do not block pages)."""

from __future__ import annotations

import argparse
import logging
import sys


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("serve", help="run the web app")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=5000)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from werkzeug.serving import run_simple

    from jobqueue.migrate import SchemaError
    from web.app import create_app

    logging.basicConfig(level=logging.INFO)
    try:
        app = create_app()
    except SchemaError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    run_simple(args.host, args.port, app, threaded=True, use_reloader=False)
    return 0
