"""Benchmark: the built-in slicer against PrusaSlicer on the same models and layer height.

Prints, per model, both slicers' wall time, their ratio (target: built-in within 2x of
PrusaSlicer), and the filament each uses (the difference in %). Both run in the same
process one after the other, so the ratio holds on a busy machine. Also prints what path
ordering saves on a scattered laser design (nearest neighbour + 2-opt vs file order).

    .venv/bin/python bench/slice.py [--layer 0.2] [--machine prusa-mk3]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

import numpy as np
import trimesh

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from jobqueue.machines import load_spec  # noqa: E402
from slicing.geometry import Drawing, Path2D  # noqa: E402
from slicing.prepare import prepare_program  # noqa: E402

CORPUS = REPO.parent / "shared" / "corpus"


def models() -> dict[str, trimesh.Trimesh]:
    out: dict[str, trimesh.Trimesh] = {}
    cube = CORPUS / "stl" / "20mm-xyz-cube.stl"
    if cube.is_file():
        from slicing.readers import read_mesh

        out["20mm-xyz-cube (corpus)"] = read_mesh(cube)
    out["cylinder d30 h20"] = trimesh.creation.cylinder(radius=15, height=20, sections=128)
    out["tube d40/24 h15"] = trimesh.creation.annulus(r_min=12, r_max=20, height=15, sections=128)
    out["sphere d30"] = trimesh.creation.icosphere(subdivisions=4, radius=15)
    bracket = trimesh.boolean.union(
        [trimesh.creation.box((60, 20, 5)), trimesh.creation.box((5, 20, 40)).apply_translation((27.5, 0, 17.5))],
        engine="manifold",
    )
    out["L bracket 60x40"] = bracket
    return out


def timed(mesh, machine, layer: float, slicer: str):
    start = time.perf_counter()
    program = prepare_program(mesh, machine, options={"slicer": slicer, "layer_height_mm": layer})
    return time.perf_counter() - start, program


def bench_slicers(machine, layer: float) -> list[float]:
    have_prusa = shutil.which("prusa-slicer") is not None
    print(f"FDM on {machine.id}, layer {layer} mm" + ("" if have_prusa else " (prusa-slicer not installed: built-in only)"))
    print(f"{'model':26s} {'builtin s':>9s} {'prusa s':>8s} {'ratio':>6s} {'builtin g':>9s} {'prusa g':>8s} {'diff %':>7s} {'layers':>7s}")
    ratios = []
    for name, mesh in models().items():
        tb, pb = timed(mesh, machine, layer, "builtin")
        if not pb.ok:
            print(f"{name:26s} built-in failed: {[i['code'] for i in pb.issues]}")
            continue
        gb = pb.metrics["filament_g"]
        if have_prusa:
            tp, pp = timed(mesh, machine, layer, "prusaslicer")
            if not pp.ok:
                print(f"{name:26s} prusaslicer failed: {[i['code'] for i in pp.issues]}")
                continue
            gp = pp.metrics.get("filament_g", float("nan"))
            ratio = tb / tp
            ratios.append(ratio)
            print(f"{name:26s} {tb:9.2f} {tp:8.2f} {ratio:6.2f} {gb:9.2f} {gp:8.2f} {100 * (gb - gp) / gp:+7.1f} "
                  f"{pb.metrics['layers']:>3d}/{pp.metrics['layers']:<3d}")
        else:
            print(f"{name:26s} {tb:9.2f} {'-':>8s} {'-':>6s} {gb:9.2f} {'-':>8s} {'-':>7s} {pb.metrics['layers']:>7d}")
    if ratios:
        geo = float(np.exp(np.mean(np.log(ratios))))
        verdict = "within" if geo <= 2.0 else "OVER"
        print(f"time ratio built-in/PrusaSlicer: geometric mean {geo:.2f}, worst {max(ratios):.2f} -> {verdict} the 2x target")
    return ratios


def bench_ordering(machine) -> None:
    rng = np.random.default_rng(7)
    t = np.linspace(0, 2 * np.pi, 24, endpoint=False)
    paths = []
    for cx, cy in rng.uniform(10, 390, size=(400, 2)):
        paths.append(Path2D(np.column_stack([cx + 3 * np.cos(t), cy + 3 * np.sin(t)]), True, stroke="#ff0000"))
    drawing = Drawing(paths=paths)
    for two_opt in (False, True):
        start = time.perf_counter()
        program = prepare_program(drawing, machine, options={"two_opt": two_opt})
        took = time.perf_counter() - start
        m = program.metrics
        label = "nearest neighbour + 2-opt" if two_opt else "nearest neighbour"
        print(f"laser travel, 400 scattered holes, {label:26s}: {m['travel_mm']:8.0f} mm vs file order "
              f"{m['travel_file_order_mm']:8.0f} mm ({m['travel_mm'] / m['travel_file_order_mm']:.2f}x) in {took:.2f} s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layer", type=float, default=0.2)
    parser.add_argument("--machine", default="prusa-mk3")
    args = parser.parse_args()
    spec = load_spec(REPO / "machines.yaml")
    bench_slicers(spec.machine(args.machine), args.layer)
    bench_ordering(spec.machine("laser-1"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
