"""`fablab user add` and `fablab token create USERNAME`: accounts and API tokens."""

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
    add.add_argument("--role", default="member", help="member, trainee, fabmanager...")
    add.add_argument("--tier", default="member", help="pricing tier from machines.yaml")
    add.add_argument("--password", help="default: asked on the terminal")
    add.set_defaults(func=run_add)

    token = sub.add_parser("token", help="API tokens for scripts")
    tsub = token.add_subparsers(dest="token_command", metavar="ACTION", required=True)
    create = tsub.add_parser("create", help="print a new bearer token for USERNAME")
    create.add_argument("username")
    create.set_defaults(func=run_token_create)


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


def run_token_create(args: argparse.Namespace) -> int:
    from jobqueue.context import Context
    from jobqueue.users import create_token, get_user

    with Context.from_env().session() as s:
        user = get_user(s, args.username)
        if user is None:
            print(f"error: no user {args.username!r}", file=sys.stderr)
            return 1
        print(create_token(s, user))
    return 0
