"""`fablab prepare FILE --machine ID`: write the program the `prepare` task would write.

Prints the checks (issues) and the figures, and the time estimate when the motion model
(`slicing.motion.estimate_program`) is available. Exit status 0 when the program is clean,
1 when it has errors (then nothing is written unless --force), 2 on bad arguments.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("prepare", help="turn a design into the machine's program (G-code/HPGL)")
    p.add_argument("file", type=Path, help="STL, SVG or DXF file")
    p.add_argument("--machine", required=True, help="machine id from machines.yaml")
    p.add_argument("--material", default=None, help="material name (default: the machine's first)")
    p.add_argument("--set", dest="settings", action="append", default=[], metavar="KEY=VALUE",
                   help="override a process setting, e.g. kerf_mm=0.15 (repeatable)")
    p.add_argument("-o", "--output", type=Path, required=True, help="program file to write")
    p.add_argument("--machines", type=Path, default=None,
                   help="inventory file (default: $FABLAB_MACHINES, ./machines.yaml, the demo's)")
    p.add_argument("--preview", type=Path, default=None, help="also write the SVG preview here")
    p.add_argument("--force", action="store_true", help="write the program even when checks fail")
    p.add_argument("--lang", choices=["fr", "en"], default=None, help="language of the messages (default: LANG, else fr)")
    p.add_argument("--scale", type=float, default=None,
                   help="drawing scale for a file that does not say its unit (25.4: inches, 10: cm, 1: mm)")
    p.add_argument("--json", action="store_true", help="print issues and figures as JSON")
    p.set_defaults(func=run)


def parse_settings(items: list[str]) -> dict[str, Any]:
    from slicing.toolpaths.options import coerce

    out: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"--set expects KEY=VALUE, got '{item}'")
        out[key.strip()] = coerce(value)
    return out


def _estimate_s(lines: list[str], machine, words=None) -> float | None:  # noqa: ANN001 - slicing Machine, Words
    """The motion model's time for the program, in seconds (None when it refuses it); `words`:
    the program as `prepare` read it (its time model started then)."""
    from slicing.motion import estimate_program

    try:
        return float(estimate_program(lines, machine, words=words).seconds)
    except Exception:  # an estimate is informative only
        return None


def _format_s(seconds: float | None) -> str:
    if seconds is None:
        return "none"
    s = int(round(seconds))
    return f"{s // 3600} h {s % 3600 // 60:02d} min {s % 60:02d} s"


def run(args: argparse.Namespace) -> int:
    from jobqueue.machines import load_spec

    try:
        spec = load_spec(args.machines)
        machine = spec.machine(args.machine)
        options = parse_settings(args.settings)
        if args.scale is not None:
            options["scale"] = args.scale
    except (OSError, ValueError, KeyError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if not args.file.is_file():
        print(f"error: no such file: {args.file}", file=sys.stderr)
        return 2
    from slicing.prepare import prepare_program

    program = prepare_program(args.file, machine, args.material, options)
    from jobqueue.cli.words import issue_lines, language, words

    said = words(language(args.lang))
    if args.json:
        print(json.dumps({**program.to_dict(), "estimate_s": _estimate_s(program.lines, machine, program.words)}, ensure_ascii=False, indent=2))
    else:
        print(f"{args.file.name} -> {machine.id} ({program.format}, {len(program.lines)} lines)")
        if not program.issues:
            print("checks: all passed")
        for issue in program.issues:
            where = {k: v for k, v in (issue.get("location") or {}).items() if v not in (None, "")}
            at = f" [{', '.join(f'{k}={v}' for k, v in where.items())}]" if where else ""
            text, hint = issue_lines(issue, said)
            print(f"  {issue['severity']:7s} {issue['code']}: {text}{at}")
            if hint:
                print(f"          -> {hint}")
        for key, value in program.metrics.items():
            print(f"  {key}: {value}")
        print(f"  estimate: {_format_s(_estimate_s(program.lines, machine, program.words))}")
    if program.ok or args.force:
        if program.lines:
            args.output.write_text(program.text(), encoding="ascii", errors="replace")
            print(f"wrote {args.output}", file=sys.stderr if args.json else sys.stdout)
        if args.preview and program.preview_svg:
            args.preview.write_text(program.preview_svg, encoding="utf-8")
            print(f"wrote {args.preview}", file=sys.stderr if args.json else sys.stdout)
    else:
        print("not written: the program has errors (use --force to write it anyway)", file=sys.stderr)
    return 0 if program.ok else 1
