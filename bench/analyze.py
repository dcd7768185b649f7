"""Benchmark: the whole `fablab analyze` process on 1.3 M-triangle binary STLs (a regular
icosphere of 8 subdivisions and an irregular, noise-displaced one) and on a 100,000-entity
DXF, with `admesh` on the same STLs in the same run when it is installed.

Prints wall time, CPU time and peak memory (RSS of the child process) for each, and the
ratios to admesh: the machine is shared and noisy, so only ratios measured in one run mean
much; runs alternate fablab/admesh and the best of each is kept. Target (issue 15.1):
time <= 1x admesh, memory <= 2x. `--quick`: one run each, no DXF, no trimesh comparison.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from benchkit import REPO, STL_RECORD, icosphere, load_average, run_child, stl_bytes, torus

FABLAB = [sys.executable, "-m", "jobqueue.cli.main"]
def torus_stl(path: Path, n: int = 1000, m: int = 500) -> int:
    """A closed torus of 2*n*m triangles (1,000,000 by default), written as binary STL."""
    vertices, faces = torus(n, m, 60.0, 20.0, (100.0, 100.0, 20.0))
    path.write_bytes(stl_bytes(vertices, faces, b"fablab bench torus"))
    return len(faces)


def sphere_stl(path: Path, noise: float = 0.0, subdivisions: int = 8) -> int:
    """An icosphere (1,310,720 triangles at 8 subdivisions) of radius 50 mm, irregular when
    `noise` > 0 (see benchkit.icosphere)."""
    vertices, faces = icosphere(subdivisions, 50.0, noise)
    path.write_bytes(stl_bytes(vertices + [60.0, 60.0, 50.0], faces, b"fablab bench sphere"))
    return len(faces)


def big_dxf(path: Path, entities: int = 100_000) -> int:
    """A sheet of small parts: lines, circles, arcs and bulged polylines, `entities` in all."""
    import ezdxf

    doc = ezdxf.new()
    doc.header["$INSUNITS"] = 4
    msp = doc.modelspace()
    per_row = 100
    for k in range(entities // 4):
        x, y = (k % per_row) * 6.0, (k // per_row) * 6.0
        msp.add_line((x, y), (x + 4, y))
        msp.add_circle((x + 2, y + 2), 1.0)
        msp.add_arc((x + 2, y + 4), 1.0, 0, 180)
        msp.add_lwpolyline([(x, y + 1, 0, 0, 0.4), (x + 4, y + 1, 0, 0, 0), (x + 4, y + 3, 0, 0, 0)], format="xyseb")
    doc.saveas(path)
    return len(msp)


LAST_OUTPUT: dict[str, bytes] = {}
LAST_CPU = [0.0]


def run(cmd: list[str]) -> tuple[float, float, int]:
    """(seconds, peak RSS MB, exit status) of one child process; its output kept in LAST_OUTPUT.
    Its CPU seconds (user + system) go to LAST_CPU."""
    done = run_child(cmd)
    LAST_CPU[0] = done.cpu_s
    LAST_OUTPUT["stdout"] = done.stdout
    return done.seconds, done.peak_mb, done.status


def inner_seconds() -> str:
    """The analysis's own time (from its JSON), to tell it apart from process start-up."""
    try:
        result = json.loads(LAST_OUTPUT.get("stdout", b"{}"))
        return f"analysis itself {result['analysis_seconds']:.2f} s, valid={result['valid']}"
    except (ValueError, KeyError):
        return "no JSON"


def best_of(cmd: list[str], repeat: int = 3) -> tuple[float, float, int]:
    runs = [run(cmd) for _ in range(repeat)]
    return min(r[0] for r in runs), max(r[1] for r in runs), max(r[2] for r in runs)


