"""Fit the pre-slice time model (`slicing/preslice.py`) to the motion-planner model on the corpus.

For every corpus file a process accepts (STL for the printers; SVG/DXF for the laser, the
CNC and the vinyl cutter) and each material: the upload analysis gives the metrics the
instant quote uses, `prepare_program` writes the real program and `estimate_program` times
it. The coefficients of each process are then chosen to minimise the squared log ratio
(preslice / model), i.e. the relative error a quote shows, and the errors are printed
before and after. A few generated parts are added to the printers' set, which the corpus
alone covers with too few valid solids. The fitted values are printed as Python constants to
paste into `slicing/preslice.py`.

    .venv/bin/python bench/fit_preslice.py [--cache rows.json] [--check]

`--cache` keeps the model's figures (the slow part: every program prepared and timed) in a
file, so a refit after changing `preslice.py` takes seconds.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import numpy as np
import trimesh
from scipy.optimize import least_squares

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import slicing.preslice as preslice  # noqa: E402
from jobqueue.machines import load_spec  # noqa: E402
from slicing.analysis import analyze_file  # noqa: E402
from slicing.machine_spec import FablabSpec  # noqa: E402
from slicing.motion import estimate_program  # noqa: E402
from slicing.prepare import prepare_program  # noqa: E402

CORPUS = REPO.parent / "shared" / "corpus"

# Coefficients fitted per process, with their bounds.
PARAMETERS = {
    "fdm": {"FDM_SHELL_FLOW_MM3_S": (0.2, 30.0), "FDM_INFILL_FLOW_MM3_S": (0.2, 60.0),
            "FDM_LAYER_OVERHEAD_S": (0.0, 30.0), "FDM_START_S": (0.0, 600.0)},
    "laser": {"LASER_PIERCE_S": (0.0, 5.0), "LASER_CUT_FACTOR": (0.5, 3.0), "LASER_TRAVEL_FACTOR": (0.0, 5.0)},
    "vinyl": {"VINYL_BLADE_DOWN_S": (0.0, 10.0), "VINYL_CUT_FACTOR": (0.5, 10.0), "VINYL_TRAVEL_FACTOR": (0.0, 5.0)},
    "cnc": {"CNC_PLUNGE_DEPTH_FACTOR": (0.0, 10.0), "CNC_CUT_FACTOR": (0.5, 3.0), "CNC_TRAVEL_FACTOR": (0.0, 5.0)},
}
SHARED = {"TRAVEL_FACTOR": (0.1, 5.0)}  # the older single travel factor, when the module still has it


def generated_meshes(folder: Path) -> list[Path]:
    shapes = {
        "cylinder": trimesh.creation.cylinder(radius=15, height=20, sections=96),
        "tube": trimesh.creation.annulus(r_min=12, r_max=20, height=15, sections=96),
        "sphere": trimesh.creation.icosphere(subdivisions=3, radius=15),
        "plate": trimesh.creation.box((60, 40, 4)),
        "tower": trimesh.creation.box((15, 15, 45)),
    }
    out = []
    for name, mesh in shapes.items():
        path = folder / f"generated_{name}.stl"
        mesh.export(path)
        out.append(path)
    return out


def samples(spec: FablabSpec, folder: Path) -> list[dict]:
    files = {
        "fdm": sorted((CORPUS / "stl").glob("*.[sS][tT][lL]")) + generated_meshes(folder),
        "laser": sorted((CORPUS / "svg").glob("*.svg")) + sorted((CORPUS / "dxf").glob("*.[dD][xX][fF]")),
    }
    files["cnc"] = files["vinyl"] = files["laser"]
    out = []
    for kind, paths in files.items():
        for machine in spec.machines_of_kind(kind):
            for material in machine.materials:
                for path in paths:
                    row = _sample(spec, kind, machine, material, path)
                    if row:
                        out.append(row)
                        print(f"  {kind:5s} {machine.id:10s} {path.name[:28]:28s} {material.name[:18]:18s} "
                              f"model {row['model_s']:9.0f} s  preslice {row['pre_s']:9.0f} s", flush=True)
    return out


def _sample(spec, kind, machine, material, path: Path) -> dict | None:
    try:
        analysis = analyze_file(path, spec=spec, process=kind, machine_id=machine.id, material=material.name)
    except Exception as exc:  # a hostile corpus file: nothing to fit on
        print(f"  skip {path.name}: analysis failed ({exc})")
        return None
    if not analysis.get("valid") or not analysis.get("metrics"):
        return None
    program = prepare_program(path, machine, material.name)
    if not program.ok or not program.lines:
        return None
    model = estimate_program(program.lines, machine)
    if model.seconds <= 1.0:
        return None
    metrics = analysis["metrics"]
    row = {"kind": kind, "machine": machine, "material": material, "metrics": metrics, "file": path.name,
           "corpus": not path.name.startswith("generated_"), "model_s": model.seconds,
           "pre_s": preslice.preslice_seconds(kind, metrics, machine, material),
           "slicer": program.metrics.get("slicer")}
    if kind == "fdm" and program.metrics.get("filament_g"):
        row["model_g"] = float(program.metrics["filament_g"])
    return row


def _pre_grams(r: dict) -> float:
    shell, infill = preslice.fdm_printed_volume_mm3(r["metrics"], r["machine"])
    return (shell + infill) / 1000.0 * (r["material"].density_g_cm3 or 1.24)


def filament_summary(rows: list[dict], label: str) -> str | None:
    """The quote's filament against the prepared program's (`filament_g` of its slicer)."""
    rows = [r for r in rows if r.get("model_g")]
    if not rows:
        return None
    err = np.array([_pre_grams(r) / r["model_g"] - 1 for r in rows])
    return (f"{label}: n={len(rows)} median |error| {np.median(np.abs(err)):.0%}, max {np.max(np.abs(err)):.0%}, "
            f"mean signed {np.mean(err):+.0%} (target within 10 %)")


def _set(names: list[str], values: np.ndarray) -> None:
    for name, value in zip(names, values, strict=True):
        setattr(preslice, name, float(value))


def _log_errors(rows: list[dict]) -> np.ndarray:
    pre = np.array([max(preslice.preslice_seconds(r["kind"], r["metrics"], r["machine"], r["material"]), 1e-3) for r in rows])
    return np.log(pre / np.array([r["model_s"] for r in rows]))


def summary(rows: list[dict], label: str) -> str:
    err = np.exp(np.abs(_log_errors(rows))) - 1
    return f"{label}: n={len(rows)} median {np.median(err):.0%}, mean {np.mean(err):.0%}, max {np.max(err):.0%}"


def _load_rows(spec: FablabSpec, cache: Path | None) -> list[dict]:
    if cache and cache.is_file():
        rows = json.loads(cache.read_text(encoding="utf-8"))
        for r in rows:
            r["machine"] = spec.machine(r["machine"])
            r["material"] = r["machine"].material(r["material"])
        return rows
    with tempfile.TemporaryDirectory() as tmp:
        rows = samples(spec, Path(tmp))
    if cache:
        keep = [{**r, "machine": r["machine"].id, "material": r["material"].name} for r in rows]  # noqa: E501
        cache.write_text(json.dumps(keep, default=float), encoding="utf-8")
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cache", type=Path, default=None, help="JSON file keeping the model's figures")
    parser.add_argument("--check", action="store_true", help="only print the errors of the coefficients in place")
    args = parser.parse_args()
    spec = load_spec(REPO / "machines.yaml")
    if not CORPUS.is_dir():
        print("../shared/corpus is absent: nothing to fit on")
        return 0
    rows = _load_rows(spec, args.cache)
    names = list(SHARED) + [n for params in PARAMETERS.values() for n in params]
    missing = [n for n in names if not hasattr(preslice, n)]
    if missing:
        print(f"slicing/preslice.py has no {', '.join(missing)}: fit only what it has")
        names = [n for n in names if n not in missing]
    bounds = {**SHARED, **{k: v for p in PARAMETERS.values() for k, v in p.items()}}
    start = np.array([getattr(preslice, n) for n in names])
    print()
    for kind in PARAMETERS:
        kind_rows = [r for r in rows if r["kind"] == kind]
        if kind_rows:
            print(summary(kind_rows, f"before {kind}"))
    fdm = [r for r in rows if r["kind"] == "fdm"]
    for machine_id in sorted({r["machine"].id for r in fdm}):
        mrows = [r for r in fdm if r["machine"].id == machine_id]
        slicers = ", ".join(sorted({str(r.get("slicer")) for r in mrows}))
        print(summary(mrows, f"  time, fdm on {machine_id} (its configured slicer: {slicers})"))
        grams = filament_summary(mrows, f"  filament, fdm on {machine_id} ({slicers})")
        if grams:
            print(grams)
    if args.check:
        return 0
    lo = np.array([bounds[n][0] for n in names])
    hi = np.array([bounds[n][1] for n in names])

    def residuals(values: np.ndarray) -> np.ndarray:
        _set(names, values)
        return _log_errors(rows)

    fit = least_squares(residuals, np.clip(start, lo, hi), bounds=(lo, hi))
    _set(names, fit.x)
    print()
    for kind in PARAMETERS:
        kind_rows = [r for r in rows if r["kind"] == kind]
        if kind_rows:
            print(summary(kind_rows, f"after  {kind}"))
            corpus_rows = [r for r in kind_rows if r["corpus"]]
            if corpus_rows and len(corpus_rows) != len(kind_rows):
                print("  " + summary(corpus_rows, f"corpus files only, {kind}"))
    errors = _log_errors(rows)
    print("\nlargest errors after the fit:")
    for k in np.argsort(-np.abs(errors))[:8]:
        r = rows[k]
        print(f"  {r['kind']:5s} {r['file'][:30]:30s} {r['material'].name[:18]:18s} model {r['model_s']:8.0f} s, "
              f"preslice {r['model_s'] * np.exp(errors[k]):8.0f} s")
    print("\nfitted coefficients:")
    for name, value in zip(names, fit.x, strict=True):
        print(f"{name} = {value:.4g}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
