"""What the benchmarks share: a child process timed with its own peak memory, binary STL
models made here (torus, icosphere), percentiles, and the load average to print beside
each figure (the machine is shared: only ratios measured in one run mean much).

Imported as `benchkit` by the scripts of bench/ (run as `python bench/<name>.py`, which puts
bench/ first on sys.path); not a module of the product.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
STL_RECORD = np.dtype([("normal", "<f4", (3,)), ("v", "<f4", (3, 3)), ("attr", "<u2")])


@dataclass
class ChildRun:
    seconds: float  # wall clock, start to exit
    peak_mb: float  # the child's own peak RSS (not the largest of this process's children)
    cpu_s: float  # user + system
    status: int  # exit code
    stdout: bytes


def run_child(cmd: list[str], cwd: Path = REPO, env: dict | None = None) -> ChildRun:
    """Run `cmd` to its end: wall time, its own peak RSS and CPU time (`wait4`), its output."""
    with tempfile.TemporaryFile() as out:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        return ChildRun(seconds, usage.ru_maxrss / 1024.0, usage.ru_utime + usage.ru_stime, proc.returncode,
                        out.read())


def percentile(values: list[float], q: float) -> float:
    """The `q` quantile (0..1) of `values`, nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def load_average() -> str:
    """The 1-minute load average, to print beside figures measured on a shared machine."""
    return f"load average {os.getloadavg()[0]:.1f}"


def stl_bytes(vertices: np.ndarray, faces: np.ndarray, header: bytes = b"fablab bench") -> bytes:
    """A binary STL of `faces` (n, 3) indexing `vertices` (m, 3)."""
    rec = np.zeros(len(faces), dtype=STL_RECORD)
    rec["v"] = vertices[faces]
    return header.ljust(80, b" ")[:80] + np.uint32(len(faces)).tobytes() + rec.tobytes()


def torus(n: int, m: int, major: float, minor: float, centre: tuple[float, float, float]) -> tuple[np.ndarray, np.ndarray]:
    """A closed torus of 2*n*m triangles: (vertices, faces)."""
    u = np.linspace(0, 2 * np.pi, n, endpoint=False)
    v = np.linspace(0, 2 * np.pi, m, endpoint=False)
    uu, vv = np.meshgrid(u, v, indexing="ij")
    pts = np.stack([(major + minor * np.cos(vv)) * np.cos(uu) + centre[0],
                    (major + minor * np.cos(vv)) * np.sin(uu) + centre[1],
                    minor * np.sin(vv) + centre[2]], -1).reshape(-1, 3)
    i, j = np.meshgrid(np.arange(n), np.arange(m), indexing="ij")
    a, b = i * m + j, ((i + 1) % n) * m + j
    c, d = ((i + 1) % n) * m + (j + 1) % m, i * m + (j + 1) % m
    faces = np.concatenate([np.stack([a, b, c], -1).reshape(-1, 3), np.stack([a, c, d], -1).reshape(-1, 3)])
    return pts, faces


def icosphere(subdivisions: int, radius: float, noise: float = 0.0, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """An icosphere (20 * 4**subdivisions triangles), each vertex moved along its radius by
    Gaussian noise of `noise` times the radius when `noise` > 0 (an irregular mesh)."""
    import trimesh

    sphere = trimesh.creation.icosphere(subdivisions=subdivisions, radius=radius)
    vertices = np.asarray(sphere.vertices)
    if noise:
        rng = np.random.default_rng(seed)
        vertices = vertices * (1.0 + noise * rng.standard_normal(len(vertices)).clip(-3, 3))[:, None]
    return vertices, np.asarray(sphere.faces)
