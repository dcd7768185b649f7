"""Fit the pre-slice model (`slicing/preslice.py`) to the prepared programs on the corpus.

For every corpus file a process accepts (STL for the printers; SVG/DXF for the laser, the
CNC and the vinyl cutter) and each material: the upload analysis gives the metrics the
instant quote uses, `prepare_program` writes the real program (with the machine's configured
slicer for the printers) and `estimate_program` times it. The coefficients are chosen to
minimise the squared log ratio (preslice / model), i.e. the relative error a quote shows: per
process for the 2D machines, per slicer for the printers (time and filament). Generated
solids are added to the printers' set, which the corpus alone covers with too few valid
solids. The fitted values are printed as Python constants to paste into `slicing/preslice.py`.

    .venv/bin/python bench/fit_preslice.py [--cache rows.json] [--check] [--kinds fdm]

`--check` prints the errors of the coefficients in place, per machine for the printers (time
and filament against the program of its configured slicer). `--cache` keeps the programs'
figures (the slow part: every program prepared and timed) in a file; the analysis is run
again each time, so a refit after changing the analysis or `preslice.py` takes a minute.
Parts whose unit the analysis asks (a mesh of a few mm: its size is not known) are left out.
"""

from __future__ import annotations

import argparse
import json
import os
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

CORPUS = Path(os.environ.get("FABLAB_CORPUS") or REPO.parent / "shared" / "corpus")  # as the tests find it
TARGET = 0.10  # the quote within 10 % of the prepared program

# 2D coefficients fitted per process, with their bounds.
PARAMETERS = {
    "laser": {"LASER_PIERCE_S": (0.0, 5.0), "LASER_CUT_FACTOR": (0.5, 3.0), "LASER_TRAVEL_FACTOR": (0.0, 5.0)},
    "vinyl": {"VINYL_BLADE_DOWN_S": (0.0, 10.0), "VINYL_CUT_FACTOR": (0.5, 10.0), "VINYL_TRAVEL_FACTOR": (0.0, 5.0)},
    "cnc": {"CNC_PLUNGE_DEPTH_FACTOR": (0.0, 10.0), "CNC_CUT_FACTOR": (0.5, 3.0), "CNC_TRAVEL_FACTOR": (0.0, 5.0)},
}
KINDS = ("fdm", *PARAMETERS)
DISAGREE: list[str] = []  # usable at upload, no program from prepare
FDM_TIME_BOUNDS = ([0.0, 0.0, 0.0, 0.0, 0.0], [1.0, 1.0, 1.0, 30.0, 600.0])


def generated_meshes(folder: Path) -> list[Path]:
    """Solids the corpus lacks: round, hollow, flat, tall, sloped, several bodies, overhangs."""
    from shapely.geometry import Polygon

    bracket = trimesh.creation.extrude_polygon(Polygon([(0, 0), (50, 0), (50, 30), (38, 30), (38, 12), (0, 12)]), 10)
    pair = trimesh.util.concatenate([trimesh.creation.box((12, 12, 12)),
                                     trimesh.creation.box((12, 12, 12)).apply_translation((30, 0, 0))])
    shapes = {
        "cylinder": trimesh.creation.cylinder(radius=15, height=20, sections=96),
        "tube": trimesh.creation.annulus(r_min=12, r_max=20, height=15, sections=96),
        "sphere": trimesh.creation.icosphere(subdivisions=3, radius=15),
        "plate": trimesh.creation.box((60, 40, 4)),
        "tower": trimesh.creation.box((15, 15, 45)),
        "cone": trimesh.creation.cone(radius=20, height=30, sections=96),
        "bracket": bracket,
        "pair": pair,
    }
    out = []
    for name, mesh in shapes.items():
        path = folder / f"generated_{name}.stl"
        mesh.export(path)
        out.append(path)
    return out


def _files(folder: Path, kinds: tuple[str, ...]) -> dict[str, list[Path]]:
    files = {"fdm": sorted((CORPUS / "stl").glob("*.[sS][tT][lL]")) + generated_meshes(folder)}
    drawings = sorted((CORPUS / "svg").glob("*.svg")) + sorted((CORPUS / "dxf").glob("*.[dD][xX][fF]"))
    files |= {k: drawings for k in PARAMETERS}
    return {k: v for k, v in files.items() if k in kinds}


