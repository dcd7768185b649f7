"""`fablab user add`: accounts (API tokens: `cmd_tokens.py`)."""

from __future__ import annotations

import argparse
import getpass
import sys


def register(sub: argparse._SubParsersAction) -> None:
    user = sub.add_parser("user", help="manage accounts")
    usub = user.add_subparsers(dest="user_command", metavar="ACTION", required=True)
    add = usub.add_parser("add", help="create an account")
    add.add_argument("username")
    # Checked by create_user against jobqueue.models.ROLES (not imported here: start-up stays light).
    add.add_argument("--role", default="member", help="member, trainee, trainer, fabmanager or admin")
    add.add_argument("--tier", default="member", help="pricing tier from machines.yaml")
    add.add_argument("--password", help="default: asked on the terminal")
    add.set_defaults(func=run_add)


def run_add(args: argparse.Namespace) -> int:
    from jobqueue.context import Context
    from jobqueue.users import UserError, create_user

    password = args.password or getpass.getpass(f"password for {args.username}: ")
    try:
        with Context.from_env().session() as s:
            create_user(s, args.username, password, role=args.role, tier=args.tier)
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"created {args.role} {args.username}")
    return 0

