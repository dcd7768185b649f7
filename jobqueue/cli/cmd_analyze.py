"""`fablab analyze FILE [--machine ID] [--material NAME] [--json]`: the upload analysis, offline.

Prints a readable report (issues with where and what to do, figures, quotes) or the JSON the
`analysis` task stores on the job. Exit 0 when the file was analysed (valid or not), 2 on a
usage error (missing file, unreadable machines.yaml).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from slicing.machine_view import SpecView

SEVERITY_MARK = {"error": "ERREUR/ERROR", "warning": "ATTENTION/WARNING", "info": "INFO"}


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("analyze", help="check, measure and quote an STL, SVG or DXF file")
    p.add_argument("file", type=Path, help="STL, SVG or DXF file")
    p.add_argument("--machine", default=None, help="machine id from machines.yaml (default: every compatible one)")
    p.add_argument("--material", default=None, help="material name (default: every material)")
    p.add_argument("--process", choices=["fdm", "laser", "cnc", "vinyl"], default=None,
                   help="process to analyse for (default: from the machine, or every compatible one)")
    p.add_argument("--machines", type=Path, default=None,
                   help="inventory file (default: $FABLAB_MACHINES or ./machines.yaml)")
    p.add_argument("--lang", choices=["fr", "en"], default=None, help="language of the report (default: LANG, else fr)")
    p.add_argument("--scale", type=float, default=None,
                   help="drawing scale for a file that does not say its unit (25.4: inches, 10: cm, 1: mm)")
    p.add_argument("--json", action="store_true", help="print the analysis as JSON")
    p.add_argument("--preview", type=Path, default=None,
                   help="also write the preview with the problems marked (PNG for meshes, SVG for drawings)")
    p.set_defaults(func=run)


def load_spec(path: Path | None) -> SpecView:
    """machines.yaml validated by the one loader (errors name the machine and the field), read
    as plain data: this command only reads it (jobqueue.machines_plain)."""
    from jobqueue.machines_plain import load_view

    return load_view(path)


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.2f}".replace(",", " ")
    if isinstance(value, list):
        return " × ".join(_fmt(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k} {_fmt(v)}" for k, v in value.items())
    return str(value)


def report(result: dict, lang: str) -> str:
    from babel.numbers import format_currency

    from jobqueue.cli.words import issue_lines, say, words
    from web.issue_place import place
    from web.quote_render import term_explanation, term_label

    said = words(lang)

    def money(value: float, currency: str) -> str:
        return format_currency(value, currency, locale=lang, decimal_quantization=False)

    lines = []
    units = result.get("units") or {}
    if result["valid"] and units.get("pending"):  # nothing wrong, but its size is not known (slicing.units)
        lines.append(say(said, "Unit to choose: the file is usable once its unit is known"))
    else:
        lines.append(say(said, "File usable") if result["valid"] else say(said, "File not usable as it is"))
    if units.get("choices") and not units.get("chosen"):
        lines.append("  " + say(said, "Its unit, with --scale:") + " " + "; ".join(
            f"{c['unit']} --scale {c['factor']:g} -> {_fmt(c['bbox_mm'])} mm" for c in units["choices"]))
    for issue in result["issues"]:
        text, hint = issue_lines(issue, said)
        lines.append(f"  [{SEVERITY_MARK.get(issue['severity'], issue['severity'])}] {issue['code']}: {text}")
        if hint:
            lines.append(f"      -> {hint}")
        loc = issue.get("location")
        where = place(loc, (result.get("metrics") or {}).get("bbox_min_mm"), said)
        if where:
            lines.append("      " + say(said, "Where: %(place)s", place=where))
        if loc:
            lines.append(f"      @ {json.dumps(loc, ensure_ascii=False)[:300]}")
    if result["metrics"]:
        from jobqueue.cli.words import decimal
        from web.metric_format import metrics_rows

        lines.append(say(said, "Measurements:"))
        # The figures named and formatted as on the job page (same rows, same catalogs), without Flask.
        rows = metrics_rows(result["metrics"], None, lambda msgid, **v: say(said, msgid, **v), decimal(lang))
        lines += ["  " + say(said, "%(name)s: %(value)s", name=label, value=value) for label, value in rows]
    if result["quotes"]:
        lines.append(say(said, "Quotes:"))
        for q in result["quotes"]:
            fit = "" if q.get("fits", True) else " (" + say(said, "does not fit") + ")"
            lines.append(f"  {q['machine']} / {q['material']}: {q['seconds'] / 60:.0f} min{fit}")
            for t in q["terms"]:
                label, why = term_label(t, said), term_explanation(t, q["currency"], said, money)
                value = f"{money(t['amount'], q['currency'])} ({why})"
                lines.append("      " + say(said, "%(name)s: %(value)s", name=label, value=value))
            totals = ", ".join(f"{tier} {money(amount, q['currency'])}" for tier, amount in q["totals"].items())
            lines.append("      " + say(said, "Total: %(totals)s", totals=totals))
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    # The analysis calls no BLAS routine, but numpy's import starts OpenBLAS's thread pool, whose
    # threads spin waiting for work: ~70 ms of CPU taken from the analysis on a 2-core host.
    # Only this one-shot process; a value the user set is kept.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    from slicing.analysis import analyze_file

    if not args.file.is_file():
        print(f"fablab analyze: no such file: {args.file}", file=sys.stderr)
        return 2
    try:
        spec = load_spec(args.machines)
    except (OSError, ValueError) as exc:  # MachineConfigError names the machine and the field
        print(f"fablab analyze: cannot load machines.yaml: {exc}", file=sys.stderr)
        return 2
    if args.machine is not None and args.machine not in {m.id for m in spec.machines}:
        known = ", ".join(m.id for m in spec.machines)
        print(f"fablab analyze: no machine '{args.machine}' (known: {known})", file=sys.stderr)
        return 2
    result = analyze_file(args.file, spec=spec, process=args.process, machine_id=args.machine,
                          material=args.material, filename=args.file.name, scale=args.scale)
    if args.preview is not None:
        from slicing.previews import analysis_preview

        drawn = analysis_preview(args.file, process=result.get("process"), analysis=result, filename=args.file.name)
        if drawn is not None:
            args.preview.write_bytes(drawn[0])
    if args.json:
        json.dump(result, sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
    else:
        from jobqueue.cli.words import language

        print(report(result, language(args.lang)))
    return 0