def versus_admesh(label: str, stl: Path, admesh: str | None, repeat: int) -> int:
    """fablab analyze and admesh on one STL, alternating; prints both and the two ratios."""
    fab: list[tuple[float, float, float]] = []
    adm: list[tuple[float, float, float]] = []
    rc = 0
    for _ in range(repeat):
        s, mb, code = run([*FABLAB, "analyze", str(stl), "--json"])
        fab.append((s, mb, LAST_CPU[0]))
        rc = max(rc, code)
        inner = inner_seconds()
        if admesh:
            a, amb, _ = run([admesh, str(stl)])
            adm.append((a, amb, LAST_CPU[0]))
    s, mb, cpu = min(f[0] for f in fab), max(f[1] for f in fab), min(f[2] for f in fab)
    print(f"fablab analyze {label:9s}: {s:6.2f} s (cpu {cpu:5.2f} s)  peak {mb:6.0f} MB  (exit {rc}; {inner})")
    if adm:
        a, amb, acpu = min(x[0] for x in adm), max(x[1] for x in adm), min(x[2] for x in adm)
        print(f"admesh         {label:9s}: {a:6.2f} s (cpu {acpu:5.2f} s)  peak {amb:6.0f} MB")
        met = s <= a and mb <= 2 * amb
        print(f"ratio fablab/admesh {label}: time {s / a:5.2f}x (cpu {cpu / acpu:5.2f}x; target <= 1x), "
              f"memory {mb / amb:5.2f}x (target <= 2x)" + ("" if met else "  MISSED"))
        rc = max(rc, 0 if met else 1)  # make bench's exit status says a target was missed
    return rc


def main() -> int:
    if sys.argv[1:2] == ["--make-sphere"]:
        sphere_stl(Path(sys.argv[2]), float(sys.argv[3]))
        return 0
    quick = "--quick" in sys.argv[1:]
    repeat = 1 if quick else 3
    tmp = Path(tempfile.mkdtemp(prefix="fablab-bench-"))
    try:
        os.environ.setdefault("FABLAB_MACHINES", str(REPO / "machines.yaml"))
        admesh = shutil.which("admesh") or ("/usr/bin/admesh" if Path("/usr/bin/admesh").exists() else None)
        if not admesh:
            print("admesh not installed (apt-get install admesh): no ratio")
        rc = 0
        for label, noise in (("regular", 0.0), ("irregular", 0.025)):
            stl = tmp / f"{label}.stl"
            # Made in a child: a forked child starts with this process's peak RSS, so this one stays small.
            subprocess.run([sys.executable, __file__, "--make-sphere", str(stl), str(noise)], check=True)
            triangles = (stl.stat().st_size - 84) // STL_RECORD.itemsize
            print(f"STL {label}: icosphere, {triangles:,} triangles ({stl.stat().st_size / 1e6:.0f} MB)"
                  + (f", radius noise {noise:.1%}" if noise else "") + f" ({load_average()})")
            rc = max(rc, versus_admesh(label, stl, admesh, repeat))
            if quick:
                stl.unlink()
        if quick:
            return rc
        stl = tmp / "regular.stl"
        tm = [sys.executable, "-c", "import sys, trimesh; m = trimesh.load(sys.argv[1]); "
              "print(m.is_watertight, m.is_winding_consistent, m.volume, m.area, m.extents, len(m.split()))", str(stl)]
        t, tmb, _ = best_of(tm, repeat=1)
        print(f"trimesh load+checks regular: {t:6.2f} s  peak {tmb:6.0f} MB  (its default path)")
        q = [sys.executable, "-c", "import sys; from slicing.analysis import quick_figures; "
             "print(quick_figures(sys.argv[1]))", str(stl)]
        qs, qmb, _ = best_of(q)
        print(f"instant figures STL: {qs:6.2f} s  peak {qmb:6.0f} MB  (volume, area, bbox at upload)")
        dxf = tmp / "sheet.dxf"
        entities = big_dxf(dxf)  # after the STL runs: this process grows here
        d, dmb, drc = best_of([*FABLAB, "analyze", str(dxf), "--process", "laser", "--json"], repeat=1)
        print(f"fablab analyze DXF ({entities:,} entities): {d:6.2f} s  peak {dmb:6.0f} MB  (exit {drc}; "
              f"{inner_seconds()})")
        e, emb, _ = best_of([sys.executable, "-c", "import sys, ezdxf; ezdxf.readfile(sys.argv[1])", str(dxf)],
                            repeat=1)
        print(f"ezdxf.readfile DXF : {e:6.2f} s  peak {emb:6.0f} MB  (the library's own load, the floor)")
        print(f"ratio analyze/load : {d / e:6.2f}x")
        return max(rc, drc)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
