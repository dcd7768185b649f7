"""`fablab` console script: each sub-command lives in its own `cmd_*.py` module here.

A module registers itself with `register(subparsers)`, adding a parser whose default
`func(args) -> int` runs it. Discovery keeps this file from being edited by every feature.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

import jobqueue.cli as cli_pkg


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """Every command's parser; with `command`, only the module named after it when it has one
    (`analyze` -> cmd_analyze) and it registers that command: importing and registering all
    fifteen modules costs ~40 ms of every run (more on a loaded host)."""
    names = _command_modules()
    if command is not None and f"cmd_{command}" in names:
        parser, sub = _parser([f"cmd_{command}"])
        if command in sub.choices:
            return parser
    return _parser(names)[0]


def _parser(modules: list[str]) -> tuple[argparse.ArgumentParser, argparse._SubParsersAction]:
    parser = argparse.ArgumentParser(prog="fablab", description="Fablab job queue and machine controller")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in modules:
        importlib.import_module(f"jobqueue.cli.{name}").register(sub)
    return parser, sub


def _command_modules() -> list[str]:
    """The `cmd_*` modules of this package, by name (a directory listing: `pkgutil` would
    import `inspect`, a tenth of the start-up)."""
    names = {entry.name[:-3] for folder in cli_pkg.__path__ for entry in os.scandir(folder)
             if entry.name.startswith("cmd_") and entry.name.endswith(".py")}
    return sorted(names)


def main(argv: list[str] | None = None) -> int:
    words = sys.argv[1:] if argv is None else argv
    parser = build_parser(words[0] if words and not words[0].startswith("-") else None)
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        migrate = sys.modules.get("jobqueue.migrate")  # loaded only by commands that open the database
        if migrate is not None and isinstance(exc, migrate.SchemaError):
            print(f"error: {exc}", file=sys.stderr)
            return 2
        raise


if __name__ == "__main__":
    sys.exit(main())
