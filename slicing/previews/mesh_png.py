"""A shaded isometric view of a mesh with its open edges in red and misoriented edges in orange.

Drawn with Pillow by the painter's algorithm (far faces first): no OpenGL on a server. Big
meshes, whose triangles are mostly smaller than a pixel, go through a numpy z-buffer of
points sampled on every face instead.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from slicing.analysis.mesh_facts import mesh_facts
from slicing.readers import read_triangles

MAX_FACES = 60_000
MAX_SAMPLES = 4_000_000  # per chunk of faces
SIZE = (640, 480)
BACKGROUND = (245, 245, 240)


def _view() -> tuple[np.ndarray, np.ndarray]:
    """(3x3 rotation world -> screen (x right, y up, z towards viewer), light direction)."""
    az, el = np.radians(-45.0), np.radians(30.0)
    rz = np.array([[np.cos(az), -np.sin(az), 0], [np.sin(az), np.cos(az), 0], [0, 0, 1]])
    rx = np.array([[1, 0, 0], [0, np.cos(el - np.pi / 2), -np.sin(el - np.pi / 2)],
                   [0, np.sin(el - np.pi / 2), np.cos(el - np.pi / 2)]])
    return rx @ rz, np.array([0.3, 0.5, 0.8]) / np.linalg.norm([0.3, 0.5, 0.8])


def _splat(tri: np.ndarray, shade: np.ndarray, screen, size: tuple[int, int], chunk: int = 200_000) -> Image.Image:
    """A z-buffer filled with points sampled on every face (more on faces covering more pixels):
    on a big mesh most triangles are smaller than a pixel, where this is both exact and fast.
    Faces go through in chunks so the samples never need much memory."""
    zbuf = np.full(size[0] * size[1], -np.inf)
    canvas = np.empty((size[1] * size[0], 3), dtype=np.uint8)
    canvas[:] = BACKGROUND
    rng = np.random.default_rng(0)
    for start in range(0, len(tri), chunk):
        t_all = tri[start: start + chunk]
        px = screen(t_all)
        area = 0.5 * np.abs((px[:, 1, 0] - px[:, 0, 0]) * (px[:, 2, 1] - px[:, 0, 1])
                            - (px[:, 2, 0] - px[:, 0, 0]) * (px[:, 1, 1] - px[:, 0, 1]))
        want = np.ceil(area * 5)  # five samples per pixel covered: e^-5 of a flat face's pixels missed
        if want.sum() > MAX_SAMPLES:  # pathological overdraw: thin the samples, keep one per face
            want *= MAX_SAMPLES / want.sum()
        face = np.repeat(np.arange(len(t_all)), np.maximum(want, 1).astype(np.int64))
        r1, r2 = rng.random(len(face)), rng.random(len(face))
        flip = r1 + r2 > 1
        r1[flip], r2[flip] = 1 - r1[flip], 1 - r2[flip]
        t = t_all[face]
        pts = t[:, 0] + r1[:, None] * (t[:, 1] - t[:, 0]) + r2[:, None] * (t[:, 2] - t[:, 0])
        xy = np.floor(screen(pts)).astype(np.int64)
        inside = (xy[:, 0] >= 0) & (xy[:, 0] < size[0]) & (xy[:, 1] >= 0) & (xy[:, 1] < size[1])
        pixel = xy[inside, 1] * size[0] + xy[inside, 0]
        depth = pts[inside, 2]
        order = np.lexsort((-depth, pixel))  # per pixel, nearest (largest z towards the viewer) first
        first = np.r_[True, pixel[order][1:] != pixel[order][:-1]]
        chosen = order[first]
        nearer = depth[chosen] > zbuf[pixel[chosen]]
        chosen = chosen[nearer]
        zbuf[pixel[chosen]] = depth[chosen]
        shades = shade[start + face[inside][chosen]]
        canvas[pixel[chosen]] = (np.array([90, 140, 200]) * shades[:, None]).astype(np.uint8)
    image = canvas.reshape(size[1], size[0], 3)
    empty = np.isinf(zbuf).reshape(size[1], size[0])
    # A pixel the samples missed, between two drawn ones, takes its left (or upper) neighbour.
    gap = empty[:, 1:-1] & ~empty[:, :-2] & ~empty[:, 2:]
    image[:, 1:-1][gap] = image[:, :-2][gap]
    empty[:, 1:-1][gap] = False
    gap = empty[1:-1, :] & ~empty[:-2, :] & ~empty[2:, :]
    image[1:-1, :][gap] = image[:-2, :][gap]
    return Image.fromarray(image, "RGB")


def mesh_png(path: Path, size: tuple[int, int] = SIZE) -> bytes:
    facts = mesh_facts(read_triangles(path).triangles)
    rot, light = _view()
    tri = facts.triangles.astype(np.float64) @ rot.T  # (n, 3, 3) in screen space
    normals = facts.normals @ rot.T
    lo = tri.reshape(-1, 3).min(axis=0)
    hi = tri.reshape(-1, 3).max(axis=0)
    span = max(hi[0] - lo[0], hi[1] - lo[1], 1e-9)
    scale = 0.9 * min(size[0], size[1]) / span
    centre = (lo + hi) / 2

    def screen(p: np.ndarray) -> np.ndarray:
        xy = (p[..., :2] - centre[:2]) * scale
        return np.stack([size[0] / 2 + xy[..., 0], size[1] / 2 - xy[..., 1]], axis=-1)

    shade = 0.35 + 0.65 * np.abs(normals @ light)
    if len(tri) > MAX_FACES:
        image = _splat(tri, shade, screen, size)
    else:
        image = Image.new("RGB", size, BACKGROUND)
        order = np.argsort(tri[:, :, 2].mean(axis=1))
        colours = (np.array([90, 140, 200]) * shade[order, None]).astype(int)
        draw = ImageDraw.Draw(image)
        for poly, colour in zip(screen(tri[order]).tolist(), colours.tolist(), strict=True):
            draw.polygon([tuple(p) for p in poly], fill=tuple(colour))
    draw = ImageDraw.Draw(image)
    for edges, colour in ((facts.misoriented_edges, (255, 150, 0)), (facts.open_edges, (220, 0, 0))):
        if len(edges):
            seg = screen(facts.vertices[edges[:20_000]].astype(np.float64) @ rot.T)
            for a, b in seg.tolist():
                draw.line([tuple(a), tuple(b)], fill=colour, width=3)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
