"""`fablab stream FILE --driver grbl|marlin|hpgl --port URL`: send a program to a machine.

Shows a progress bar, and ends with a summary: lines, bytes, seconds and link utilisation
(payload bytes per second over baud/10). Ctrl-C cancels the job safely (the driver's cancel).
`--start-line N` resumes from line N (1-based numbering would be N+1) after restoring the
modal state in force there.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("stream", help="stream a G-code or HPGL file to a machine (with progress)")
    p.add_argument("file", type=Path)
    p.add_argument("--driver", required=True, choices=("grbl", "marlin", "hpgl"))
    p.add_argument("--port", required=True, help="serial port or pyserial URL (/dev/ttyUSB0, socket://h:p, a pty)")
    p.add_argument("--baud", type=int, default=None, help="default 115200 (9600 for hpgl)")
    p.add_argument("--flow-control", choices=("none", "xonxoff", "rtscts"), default=None,
                   help="default: none for G-code, xonxoff for HPGL")
    p.add_argument("--start-line", type=int, default=0, help="resume from this line (0-based index)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--lang", choices=["fr", "en"], default=None, help="language of the messages (default: LANG, else fr)")
    p.set_defaults(func=run)


def _said(error: BaseException, lang: str | None) -> str:
    """A driver's reason (code + parameters) in the chosen language, with the line to resume from."""
    from jobqueue.cli.words import language, say, words
    from web.driver_reasons import say_driver_reason

    said = words(language(lang))
    as_reason = getattr(error, "as_reason", None)
    text = (say_driver_reason(*as_reason(), said.gettext) if callable(as_reason) else None) or str(error)
    acked = getattr(error, "lines_acked", None)
    if acked is not None:
        text += " " + say(said, "(last acknowledged line: %(line)s; resume with --start-line %(line)s)", line=acked)
    return text


def run(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from drivers import open_driver
    from drivers.base import Cancelled, DriverError

    try:
        lines = args.file.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError as exc:
        print(f"stream: cannot read {args.file}: {exc}", file=sys.stderr)
        return 2
    if not 0 <= args.start_line <= len(lines):
        print(f"stream: --start-line must be between 0 and {len(lines)}", file=sys.stderr)
        return 2
    baud = args.baud or (9600 if args.driver == "hpgl" else 115200)
    flow = args.flow_control or ("xonxoff" if args.driver == "hpgl" else "none")
    driver = open_driver(args.driver, args.port, baud, flow_control=flow)
    try:
        driver.connect()
    except DriverError as exc:
        print(f"stream: {args.port}: {_said(exc, args.lang)}", file=sys.stderr)
        return 1
    bar = tqdm(total=len(lines), initial=args.start_line, unit="line", disable=args.quiet, file=sys.stderr)
    outcome: dict = {}

    def on_progress(p) -> None:  # noqa: ANN001 - drivers.base.Progress
        bar.update(p.lines_acked - bar.n)
        if p.state:
            bar.set_postfix_str(p.state, refresh=False)

    def work() -> None:
        try:
            outcome["result"] = driver.stream(lines, args.start_line, on_progress)
        except BaseException as exc:  # handed to the main thread
            outcome["error"] = exc

    worker = threading.Thread(target=work, daemon=True, name="stream")
    cancelled = threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda *_: cancelled.set())
    worker.start()
    try:
        while worker.is_alive():
            try:
                worker.join(0.2)
            except KeyboardInterrupt:
                cancelled.set()
            if cancelled.is_set():
                print("\nstream: cancelling (machine left safe)...", file=sys.stderr)
                driver.cancel()
                worker.join(60)
                break
    finally:
        signal.signal(signal.SIGTERM, previous)
        bar.close()
        driver.close()
    error = outcome.get("error")
    if error is not None:
        print(f"stream: {_said(error, args.lang)}", file=sys.stderr)
        return 130 if isinstance(error, Cancelled) else 1
    result = outcome["result"]
    rate = result.bytes_sent / result.seconds if result.seconds > 0 else 0.0
    print(f"{result.lines_acked} lines, {result.bytes_sent} bytes in {result.seconds:.2f} s: "
          f"{rate:.0f} B/s, link utilisation {100 * rate / (baud / 10):.1f}% of {baud} baud")
    return 0
