"""A shaded isometric view of a mesh with its open edges in red and misoriented edges in orange.

Drawn with Pillow by the painter's algorithm (far faces first): no OpenGL on a server. Big
meshes are drawn from a sample of their camera-facing faces, which looks the same at 640 px.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from slicing.analysis.mesh_facts import mesh_facts
from slicing.readers import read_triangles

MAX_FACES = 60_000
SIZE = (640, 480)
BACKGROUND = (245, 245, 240)


def _view() -> tuple[np.ndarray, np.ndarray]:
    """(3x3 rotation world -> screen (x right, y up, z towards viewer), light direction)."""
    az, el = np.radians(-45.0), np.radians(30.0)
    rz = np.array([[np.cos(az), -np.sin(az), 0], [np.sin(az), np.cos(az), 0], [0, 0, 1]])
    rx = np.array([[1, 0, 0], [0, np.cos(el - np.pi / 2), -np.sin(el - np.pi / 2)],
                   [0, np.sin(el - np.pi / 2), np.cos(el - np.pi / 2)]])
    return rx @ rz, np.array([0.3, 0.5, 0.8]) / np.linalg.norm([0.3, 0.5, 0.8])


def mesh_png(path: Path, size: tuple[int, int] = SIZE) -> bytes:
    facts = mesh_facts(read_triangles(path).triangles)
    rot, light = _view()
    tri = facts.triangles.astype(np.float64) @ rot.T  # (n, 3, 3) in screen space
    normals = facts.normals @ rot.T
    facing = np.flatnonzero(normals[:, 2] > 0) if len(tri) > MAX_FACES else np.arange(len(tri))
    if len(facing) > MAX_FACES:
        facing = np.random.default_rng(0).choice(facing, MAX_FACES, replace=False)
    lo = tri.reshape(-1, 3).min(axis=0)
    hi = tri.reshape(-1, 3).max(axis=0)
    span = max(hi[0] - lo[0], hi[1] - lo[1], 1e-9)
    scale = 0.9 * min(size[0], size[1]) / span
    centre = (lo + hi) / 2

    def screen(p: np.ndarray) -> np.ndarray:
        xy = (p[..., :2] - centre[:2]) * scale
        return np.stack([size[0] / 2 + xy[..., 0], size[1] / 2 - xy[..., 1]], axis=-1)

    image = Image.new("RGB", size, BACKGROUND)
    draw = ImageDraw.Draw(image)
    order = facing[np.argsort(tri[facing, :, 2].mean(axis=1))]
    pts = screen(tri[order])
    shade = 0.35 + 0.65 * np.abs(normals[order] @ light)
    colours = (np.array([90, 140, 200]) * shade[:, None]).astype(int)
    for poly, colour in zip(pts.tolist(), colours.tolist(), strict=True):
        draw.polygon([tuple(p) for p in poly], fill=tuple(colour))
    for edges, colour in ((facts.misoriented_edges, (255, 150, 0)), (facts.open_edges, (220, 0, 0))):
        if len(edges):
            seg = screen((facts.vertices[edges[:20_000]]) @ rot.T)
            for a, b in seg.tolist():
                draw.line([tuple(a), tuple(b)], fill=colour, width=3)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
