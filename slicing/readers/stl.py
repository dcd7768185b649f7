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

from slicing.readers.errors import DEFAULT_LIMITS, Limits, UnreadableFile, check_file_size, empty_file

RECORD = np.dtype([("normal", "<f4", (3,)), ("v", "<f4", (3, 3)), ("attr", "<u2")])
HEADER_BYTES = 84
READ_BLOCK = 1 << 18  # records per read: 13 MB


@dataclass
class StlData:
    """The triangles as stored: (n, 3, 3) float32 in file units (mm by convention)."""

    triangles: np.ndarray
    ascii: bool
    solids: int = 1  # `solid ... endsolid` blocks in an ASCII file


def _fr(n: int) -> str:
    """12 345 678: French groups thousands with a narrow no-break space."""
    return f"{n:,}".replace(",", "\u202f")


def _not_stl(detail_fr: str, detail_en: str, code: str = "stl_unreadable") -> UnreadableFile:
    return UnreadableFile(
        code,
        f"Ce fichier n'est pas un STL lisible : {detail_fr}",
        f"This file is not a readable STL: {detail_en}",
    )


def _too_many(count: int, limits: Limits) -> UnreadableFile:
    return UnreadableFile(
        "too_many_triangles",
        f"Le modèle a {_fr(count)} triangles : la limite est de {_fr(limits.max_triangles)}.",
        f"The model has {count:,} triangles: the limit is {limits.max_triangles:,}.",
        "Réduisez le nombre de triangles (décimation) dans votre logiciel avant l'export.",
        "Reduce the triangle count (decimate) in your software before exporting.",
    )


def _check_triangles(tri: np.ndarray, limits: Limits) -> np.ndarray:
    if len(tri) == 0:
        raise _not_stl("il ne contient aucun triangle.", "it holds no triangles.", "stl_no_triangles")
    if len(tri) > limits.max_triangles:
        raise _too_many(len(tri), limits)
    if not np.isfinite(tri).all():
        bad = np.flatnonzero(~np.isfinite(tri).all(axis=(1, 2)))
        raise UnreadableFile(
            "stl_non_finite",
            f"{len(bad)} triangle(s) ont des coordonnées invalides (NaN ou infini), par exemple le "
            f"triangle n° {int(bad[0])}.",
            f"{len(bad)} triangle(s) have invalid coordinates (NaN or infinite), e.g. triangle #{int(bad[0])}.",
            "Le fichier est corrompu : exportez-le à nouveau ; si l'erreur persiste, réparez le "
            "modèle (Meshmixer, Blender « 3D Print Toolbox »).",
            "The file is corrupt: export it again; if it persists, repair the model "
            "(Meshmixer, Blender's 3D Print Toolbox).",
        )
    if max(float(tri.max()), -float(tri.min())) > limits.max_size_mm:
        raise UnreadableFile(
            "size_over_limit",
            f"Des coordonnées dépassent {limits.max_size_mm:,.0f} mm : ce n'est pas un objet fabricable.".replace(",", "\u202f"),
            f"Coordinates exceed {limits.max_size_mm:,.0f} mm: not an object anyone can make.",
            "Vérifiez l'unité d'export (mm) et l'échelle du modèle.",
            "Check the export unit (mm) and the model's scale.",
        )
    return tri


