"""Benchmark: reading a large G-code program through the one reader (`gcode_reader`).

Programs, made here: an FDM print (about a million lines: layers, extrusion, retractions,
comments, temperatures) for a Marlin printer and a laser engraving (about 600,000 lines of
G0/G1 with power) for a GRBL laser. Per program, CPU seconds (`process_time`, so the other
work on the shared machine weighs less than on the wall clock) of:

- the time model (`slicing.motion.estimate_program`);
- the checks and the preview `prepare` runs on a program (`check_program` + preview);
- the layer preview of the middle layer (FDM);

and, as the baseline measured in the same run, the per-line reader (`gcode_reader.read_lines`
+ `ModalState`, what the resume preamble replays) on the same lines. Best of two runs.

Measured 2026-12-01 on the shared 2-core machine (load 10-20), CPU seconds. Before: the
code of that morning (time model on its own numpy interpreter, checks and previews on the
per-line reader), run from an export of main; after: everything on `gcode_reader`.

    step                       FDM 1M lines (before -> after)   laser 600k lines (before -> after)
    per-line reader (baseline)   20.1 -> 17.9                      10.0 -> 9.5
    time model                    5.45 -> 3.20                      1.08 -> 1.13
    checks + preview             41.1  -> 3.73                     24.4  -> 2.45
    layer preview (middle)       12.3  -> 1.43                        -

    .venv/bin/python bench/gcode_reader.py [--quick]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from gcode_reader import ModalState, apply_words, read_lines  # noqa: E402
from gcode_reader.words import clear_cache  # noqa: E402
from jobqueue.machines import load_spec  # noqa: E402
from slicing.motion import estimate_program  # noqa: E402
from slicing.previews_program import fdm_layer_svg  # noqa: E402


def fdm_program(target: int) -> list[str]:
    """A print-like program: per layer a travel, a few hundred extrusions, a retraction."""
    lines = ["M140 S60", "M104 S210", "G28", "M190 S60", "M109 S210", "G90", "M82", "G92 E0", "M107"]
    e, layer = 0.0, 0
    while len(lines) < target:
        z = 0.2 + layer * 0.2
        lines += [f";LAYER:{layer}", f"G1 Z{z:.3f} F600", "G1 E-0.8 F2400" if layer else "G92 E0",
                  f"G0 X{20 + layer % 7:.3f} Y{20 + layer % 5:.3f} F7200", "G1 E0.8 F2400" if layer else "M106 S255",
                  "G1 F1800"]
        for k in range(400):
            e += 0.02
            x = 20 + (k * 37 % 160) + (k % 3) * 0.125
            y = 20 + (k * 53 % 160) + (k % 5) * 0.25
            lines.append(f"G1 X{x:.3f} Y{y:.3f} E{e:.5f}" if k % 25 else f"G1 X{x:.3f} Y{y:.3f} E{e:.5f} ; perimeter")
        layer += 1
    return lines + ["M104 S0", "M140 S0", "M107", "M84"]


def laser_program(target: int) -> list[str]:
    """A raster-like engraving: rows of short powered moves with rapid returns."""
    lines = ["G21", "G90", "M4 S0", "G0 X0 Y0", "G1 F3000"]
    row = 0
    while len(lines) < target:
        y = 10 + row * 0.1
        lines.append(f"G0 X10 Y{y:.3f}")
        lines += [f"G1 X{10 + k * 0.5:.3f} S{(k * 97 + row) % 1000}" for k in range(300)]
        row += 1
    return lines + ["M5", "G0 X0 Y0"]


def per_line_reader(lines: list[str]) -> None:
    """The baseline: every line read and applied one by one."""
    state = ModalState()
    for words in read_lines(lines):
        if isinstance(words, list):
            apply_words(state, words)
    clear_cache()


def cpu_seconds(work: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(2):
        c0 = time.process_time()
        work()
        best = min(best, time.process_time() - c0)
    return best


def _prepare_checks(lines: list[str], machine) -> None:  # noqa: ANN001
    """What `prepare` runs on a program after writing it (without writing it)."""
    from gcode_reader import tokenize
    from slicing.previews_program import program_preview_svg
    from slicing.program_checks import check_program

    words = tokenize(lines)
    check_program(lines, machine, "gcode", words=words)
    program_preview_svg(lines, "gcode", machine, words=words)
    clear_cache()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="200k-line programs instead of 1M / 600k")
    args = parser.parse_args()
    spec = load_spec(REPO / "machines.yaml")
    printer, laser = spec.machine("prusa-mk3"), spec.machine("laser-1")
    fdm = fdm_program(200_000 if args.quick else 1_000_000)
    engraving = laser_program(200_000 if args.quick else 600_000)
    print(f"{'program':28s} {'lines':>9s} {'step':30s} {'CPU s':>7s} {'lines/s':>11s} {'vs per-line':>11s}")
    for label, lines, steps in (
        ("FDM print (Marlin)", fdm, {
            "time model": lambda: estimate_program(fdm, printer),
            "checks + preview": lambda: _prepare_checks(fdm, printer),
            "layer preview (middle)": lambda: fdm_layer_svg(fdm, None, printer),
        }),
        ("laser engraving (GRBL)", engraving, {
            "time model": lambda: estimate_program(engraving, laser),
            "checks + preview": lambda: _prepare_checks(engraving, laser),
        }),
    ):
        baseline = cpu_seconds(lambda lines=lines: per_line_reader(lines))
        print(f"{label:28s} {len(lines):9,d} {'per-line reader (baseline)':30s} {baseline:7.2f} "
              f"{len(lines) / baseline:11,.0f} {1.0:10.2f}x")
        for step, work in steps.items():
            spent = cpu_seconds(work)
            print(f"{'':28s} {'':9s} {step:30s} {spent:7.2f} {len(lines) / spent:11,.0f} {baseline / spent:10.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
