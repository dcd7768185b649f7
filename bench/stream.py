"""Streaming benchmark: 20,000 short segments over a pty paced at 115200 baud.

Link utilisation = wire bytes per second / (baud / 10), for
- GRBL, character counting vs send-response (the baseline measured in the same run);
- Marlin, ADVANCED_OK (several lines in flight) vs ping-pong (the baseline).
Targets: GRBL counting >= 95 %, Marlin ADVANCED_OK >= 85 %.

Each simulator runs in its own process (`fablab simulate`), so it does not share the
driver's interpreter lock; motion is sped up (--speed-factor) so the link, not the planner,
is what limits. Usage: `python bench/stream.py [--lines N] [--baud B] [--quick]`; exits 1 if
a target is missed.

Then, for GRBL and Marlin, whether the machine is fed at its own pace: 5,000 segments of
0.2 mm at F3000 (4 ms of motion each; the simulator's acceleration is instant) at real speed,
and how long the simulated planner sat empty between blocks while the driver still had lines
to send (`planner_starved_s`, counted from the first block on). Target: zero. The simulator
runs at real-time priority when the OS allows it (`simulate --realtime`: a firmware has its
own microcontroller and is never held up; the driver keeps its normal priority, so what it
costs on a busy host stays in the figure). The share of the idle time during which the
simulator's own thread still ran late is printed apart: only the rest is the driver's.
"""

from __future__ import annotations

import argparse
import math
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from drivers import open_driver  # noqa: E402

TARGETS = {("grbl", "counting"): 95.0, ("marlin", "auto"): 85.0}


def segments(n: int, flavor: str) -> list[str]:
    """Short segments (~0.1 mm) along a spiral, as curve-heavy CAM or slicer output looks."""
    out = ["G21", "G90", "F3000"] if flavor == "grbl" else ["G21", "G90", "M83", "G92 E0", "G1 F3000"]
    for i in range(n):
        r = 10 + i * 0.002
        a = i * 0.01
        x, y = 100 + r * math.cos(a), 100 + r * math.sin(a)
        out.append(f"G1X{x:.3f}Y{y:.3f}" if flavor == "grbl" else f"G1 X{x:.3f} Y{y:.3f} E0.0042")
    return out


def short_segments(n: int, flavor: str) -> list[str]:
    """`n` segments of 0.2 mm at F3000 along a square-ish zigzag that stays on the bed."""
    out = ["G21", "G90", "G1 F3000"] if flavor == "grbl" else ["G21", "G90", "M83", "G92 E0", "G1 F3000"]
    x, y = 10.0, 10.0
    for i in range(n):
        row, step = divmod(i, 500)
        x = 10.0 + (step * 0.2 if row % 2 == 0 else (500 - step) * 0.2)
        y = 10.0 + row * 0.0  # one straight line back and forth: every segment exactly 0.2 mm
        out.append(f"G1X{x:.3f}Y{y:.3f}" if flavor == "grbl" else f"G1 X{x:.3f} Y{y:.3f} E0.0067")
    return out


def idle_case(firmware: str, n: int, baud: int, workdir: Path) -> dict:
    """Stream `n` 0.2 mm segments at real speed; the simulator's planner starvation, from its stats."""
    import json

    link, stats = workdir / f"{firmware}-idle", workdir / f"{firmware}-idle.json"
    cmd = [sys.executable, "-m", "jobqueue.cli.main", "simulate", "--firmware", firmware, "--link", str(link),
           "--baud", str(baud), "--speed-factor", "1", "--stats", str(stats), "--realtime"]
    sim = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 20
        while not link.exists():
            if time.monotonic() > deadline or sim.poll() is not None:
                raise RuntimeError(f"simulator did not start: {sim.stderr.read().decode() if sim.stderr else ''}")
            time.sleep(0.05)
        driver = open_driver(firmware, str(link), baud, mode="counting" if firmware == "grbl" else "auto")
        driver.connect()
        try:
            result = driver.stream(short_segments(n, firmware))
        finally:
            driver.close()
    finally:
        sim.send_signal(signal.SIGTERM)
        sim.wait(10)
    state = json.loads(stats.read_text())
    return {"firmware": firmware, "seconds": result.seconds, "motion_s": n * 0.2 / 50.0,
            "starved_s": float(state.get("planner_starved_s", float("nan"))),
            "starvations": int(state.get("planner_starvations", 0)),
            "stall_s": float(state.get("planner_starved_stall_s", 0.0)), "realtime": bool(state.get("realtime"))}


