"""`fablab store gc`: remove stored files nothing references any more (jobqueue/store_gc.py)."""

from __future__ import annotations

import argparse
import json
import sys


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("store", help="the file store: garbage collection")
    ssub = p.add_subparsers(dest="store_command", metavar="ACTION", required=True)
    gc = ssub.add_parser("gc", help="remove files no job, revision or program references, older than a grace period")
    gc.add_argument("--grace-hours", type=float, default=None,
                    help="keep anything stored within this many hours (default 24: an upload in flight is never lost)")
    gc.add_argument("--dry-run", action="store_true", help="count what would go, remove nothing")
    gc.add_argument("--json", action="store_true", help="the counts as JSON")
    gc.set_defaults(func=run_gc)


def run_gc(args: argparse.Namespace) -> int:
    from jobqueue import store_gc
    from jobqueue.context import Context

    grace = store_gc.DEFAULT_GRACE_HOURS if args.grace_hours is None else args.grace_hours
    if grace < 0:
        print("error: --grace-hours cannot be negative", file=sys.stderr)
        return 2
    ctx = Context.from_env()
    with ctx.session() as s:
        result = store_gc.collect(s, ctx.store, grace_hours=grace, dry_run=args.dry_run)
    if args.json:
        print(json.dumps(result))
        return 0
    verb = "would remove" if args.dry_run else "removed"
    for backend, c in result.items():
        print(f"{backend}: {verb} {c['files']} files ({c['bytes']} bytes), {c['incoming']} unfinished uploads; "
              f"kept {c['kept_referenced']} referenced, {c['kept_recent']} stored within {grace:g} h")
    return 0
