"""`fablab worker QUEUE...`: an rq worker for `analysis` or one machine's queue."""

from __future__ import annotations

import argparse
import sys


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("worker", help="run an rq worker (analysis, or --machine ID)")
    p.add_argument("queues", nargs="*", help="queue names (default: analysis)")
    p.add_argument("--machine", help="serve this machine's queue (one worker per machine)")
    p.add_argument("--burst", action="store_true", help="stop when the queues are empty")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import logging  # here, not at start-up: `fablab --help` never loads it

    from jobqueue import db, migrate, queues
    from jobqueue.context import Context
    from jobqueue.machine_worker import queue_names, serve

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    ctx = Context.from_env()
    try:
        db.get_engine(ctx.settings.database_url)  # a worker never starts on a database behind the code
    except migrate.SchemaError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.machine:
        try:
            ctx.spec().machine(args.machine)
        except KeyError as exc:
            print(f"error: {exc.args[0]}", file=sys.stderr)
            return 2
    names = queue_names(args.queues, args.machine)
    analysis_only = queues.ANALYSIS in names and not args.machine
    if queues.ANALYSIS in names:
        from jobqueue.analysis_cache import warm_imports

        warm_imports()  # before the first job: each job starts warm
        ctx.spec()  # machines.yaml parsed once here
    # Analyses run in this process, not a work horse forked per job: imports, parsed machines,
    # database engine and the memory numpy already touched stay warm, which is most of a small
    # upload's verdict time. A crash is the supervisor's to restart.
    return serve(ctx, names, args.machine, burst=args.burst, in_process=analysis_only)