def _binary(path: Path, size: int, declared: int, limits: Limits) -> StlData:
    present, extra = divmod(size - HEADER_BYTES, RECORD.itemsize)
    if declared != present or extra:
        if declared * RECORD.itemsize + HEADER_BYTES > size:
            fr = (f"l'en-tête annonce {_fr(declared)} triangles mais le fichier n'en contient que {_fr(present)} "
                  f"(fichier tronqué, {_fr(size)} octets).")
            en = (f"the header declares {declared:,} triangles but the file holds only {present:,} "
                  f"(truncated file, {size:,} bytes).")
            raise _not_stl(fr, en, "stl_truncated")
        fr = (f"l'en-tête annonce {_fr(declared)} triangles alors que la taille du fichier en permet "
              f"{_fr(present)} (+{extra} octets) : le nombre de triangles ment.")
        en = (f"the header declares {declared:,} triangles while the file size allows {present:,} "
              f"(+{extra} bytes): the triangle count lies.")
        raise _not_stl(fr, en, "stl_count_mismatch")
    if declared > limits.max_triangles:
        raise _too_many(declared, limits)
    # The records are read a block at a time straight into one contiguous (n, 3, 3) array:
    # every later pass is then a plain sweep, and the 50-byte records never sit in memory
    # whole beside it.
    tri = np.empty((declared, 3, 3), dtype=np.float32)
    with open(path, "rb") as f:
        f.seek(HEADER_BYTES)
        for start in range(0, len(tri), READ_BLOCK):
            block = np.frombuffer(f.read(min(READ_BLOCK, len(tri) - start) * RECORD.itemsize), dtype=RECORD)
            tri[start: start + len(block)] = block["v"]
    return StlData(_check_triangles(tri, limits), ascii=False)


ASCII_MAX_BYTES = 60 * 1024 * 1024  # text parsing is ~20x the work of binary records
_VERTEX = re.compile(rb"\bvertex\s+(\S+)\s+(\S+)\s+(\S+)")


def _ascii(data: bytes, limits: Limits) -> StlData:
    if len(data) > ASCII_MAX_BYTES:
        raise UnreadableFile(
            "file_too_large",
            f"Un STL texte (ASCII) est limité à {ASCII_MAX_BYTES // 1024 // 1024} Mo.",
            f"A text (ASCII) STL is limited to {ASCII_MAX_BYTES // 1024 // 1024} MB.",
            "Exportez en STL binaire : le fichier sera 5 fois plus petit.",
            "Export as binary STL: the file will be 5 times smaller.",
        )
    low = data.lower()
    if not low.lstrip().startswith(b"solid"):
        raise _not_stl("il ne commence pas par « solid » et sa taille ne correspond pas à un STL binaire.",
                       "it does not start with 'solid' and its size does not match a binary STL.",
                       "stl_not_stl")
    facets = len(re.findall(rb"\bfacet\b", low))
    endfacets = len(re.findall(rb"\bendfacet\b", low))
    solids = len(re.findall(rb"(?:^|\s)solid\b", low))
    vertices = _VERTEX.findall(low)
    if facets != endfacets or len(vertices) != 3 * facets or low.count(b"vertex") != len(vertices):
        raise _not_stl(
            f"{facets} « facet », {endfacets} « endfacet » et {len(vertices)} « vertex » : le texte est "
            "incomplet ou mal formé.",
            f"{facets} 'facet', {endfacets} 'endfacet' and {len(vertices)} 'vertex': the text is "
            "incomplete or malformed.",
            "stl_ascii_malformed",
        )
    try:
        coords = np.array([float(c) for v in vertices for c in v], dtype=np.float64)
    except ValueError as exc:
        raise _not_stl("un sommet contient autre chose qu'un nombre.",
                       "a vertex holds something that is not a number.", "stl_ascii_malformed") from exc
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
        raise _not_stl(f"il ne fait que {len(data)} octets et ne commence pas par « solid » (un STL binaire en "
                       "a au moins 84).",
                       f"it is only {len(data)} bytes and does not start with 'solid' (a binary STL has at "
                       "least 84).", "stl_not_stl")
    declared = int(np.frombuffer(head[80:84], "<u4")[0])
    looks_ascii = head.lstrip()[:5].lower() == b"solid" and b"\0" not in head
    # Some CAD exporters write "solid" at the start of a binary file: the size decides.
    if looks_ascii and HEADER_BYTES + RECORD.itemsize * declared != size:
        return _ascii(path.read_bytes(), limits)
    return _binary(path, size, declared, limits)
