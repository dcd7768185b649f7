"""Previews of the analysed upload, problems marked: a PNG for meshes, an SVG for drawings.

`analysis_preview(path, process=..., analysis=..., filename=...)` -> (bytes, mimetype) or
None; the job page shows it next to the issues.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from slicing.readers import UnreadableFile, file_kind

__all__ = ["analysis_preview", "mesh_png", "drawing_svg"]


def analysis_preview(path: Path, *, process: str | None = None, analysis: dict[str, Any] | None = None,
                     filename: str | None = None) -> tuple[bytes, str] | None:
    path = Path(path)
    kind = file_kind(path, filename)
    try:
        if kind == "mesh":
            from slicing.previews.mesh_png import mesh_png

            return mesh_png(path), "image/png"
        if kind in ("svg", "dxf"):
            from slicing.previews.drawing_svg import drawing_svg

            return drawing_svg(path, analysis or {}, filename).encode(), "image/svg+xml"
    except UnreadableFile:
        return None
    return None


def mesh_png(path: Path, **kw: Any) -> bytes:
    from slicing.previews.mesh_png import mesh_png as render

    return render(path, **kw)


def drawing_svg(path: Path, analysis: dict[str, Any] | None = None, filename: str | None = None) -> str:
    from slicing.previews.drawing_svg import drawing_svg as render

    return render(path, analysis or {}, filename)