def _key(kind: str, machine_id: str, material: str, name: str) -> str:
    return f"{kind}|{machine_id}|{material}|{name}"


def _program(kind, machine, material, path: Path) -> dict | None:
    """The slow part: the program prepared with the machine's own settings, and timed."""
    program = prepare_program(path, machine, material.name)
    if not program.ok or not program.lines:
        return None
    model = estimate_program(program.lines, machine)
    if model.seconds <= 1.0:
        return None
    out = {"model_s": model.seconds, "slicer": program.metrics.get("slicer")}
    if kind == "fdm" and program.metrics.get("filament_g"):
        out["model_g"] = float(program.metrics["filament_g"])
    return out


def load_rows(spec: FablabSpec, cache: Path | None, kinds: tuple[str, ...]) -> list[dict]:
    """Every (file, machine, material) a process takes: analysis now, program from the cache."""
    kept = json.loads(cache.read_text(encoding="utf-8")) if cache and cache.is_file() else {}
    if isinstance(kept, list):  # the older cache format: no key, nothing reusable
        kept = {}
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for kind, paths in _files(Path(tmp), kinds).items():
            for machine in spec.machines_of_kind(kind):
                for material in machine.materials:
                    for path in paths:
                        key = _key(kind, machine.id, material.name, path.name)
                        try:
                            analysis = analyze_file(path, spec=spec, process=kind, machine_id=machine.id,
                                                    material=material.name)
                        except Exception as exc:  # a hostile corpus file: nothing to fit on
                            print(f"  skip {path.name}: analysis failed ({exc})")
                            continue
                        if not analysis.get("valid") or not analysis.get("metrics") or (
                                kind == "fdm" and analysis.get("units")):  # a mesh of a few mm: size unknown
                            continue
                        if key not in kept:
                            kept[key] = _program(kind, machine, material, path)
                            if cache:
                                cache.write_text(json.dumps(kept), encoding="utf-8")
                        if kept[key] is None:
                            if analysis.get("usable"):  # usable at upload, refused by prepare: they disagree
                                DISAGREE.append(f"{machine.id} {material.name} {path.name}")
                            continue
                        rows.append({"kind": kind, "machine": machine, "material": material, "file": path.name,
                                     "metrics": analysis["metrics"], "corpus": not path.name.startswith("generated_"),
                                     **kept[key]})
    return rows


def _pre_seconds(r: dict) -> float:
    return max(preslice.preslice_seconds(r["kind"], r["metrics"], r["machine"], r["material"]), 1e-3)


def _pre_grams(r: dict) -> float:
    shell, infill = preslice.fdm_printed_volume_mm3(r["metrics"], r["machine"])
    return (shell + infill) / 1000.0 * (r["material"].density_g_cm3 or 1.24)


def _errors(rows: list[dict]) -> np.ndarray:
    return np.array([_pre_seconds(r) / r["model_s"] - 1 for r in rows])


def summary(errors: np.ndarray, label: str) -> str:
    e = np.abs(errors)
    mark = "ok" if e.max() <= TARGET else f"NOT within {TARGET:.0%}"
    return (f"{label}: n={len(e)} median {np.median(e):.1%}, mean {np.mean(e):.1%}, max {np.max(e):.1%}, "
            f"signed mean {np.mean(errors):+.1%} [{mark}]")


def report(rows: list[dict], when: str) -> None:
    for kind in PARAMETERS:
        kind_rows = [r for r in rows if r["kind"] == kind]
        if kind_rows:
            print(summary(_errors(kind_rows), f"{when} time, {kind}"))
    fdm = [r for r in rows if r["kind"] == "fdm"]
    for machine_id in sorted({r["machine"].id for r in fdm}):
        mrows = [r for r in fdm if r["machine"].id == machine_id]
        slicers = ", ".join(sorted({str(r.get("slicer")) for r in mrows}))
        print(summary(_errors(mrows), f"{when} time, fdm on {machine_id} ({slicers})"))
        grams = [r for r in mrows if r.get("model_g")]
        if grams:
            print(summary(np.array([_pre_grams(r) / r["model_g"] - 1 for r in grams]),
                          f"{when} filament, fdm on {machine_id} ({slicers})"))
    worst = sorted(rows, key=lambda r: -abs(np.log(_pre_seconds(r) / r["model_s"])))[:6]
    print("  largest time errors: " + "; ".join(
        f"{r['machine'].id} {r['file'][:24]} {_pre_seconds(r) / r['model_s'] - 1:+.0%}" for r in worst))


