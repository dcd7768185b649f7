"""Readers: an uploaded file -> geometry, or one `UnreadableFile` saying why not.

- `read_mesh(path) -> trimesh.Trimesh` for STL (binary/ASCII, numpy fast path) and other
  mesh formats trimesh knows;
- `read_drawing(path) -> Drawing` for SVG and DXF (mm, y up, curves flattened);
- `load_drawing` / `load_triangles` give the analysis the same geometry plus reading notes
  and the raw triangle array.

Whatever a broken or hostile file provokes inside a parser is turned into `UnreadableFile`
here, so no caller ever sees a raw traceback.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from slicing.geometry import Drawing
from slicing.readers.errors import DEFAULT_LIMITS, Limits, UnreadableFile
from slicing.readers.mesh import (
    OTHER_MESH_SUFFIXES,
    load_other_mesh,
    load_triangles,
    merge_vertices,
    mesh_from_stl,
)
from slicing.readers.stl import StlData

if TYPE_CHECKING:
    import trimesh

__all__ = ["UnreadableFile", "Limits", "DEFAULT_LIMITS", "StlData", "read_mesh", "read_drawing", "load_drawing",
           "load_triangles", "merge_vertices", "file_kind", "MESH_SUFFIXES", "DRAWING_SUFFIXES"]

MESH_SUFFIXES = {".stl"} | OTHER_MESH_SUFFIXES
DRAWING_SUFFIXES = {".svg", ".dxf"}


def file_kind(path: Path, filename: str | None = None) -> str:
    """'mesh', 'svg' or 'dxf' from the user's file name, else from the first bytes."""
    suffix = Path(filename or path.name).suffix.lower()
    if suffix in MESH_SUFFIXES:
        return "mesh"
    if suffix in (".svg", ".dxf"):
        return suffix[1:]
    try:
        with open(path, "rb") as f:
            head = f.read(4096)
    except OSError:
        return "unknown"
    text = head.lstrip().lower()
    if text.startswith(b"solid") or (len(head) >= 84 and b"<svg" not in text):
        if b"<svg" not in text and not text.startswith(b"0") and not text.startswith(b"<"):
            return "mesh"
    if b"<svg" in text or text.startswith(b"<?xml"):
        return "svg"
    if text.startswith(b"0") and b"section" in text:
        return "dxf"
    return "unknown"


def _guarded(what: str, fn, *args):
    """`what` ('mesh', 'svg', 'dxf') names the kind of file in the sentence the web builds."""
    try:
        return fn(*args)
    except UnreadableFile:
        raise
    except (RecursionError, MemoryError) as exc:
        raise UnreadableFile("file_too_complex", type(exc).__name__, what=what) from exc
    except FileNotFoundError as exc:
        raise UnreadableFile("file_missing") from exc
    except Exception as exc:  # any parser bug a hostile file finds becomes a clear refusal
        raise UnreadableFile("file_unreadable", f"{type(exc).__name__}: {exc}", what=what,
                             name=type(exc).__name__) from exc


def read_triangles(path: Path, limits: Limits = DEFAULT_LIMITS) -> StlData:
    return _guarded("mesh", load_triangles, Path(path), limits)


def read_mesh(path: Path, limits: Limits = DEFAULT_LIMITS) -> trimesh.Trimesh:
    """An indexed mesh (vertices merged, not otherwise repaired) or `UnreadableFile`."""
    path = Path(path)
    if path.suffix.lower() in OTHER_MESH_SUFFIXES:
        return _guarded("mesh", load_other_mesh, path, limits)
    return mesh_from_stl(read_triangles(path, limits))


def load_drawing(path: Path, filename: str | None = None, tolerance_mm: float = 0.05,
                 limits: Limits = DEFAULT_LIMITS) -> tuple[Drawing, list[dict]]:
    """The drawing and reading notes (info issues: paper space used, repairs, ignored entities)."""
    from slicing.readers.dxf import load_dxf
    from slicing.readers.svg import load_svg

    path = Path(path)
    kind = file_kind(path, filename)
    if kind == "svg":
        return _guarded("svg", load_svg, path, tolerance_mm, limits)
    if kind == "dxf":
        return _guarded("dxf", load_dxf, path, tolerance_mm, limits)
    raise UnreadableFile("format_unknown", filename=filename or path.name)


def read_drawing(path: Path, tolerance_mm: float = 0.05, limits: Limits = DEFAULT_LIMITS) -> Drawing:
    """Paths in mm, y up, flattened; texts and images recorded; or `UnreadableFile`."""
    return load_drawing(path, None, tolerance_mm, limits)[0]
