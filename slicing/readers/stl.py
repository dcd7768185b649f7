"""STL, binary and ASCII, read straight into a numpy triangle array.

Why not `trimesh.load`: on a 1 M-triangle file its default path (parse, merge, process,
cache) takes seconds and most of a gigabyte; the upload page wants its figures in well
under a second. A binary STL is a fixed 50-byte record per triangle, so `np.frombuffer`
over the records *is* the parser, and every check after it is a vectorised pass. The same
arrays then become a `trimesh.Trimesh` (vertices merged here, `process=False`) for the
stages that want trimesh's algorithms.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from slicing import meshkernel
from slicing.readers.errors import DEFAULT_LIMITS, Limits, UnreadableFile, check_file_size, empty_file

RECORD = np.dtype([("normal", "<f4", (3,)), ("v", "<f4", (3, 3)), ("attr", "<u2")])
HEADER_BYTES = 84
READ_BLOCK = 1 << 14  # records per read: 800 kB, one buffer reused (in cache when its corners are copied out)


@dataclass
class StlData:
    """The triangles as stored: (n, 3, 3) float32 in file units (mm by convention)."""

    triangles: np.ndarray
    ascii: bool
    solids: int = 1  # `solid ... endsolid` blocks in an ASCII file


def _too_many(count: int, limits: Limits) -> UnreadableFile:
    return UnreadableFile("too_many_triangles", count=count, limit=limits.max_triangles)


def corner_bounds(triangles: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(lo, hi) per axis over every corner of (n, 3, 3) triangles (or (k, 3) points).

    Reduced as rows of 64 corners (192 values, then 64 x 3): numpy's `min(axis=0)` over a
    (k, 3) array takes an inner loop of three values per row, ~15x slower on a million rows.
    The compiled pass (slicing/meshkernel.py) gives the same values in a third of the time."""
    fast = meshkernel.bounds(triangles)
    if fast is not None:  # in the corners' dtype, as numpy's min and max keep it (exact)
        return fast[0].astype(triangles.dtype), fast[1].astype(triangles.dtype)
    flat = triangles.reshape(-1)
    whole = len(flat) - len(flat) % 192
    parts = [flat[:whole].reshape(-1, 192)] if whole else []
    rows = [p.min(axis=0).reshape(-1, 3) for p in parts] + [flat[whole:].reshape(-1, 3)]
    lo = np.concatenate(rows).min(axis=0)
    rows = [p.max(axis=0).reshape(-1, 3) for p in parts] + [flat[whole:].reshape(-1, 3)]
    return lo, np.concatenate(rows).max(axis=0)


def _check_triangles(tri: np.ndarray, limits: Limits, extremes: tuple[float, float] | None = None) -> np.ndarray:
    """`tri` when every coordinate is finite and within the size limit. `extremes`: its
    (largest, smallest) value when already known (taken block by block as it was read)."""
    if len(tri) == 0:
        raise UnreadableFile("stl_no_triangles")
    if len(tri) > limits.max_triangles:
        raise _too_many(len(tri), limits)
    top, bottom = extremes or (float(tri.max()), float(tri.min()))  # a NaN or an infinity shows in one of them
    if not (np.isfinite(top) and np.isfinite(bottom)):
        bad = np.flatnonzero(~np.isfinite(tri).all(axis=(1, 2)))
        raise UnreadableFile("stl_non_finite", n_bad=len(bad), first=int(bad[0]))
    if max(top, -bottom) > limits.max_size_mm:
        raise UnreadableFile("size_over_limit", limit_mm=limits.max_size_mm)
    return tri


