"""`fablab demo`: the whole fablab on simulated machines (see jobqueue.demo)."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo", help="run the web app, workers and simulated machines")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=5000)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from jobqueue.demo import run_demo

    return run_demo(args.host, args.port)
