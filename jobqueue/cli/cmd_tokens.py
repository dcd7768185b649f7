"""`fablab token create|list|revoke`: API tokens for scripts (named, expiring, revocable)."""

from __future__ import annotations

import argparse
import sys

# jobqueue.tokens, the context and the users module load SQLAlchemy: imported in each
# command's function, so `fablab --help` and every other command start light.


def register(sub: argparse._SubParsersAction) -> None:
    token = sub.add_parser("token", help="API tokens for scripts")
    tsub = token.add_subparsers(dest="token_command", metavar="ACTION", required=True)
    create = tsub.add_parser("create", help="print a new bearer token for USERNAME (shown once)")
    create.add_argument("username")
    create.add_argument("--name", default="", help="what it is for (listed, max 64 characters)")
    create.add_argument("--days", type=int, default=None,
                        help="valid this many days (default and maximum: jobqueue.tokens; 0: no expiry)")
    create.set_defaults(func=run_create)
    lst = tsub.add_parser("list", help="USERNAME's tokens: id, name, status, dates")
    lst.add_argument("username")
    lst.set_defaults(func=run_list)
    revoke = tsub.add_parser("revoke", help="revoke USERNAME's token ID (or --all)")
    revoke.add_argument("username")
    revoke.add_argument("token_id", type=int, nargs="?")
    revoke.add_argument("--all", action="store_true", help="every token of USERNAME")
    revoke.set_defaults(func=run_revoke)


def _user(s, username: str):  # noqa: ANN001, ANN202
    from jobqueue.users import get_user

    user = get_user(s, username)
    if user is None:
        print(f"error: no user {username!r}", file=sys.stderr)
    return user


def run_create(args: argparse.Namespace) -> int:
    from jobqueue.context import Context
    from jobqueue.tokens import DEFAULT_DAYS, TokenError, issue_token

    days = DEFAULT_DAYS if args.days is None else args.days
    with Context.from_env().session() as s:
        user = _user(s, args.username)
        if user is None:
            return 1
        try:
            token, _row = issue_token(s, user, args.name, days or None)
        except TokenError as exc:
            print(f"error: {exc.code} {exc.params}", file=sys.stderr)
            return 1
        print(token)
    return 0


def _date(value) -> str:  # noqa: ANN001
    return value.strftime("%Y-%m-%d %H:%M") if value else "-"


def run_list(args: argparse.Namespace) -> int:
    from jobqueue.context import Context
    from jobqueue.tokens import list_tokens, token_status

    with Context.from_env().session() as s:
        user = _user(s, args.username)
        if user is None:
            return 1
        print(f"{'id':>5}  {'status':8}  {'created':16}  {'expires':16}  {'last used':16}  name")
        for row in list_tokens(s, user):
            print(f"{row.id:>5}  {token_status(row):8}  {_date(row.created_at):16}  {_date(row.expires_at):16}  "
                  f"{_date(row.last_used_at):16}  {row.name}")
    return 0


def run_revoke(args: argparse.Namespace) -> int:
    from jobqueue.context import Context
    from jobqueue.tokens import TokenError, revoke_all, revoke_token

    with Context.from_env().session() as s:
        user = _user(s, args.username)
        if user is None:
            return 1
        if args.all:
            print(f"revoked {revoke_all(s, user)} token(s)")
            return 0
        if args.token_id is None:
            print("error: give a token id or --all", file=sys.stderr)
            return 2
        try:
            revoke_token(s, user, args.token_id)
        except TokenError:
            print(f"error: {args.username} has no token {args.token_id}", file=sys.stderr)
            return 1
        print(f"revoked token {args.token_id}")
    return 0