def _binary(path: Path, size: int, declared: int, limits: Limits) -> StlData:
    present, extra = divmod(size - HEADER_BYTES, RECORD.itemsize)
    if declared != present or extra:
        if declared * RECORD.itemsize + HEADER_BYTES > size:
            raise UnreadableFile("stl_truncated", declared=declared, present=present, size=size)
        raise UnreadableFile("stl_count_mismatch", declared=declared, present=present, extra=extra)
    if declared > limits.max_triangles:
        raise _too_many(declared, limits)
    # The records are read a block at a time into one small buffer, reused (a fresh 13 MB
    # bytes object a read cost a third more), and copied into one contiguous (n, 3, 3) array:
    # every later pass is then a plain sweep, and the 50-byte records never sit in memory
    # whole beside it. Each block's extremes are taken while it is in cache (NaN propagates).
    tri = np.empty((declared, 3, 3), dtype=np.float32)
    buffer = np.empty(min(READ_BLOCK, declared), dtype=RECORD)
    tops, bottoms = [], []
    with open(path, "rb", buffering=0) as f:
        f.seek(HEADER_BYTES)
        for start in range(0, len(tri), READ_BLOCK):
            block = buffer[: min(READ_BLOCK, len(tri) - start)]
            _read_into(f, memoryview(block).cast("B"), start, declared, size)
            part = tri[start: start + len(block)]
            part[...] = block["v"]
            tops.append(part.max(initial=-np.inf))
            bottoms.append(part.min(initial=np.inf))
    extremes = (float(np.max(tops)), float(np.min(bottoms))) if len(tri) else None
    return StlData(_check_triangles(tri, limits, extremes), ascii=False)


def _read_into(f, view: memoryview, start: int, declared: int, size: int) -> None:
    """Fill `view` from `f`; a file that ends early (cut while it was read) is refused."""
    done = 0
    while done < len(view):
        got = f.readinto(view[done:])
        if not got:
            present = start + done // RECORD.itemsize
            raise UnreadableFile("stl_truncated", declared=declared, present=present, size=size)
        done += got


ASCII_MAX_BYTES = 60 * 1024 * 1024  # text parsing is ~20x the work of binary records
_VERTEX = re.compile(rb"\bvertex\s+(\S+)\s+(\S+)\s+(\S+)")


def _ascii(data: bytes, limits: Limits) -> StlData:
    if len(data) > ASCII_MAX_BYTES:
        raise UnreadableFile("file_too_large", variant="ascii_stl", limit=ASCII_MAX_BYTES // 1024 // 1024)
    low = data.lower()
    if not low.lstrip().startswith(b"solid"):
        raise UnreadableFile("stl_not_stl", size=len(data))
    facets = len(re.findall(rb"\bfacet\b", low))
    endfacets = len(re.findall(rb"\bendfacet\b", low))
    solids = len(re.findall(rb"(?:^|\s)solid\b", low))
    vertices = _VERTEX.findall(low)
    if facets != endfacets or len(vertices) != 3 * facets or low.count(b"vertex") != len(vertices):
        raise UnreadableFile("stl_ascii_malformed", facets=facets, endfacets=endfacets, vertices=len(vertices))
    try:
        coords = np.array([float(c) for v in vertices for c in v], dtype=np.float64)
    except ValueError as exc:
        raise UnreadableFile("stl_ascii_malformed", str(exc), variant="number") from exc
    tri = coords.reshape(-1, 3, 3)
    return StlData(_check_triangles(tri, limits), ascii=True, solids=max(solids, 1))


def load_stl(path: Path, limits: Limits = DEFAULT_LIMITS) -> StlData:
    """Read an STL file (binary or ASCII) into triangles, or raise `UnreadableFile`."""
    size = path.stat().st_size
    check_file_size(size, limits)
    if size == 0:
        raise empty_file()
    with open(path, "rb") as f:
        head = f.read(1024)
    if size < HEADER_BYTES:
        data = path.read_bytes()
        if data.lstrip()[:5].lower() == b"solid":
            return _ascii(data, limits)
        raise UnreadableFile("stl_not_stl", size=len(data), variant="short")
    declared = int(np.frombuffer(head[80:84], "<u4")[0])
    looks_ascii = head.lstrip()[:5].lower() == b"solid" and b"\0" not in head
    # Some CAD exporters write "solid" at the start of a binary file: the size decides.
    if looks_ascii and HEADER_BYTES + RECORD.itemsize * declared != size:
        return _ascii(path.read_bytes(), limits)
    return _binary(path, size, declared, limits)
