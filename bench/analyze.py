"""Benchmark: the whole `fablab analyze` process on a 1,000,000-triangle binary STL and on a
100,000-entity DXF, plus `admesh` on the same STL in the same run when it is installed.

Prints wall time and peak memory (RSS of the child process) for each, and the ratio to
admesh: the machine is shared and noisy, so only the ratio measured in one run means much.
Target (issue 6): the STL analysis under 1.5 s and 500 MB, within 2x admesh.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
FABLAB = [sys.executable, "-m", "jobqueue.cli.main"]
RECORD = np.dtype([("normal", "<f4", (3,)), ("v", "<f4", (3, 3)), ("attr", "<u2")])


def torus_stl(path: Path, n: int = 1000, m: int = 500) -> int:
    """A closed torus of 2*n*m triangles (1,000,000 by default), written as binary STL."""
    u = np.linspace(0, 2 * np.pi, n, endpoint=False)
    v = np.linspace(0, 2 * np.pi, m, endpoint=False)
    uu, vv = np.meshgrid(u, v, indexing="ij")
    pts = np.stack([(60 + 20 * np.cos(vv)) * np.cos(uu) + 100, (60 + 20 * np.cos(vv)) * np.sin(uu) + 100,
                    20 * np.sin(vv) + 20], -1).reshape(-1, 3)
    i, j = np.meshgrid(np.arange(n), np.arange(m), indexing="ij")
    a, b = i * m + j, ((i + 1) % n) * m + j
    c, d = ((i + 1) % n) * m + (j + 1) % m, i * m + (j + 1) % m
    faces = np.concatenate([np.stack([a, b, c], -1).reshape(-1, 3), np.stack([a, c, d], -1).reshape(-1, 3)])
    rec = np.zeros(len(faces), dtype=RECORD)
    rec["v"] = pts[faces]
    with open(path, "wb") as f:
        f.write(b"fablab bench torus".ljust(80, b" ") + np.uint32(len(faces)).tobytes() + rec.tobytes())
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


def run(cmd: list[str]) -> tuple[float, float, int]:
    """(seconds, peak RSS MB, exit status) of one child process; its output kept in LAST_OUTPUT."""
    out = tempfile.TemporaryFile()
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=out, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)  # this child's own peak RSS, not the run's maximum
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    out.seek(0)
    LAST_OUTPUT["stdout"] = out.read()
    return seconds, usage.ru_maxrss / 1024.0, proc.returncode


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


def main() -> int:
    tmp = Path(tempfile.mkdtemp(prefix="fablab-bench-"))
    try:
        stl = tmp / "torus.stl"
        triangles = torus_stl(stl)
        dxf = tmp / "sheet.dxf"
        entities = big_dxf(dxf)
        print(f"STL: {triangles:,} triangles ({stl.stat().st_size / 1e6:.0f} MB); DXF: {entities:,} entities")
        env_machines = str(REPO / "machines.yaml")
        os.environ.setdefault("FABLAB_MACHINES", env_machines)
        s, mb, rc = best_of([*FABLAB, "analyze", str(stl), "--json"])
        print(f"fablab analyze STL : {s:6.2f} s  peak {mb:6.0f} MB  (exit {rc}; target < 1.5 s, < 500 MB; "
              f"{inner_seconds()})")
        admesh = shutil.which("admesh") or ("/usr/bin/admesh" if Path("/usr/bin/admesh").exists() else None)
        if admesh:
            a, amb, arc = best_of([admesh, str(stl)])
            print(f"admesh STL         : {a:6.2f} s  peak {amb:6.0f} MB  (exit {arc})")
            print(f"ratio fablab/admesh: {s / a:6.2f}x  (target <= 2x)")
        else:
            print("admesh not installed (apt-get install admesh): no ratio")
        tm = [sys.executable, "-c", "import sys, trimesh; m = trimesh.load(sys.argv[1]); "
              "print(m.is_watertight, m.is_winding_consistent, m.volume, m.area, m.extents, len(m.split()))", str(stl)]
        t, tmb, _ = best_of(tm, repeat=1)
        print(f"trimesh load+checks: {t:6.2f} s  peak {tmb:6.0f} MB  (its default path; ratio fablab/trimesh "
              f"{s / t:.2f}x)")
        q = [sys.executable, "-c", "import sys; from slicing.analysis import quick_figures; "
             "print(quick_figures(sys.argv[1]))", str(stl)]
        qs, qmb, _ = best_of(q)
        print(f"instant figures STL: {qs:6.2f} s  peak {qmb:6.0f} MB  (volume, area, bbox at upload)")
        d, dmb, drc = best_of([*FABLAB, "analyze", str(dxf), "--process", "laser", "--json"], repeat=1)
        print(f"fablab analyze DXF : {d:6.2f} s  peak {dmb:6.0f} MB  (exit {drc}; {inner_seconds()})")
        e, emb, _ = best_of([sys.executable, "-c", "import sys, ezdxf; ezdxf.readfile(sys.argv[1])", str(dxf)],
                            repeat=1)
        print(f"ezdxf.readfile DXF : {e:6.2f} s  peak {emb:6.0f} MB  (the library's own load, the floor)")
        print(f"ratio analyze/load : {d / e:6.2f}x")
        return 0 if rc == 0 and drc == 0 else 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
