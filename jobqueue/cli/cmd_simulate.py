"""`fablab simulate --firmware grbl|marlin|hpgl --link PATH`: a firmware simulator in the foreground.

Opens a pseudo-terminal, links it at PATH, prints the port, and runs until SIGTERM or SIGINT,
then removes the link. The demo launcher runs one per simulated machine of machines.yaml.
Faults for manual testing: `--fault NAME=LINE` (e.g. `--fault hang_at_line=200`).
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("simulate", help="run a firmware simulator behind a pseudo-terminal")
    p.add_argument("--firmware", required=True, choices=("grbl", "marlin", "hpgl"))
    p.add_argument("--link", required=True, help="path of the symlink to the pty (what the driver opens)")
    p.add_argument("--baud", type=int, default=115200, help="link speed the simulator paces itself to")
    p.add_argument("--speed-factor", type=float, default=20.0, help="motion runs this many times faster than real")
    p.add_argument("--no-advanced-ok", action="store_true", help="Marlin: plain `ok` (the host must ping-pong)")
    p.add_argument("--rx-buffer", type=int, default=None, help="receive buffer bytes (GRBL 128, grblHAL 1024)")
    p.add_argument("--stats", type=Path, default=None, metavar="FILE",
                   help="on exit, write the simulator's counters as JSON (planner starvation...)")
    p.add_argument("--realtime", action="store_true",
                   help="run at real-time priority (SCHED_FIFO) when allowed: a firmware is never held up by the OS")
    p.add_argument("--fault", action="append", default=[], metavar="NAME=VALUE",
                   help="inject a fault, e.g. lost_ok_line=50, reset_at_line=100, corrupt_rate=0.001")
    p.set_defaults(func=run)


def _fault_options(items: list[str]) -> dict[str, float | int]:
    out: dict[str, float | int] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep:
            raise ValueError(f"--fault {item!r}: expected NAME=VALUE")
        out[name.strip()] = float(value) if "." in value else int(value)
    return out


def _realtime() -> bool:
    """SCHED_FIFO for this process and the threads it starts, when the OS allows it. A firmware
    runs on its own microcontroller and is never held up; a simulator on a busy shared host
    is, and its planner then drains for reasons no sender could prevent. The simulator sleeps
    between steps, so it never holds a core (and the kernel caps real-time tasks anyway)."""
    import os

    try:
        os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(10))
    except (AttributeError, OSError):
        return False
    return True


def run(args: argparse.Namespace) -> int:
    from drivers.sim import start_simulator

    options: dict[str, object] = {}
    if args.firmware == "marlin":
        options["advanced_ok"] = not args.no_advanced_ok
    if args.rx_buffer:
        options["rx_buffer"] = args.rx_buffer
    stop = threading.Event()

    def _stop(_sig: int, _frame: object) -> None:
        stop.set()

    # before the link appears: whoever sees the link may stop us at once, and must find us ready
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    realtime = _realtime() if args.realtime else False
    try:
        options.update(_fault_options(args.fault))
        handle = start_simulator(args.firmware, link_path=args.link, baud=args.baud,
                                 speed_factor=args.speed_factor, **options)
    except (ValueError, TypeError, OSError) as exc:
        print(f"simulate: {exc}", file=sys.stderr)
        return 2
    print(f"{args.firmware} simulator on {handle.port} (linked at {args.link}), {args.baud} baud, "
          f"speed x{args.speed_factor:g}{', real-time priority' if realtime else ''}", flush=True)
    try:
        while not stop.wait(0.5):
            if not handle.running:
                print("simulate: the simulator thread stopped", file=sys.stderr)
                return 1
    finally:
        if args.stats is not None:
            args.stats.write_text(json.dumps({**handle.state(), "realtime": realtime}, default=str), encoding="utf-8")
        handle.stop()
    return 0
