"""`fablab machines check [FILE]`: validate machines.yaml and list the machines."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("machines", help="check and list the machines of machines.yaml")
    msub = p.add_subparsers(dest="machines_command", metavar="ACTION", required=True)
    check = msub.add_parser("check", help="validate machines.yaml and list its machines")
    check.add_argument("file", nargs="?", type=Path, help="default: $FABLAB_MACHINES or ./machines.yaml")
    check.set_defaults(func=run_check)


def run_check(args: argparse.Namespace) -> int:
    from jobqueue.machines import MachineConfigError, load_spec
    from jobqueue.settings import load_settings

    path = args.file or load_settings().machines_file
    try:
        spec = load_spec(path)
    except MachineConfigError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"{path}: {len(spec.machines)} machines, tiers: {', '.join(t.name for t in spec.pricing_tiers)}")
    for m in spec.machines:
        link = f"simulator {m.simulator.firmware}" if m.simulator else (m.connection.port or m.connection.url)
        area = f"{m.work_area.x:g} x {m.work_area.y:g}" + (f" x {m.work_area.z:g}" if m.work_area.z else "")
        mats = ", ".join(mat.name for mat in m.materials)
        print(f"  {m.id:<12} {m.kind:<6} {m.driver:<9} {area:<18} mm  {link}  [{mats}]")
    return 0