def run_case(firmware: str, mode: str, lines: list[str], baud: int, workdir: Path) -> dict:
    link = workdir / f"{firmware}-{mode}"
    cmd = [sys.executable, "-m", "jobqueue.cli.main", "simulate", "--firmware", firmware, "--link", str(link),
           "--baud", str(baud), "--speed-factor", "200"]
    if firmware == "marlin" and mode == "ping_pong":
        cmd.append("--no-advanced-ok")
    sim = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 20
        while not link.exists():
            if time.monotonic() > deadline or sim.poll() is not None:
                raise RuntimeError(f"simulator did not start: {sim.stderr.read().decode() if sim.stderr else ''}")
            time.sleep(0.05)
        driver = open_driver(firmware, str(link), baud, mode=mode)
        driver.connect()
        try:
            result = driver.stream(lines)
        finally:
            driver.close()
    finally:
        sim.send_signal(signal.SIGTERM)
        sim.wait(10)
    payload = sum(len(line) + 1 for line in lines)
    return {"firmware": firmware, "mode": mode, "lines": result.lines_acked, "seconds": result.seconds,
            "wire_bytes": result.bytes_sent, "payload": payload,
            "utilisation": 100.0 * result.bytes_sent / result.seconds / (baud / 10),
            "lines_per_s": result.lines_acked / result.seconds}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=20_000)
    parser.add_argument("--baud", type=int, default=115200)
    parser.add_argument("--segments", type=int, default=5_000, help="0.2 mm segments for the idle check")
    parser.add_argument("--quick", action="store_true", help="4,000 lines and 1,000 segments")
    args = parser.parse_args()
    if args.quick:
        args.lines, args.segments = 4_000, 1_000
    cases = [("grbl", "counting"), ("grbl", "send_response"), ("marlin", "auto"), ("marlin", "ping_pong")]
    rows = []
    with tempfile.TemporaryDirectory(prefix="fablab-bench-") as tmp:
        for firmware, mode in cases:
            rows.append(run_case(firmware, mode, segments(args.lines, firmware), args.baud, Path(tmp)))
            r = rows[-1]
            print(f"  {firmware:<6} {mode:<13} {r['lines']:>6} lines {r['seconds']:7.2f} s "
                  f"{r['lines_per_s']:7.0f} lines/s  link {r['utilisation']:5.1f} %", flush=True)
    by = {(r["firmware"], r["mode"]): r for r in rows}
    print(f"\n{args.lines} short segments at {args.baud} baud ({args.baud // 10} B/s of wire):")
    print(f"{'firmware':<8} {'mode':<14} {'lines/s':>8} {'wire B/s':>9} {'util %':>7} {'target':>7} {'vs baseline':>12}")
    failed = False
    for firmware, fast, base in (("grbl", "counting", "send_response"), ("marlin", "auto", "ping_pong")):
        for mode in (fast, base):
            r = by[(firmware, mode)]
            target = TARGETS.get((firmware, mode))
            ok = target is None or r["utilisation"] >= target
            failed |= not ok
            ratio = r["lines_per_s"] / by[(firmware, base)]["lines_per_s"]
            label = {"auto": "ADVANCED_OK", "ping_pong": "ping-pong"}.get(mode, mode)
            goal = f">= {target:.0f}" if target else ""
            print(f"{firmware:<8} {label:<14} {r['lines_per_s']:8.0f} {r['wire_bytes'] / r['seconds']:9.0f} "
                  f"{r['utilisation']:7.1f} {goal:>7} {ratio:11.2f}x"
                  f"{'' if ok else '  MISSED'}")
    print("\nMarlin wire bytes include line numbers and checksums (N... *cs); "
          f"payload share {100 * by[('marlin', 'auto')]['payload'] / by[('marlin', 'auto')]['wire_bytes']:.0f} %.")
    print(f"\nFed at its own pace: {args.segments} segments of 0.2 mm at F3000 ({args.segments * 4 / 1000:.1f} s "
          "of motion), real speed:")
    with tempfile.TemporaryDirectory(prefix="fablab-bench-") as tmp:
        for firmware in ("grbl", "marlin"):
            r = idle_case(firmware, args.segments, args.baud, Path(tmp))
            host = max(0.0, r["starved_s"] - r["stall_s"])
            print(f"  {firmware:<6} streamed in {r['seconds']:6.2f} s; planner idle while lines remained: "
                  f"{r['starved_s'] * 1000:7.1f} ms in {r['starvations']} gap(s) "
                  f"({100 * r['starved_s'] / r['motion_s']:.2f} % of the motion time; target 0), of which "
                  f"{r['stall_s'] * 1000:.1f} ms while the simulator's own thread was held up by the OS; "
                  f"the rest {host * 1000:.1f} ms (load average {os.getloadavg()[0]:.1f}; simulator "
                  f"{'at real-time priority' if r['realtime'] else 'at normal priority: real-time refused'})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