def fit_2d(rows: list[dict]) -> None:
    for kind, params in PARAMETERS.items():
        kind_rows = [r for r in rows if r["kind"] == kind]
        names = [n for n in params if hasattr(preslice, n)]
        if not kind_rows or not names:
            continue
        lo, hi = np.array([params[n][0] for n in names]), np.array([params[n][1] for n in names])

        def residuals(values: np.ndarray, names=names, kind_rows=kind_rows) -> np.ndarray:
            for name, value in zip(names, values, strict=True):
                setattr(preslice, name, float(value))
            return np.log(np.array([_pre_seconds(r) / r["model_s"] for r in kind_rows]))

        start = np.clip([getattr(preslice, n) for n in names], lo, hi)
        fit = least_squares(residuals, start, bounds=(lo, hi))
        residuals(fit.x)
        for name, value in zip(names, fit.x, strict=True):
            print(f"{name} = {value:.4g}")


def fit_fdm(rows: list[dict]) -> None:
    """Per slicer: time coefficients on the log ratio, filament factors on the relative error."""
    for slicer in sorted({preslice.fdm_slicer(r["machine"]) for r in rows if r["kind"] == "fdm"}):
        srows = [r for r in rows if r["kind"] == "fdm" and preslice.fdm_slicer(r["machine"]) == slicer]

        def residuals(values: np.ndarray, slicer=slicer, srows=srows) -> np.ndarray:
            preslice.FDM_TIME[slicer] = tuple(float(v) for v in values)
            return np.log(np.array([_pre_seconds(r) / r["model_s"] for r in srows]))

        fit = least_squares(residuals, np.array(preslice.FDM_TIME[slicer]), bounds=FDM_TIME_BOUNDS)
        residuals(fit.x)
        grams = [r for r in srows if r.get("model_g")]
        if grams:
            volumes = []
            for r in grams:
                _, parts, _ = preslice._beads(r["metrics"], r["machine"])
                volumes.append(np.array(parts) / 1000.0 * (r["material"].density_g_cm3 or 1.24) / r["model_g"])
            factors, *_ = np.linalg.lstsq(np.array(volumes), np.ones(len(grams)), rcond=None)
            preslice.FDM_FILAMENT[slicer] = tuple(float(v) for v in factors)
        print(f'FDM_TIME["{slicer}"] = ({", ".join(f"{v:.4g}" for v in preslice.FDM_TIME[slicer])})')
        print(f'FDM_FILAMENT["{slicer}"] = ({", ".join(f"{v:.4g}" for v in preslice.FDM_FILAMENT[slicer])})')


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cache", type=Path, default=None, help="JSON file keeping the programs' figures")
    parser.add_argument("--check", action="store_true", help="only print the errors of the coefficients in place")
    parser.add_argument("--kinds", default=",".join(KINDS), help="processes to sample (fdm,laser,cnc,vinyl)")
    args = parser.parse_args()
    spec = load_spec(REPO / "machines.yaml")
    if not CORPUS.is_dir():
        print("../shared/corpus is absent: nothing to fit on")
        return 0
    rows = load_rows(spec, args.cache, tuple(k for k in args.kinds.split(",") if k in KINDS))
    print(f"\nanalysis usable but no program from prepare: {len(DISAGREE)}" + "".join(f"\n  {d}" for d in DISAGREE))
    report(rows, "before" if not args.check else "now")
    if args.check:
        return 0
    print("\nfitted coefficients:")
    fit_2d(rows)
    fit_fdm(rows)
    print()
    report(rows, "after")
    return 0


if __name__ == "__main__":
    sys.exit(main())
