"""`fablab estimate PROGRAM --machine ID`: how long a G-code or HPGL file runs on a machine.

The machine's limits come from machines.yaml, or for GRBL from the `$$` report given with
`--grbl-settings FILE`. `--json` prints {"seconds", "naive_seconds", "lines"}. Exit status 0,
2 on bad arguments or an unreadable file.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

MAX_PROGRAM_BYTES = 2 * 1024**3


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("estimate", help="time of a G-code or HPGL program on a machine (motion planner model)")
    p.add_argument("program", type=Path, help="G-code (.gcode, .nc) or HPGL (.plt, .hpgl) file")
    p.add_argument("--machine", required=True, help="machine id from machines.yaml")
    p.add_argument("--machines", type=Path, default=None,
                   help="inventory file (default: $FABLAB_MACHINES, ./machines.yaml, the demo's)")
    p.add_argument("--grbl-settings", type=Path, default=None, metavar="FILE",
                   help="GRBL `$$` output whose $11, $12, $110-$112, $120-$122, $32 replace the machine's")
    p.add_argument("--flavour", choices=["grbl", "marlin", "hpgl"], default=None,
                   help="firmware to model (default: from the machine's driver, or HPGL for .plt/.hpgl)")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.set_defaults(func=run)


def _format(seconds: float) -> str:
    s = int(round(seconds))
    return f"{s // 3600} h {s % 3600 // 60:02d} min {s % 60:02d} s"


def run(args: argparse.Namespace) -> int:
    from jobqueue.machines import MachineConfigError, load_spec
    from slicing.motion import estimate_program, flavour_for, parse_grbl_settings

    try:
        machine = load_spec(args.machines).machine(args.machine)
    except (MachineConfigError, KeyError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        if args.program.stat().st_size > MAX_PROGRAM_BYTES:
            print(f"error: {args.program} is larger than 2 GB", file=sys.stderr)
            return 2
        text = args.program.read_text(encoding="utf-8", errors="replace")
        grbl = parse_grbl_settings(args.grbl_settings.read_text(encoding="utf-8", errors="replace")) if args.grbl_settings else None
    except OSError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    lines = text.splitlines()
    flavour = args.flavour
    if flavour is None:
        flavour = "hpgl" if args.program.suffix.lower() in (".plt", ".hpgl", ".hpg") else flavour_for(machine, lines)
    est = estimate_program(lines, machine, flavour=flavour, grbl_settings=grbl)
    if args.json:
        print(json.dumps({"seconds": est.seconds, "naive_seconds": est.naive_seconds, "lines": est.lines}))
        return 0
    print(f"{args.program.name} on {machine.id} ({flavour}, {est.lines} lines, {est.blocks} planner blocks)")
    print(f"  estimate: {_format(est.seconds)} ({est.seconds:.1f} s)")
    print(f"    motion {est.motion_seconds:.1f} s, dwell {est.dwell_seconds:.1f} s, heating {est.heat_seconds:.1f} s, "
          f"homing/pen {est.other_seconds:.1f} s, waiting for the serial link {est.link_wait_seconds:.1f} s")
    print(f"  naive length/feed: {_format(est.naive_seconds)} ({est.naive_seconds:.1f} s)")
    if est.unread_lines:
        print(f"  {len(est.unread_lines)} line(s) not understood and ignored, first: {est.unread_lines[0] + 1}")
    return 0
