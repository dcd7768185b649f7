"""Generated files for the analysis tests: STL (binary/ASCII), SVG snippets."""

from __future__ import annotations

from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[2]
RECORD = np.dtype([("normal", "<f4", (3,)), ("v", "<f4", (3, 3)), ("attr", "<u2")])


def binary_stl(triangles: np.ndarray, declared: int | None = None) -> bytes:
    rec = np.zeros(len(triangles), dtype=RECORD)
    rec["v"] = triangles
    count = len(triangles) if declared is None else declared
    return b"fablab test".ljust(80, b" ") + np.uint32(count).tobytes() + rec.tobytes()


def ascii_stl(triangles: np.ndarray, name: str = "part") -> bytes:
    out = [f"solid {name}"]
    for t in triangles:
        out += ["  facet normal 0 0 0", "    outer loop"]
        out += [f"      vertex {v[0]:.6e} {v[1]:.6e} {v[2]:.6e}" for v in t]
        out += ["    endloop", "  endfacet"]
    out.append(f"endsolid {name}")
    return ("\n".join(out) + "\n").encode()


def box_triangles(size=(10.0, 10.0, 10.0), origin=(0.0, 0.0, 0.0)) -> np.ndarray:
    import trimesh

    mesh = trimesh.creation.box(extents=size)
    mesh.apply_translation(np.asarray(origin) + np.asarray(size) / 2)
    return mesh.triangles.astype(np.float32)


def write(tmp: Path, name: str, data: bytes | str) -> Path:
    path = tmp / name
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


def svg(body: str, width: str = "200mm", height: str = "100mm", viewbox: str = "0 0 200 100", extra: str = "") -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
            f'xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape" width="{width}" height="{height}" '
            f'viewBox="{viewbox}" {extra}>{body}</svg>')
