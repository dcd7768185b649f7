"""The one exception every reader raises, and the limits every parser works under.

A user's upload may be broken or hostile; whatever goes wrong while reading it becomes an
`UnreadableFile` with a code and a message in French and English, so the analysis can turn
it into an issue instead of a traceback.
"""

from __future__ import annotations

import time
from dataclasses import dataclass


class UnreadableFile(Exception):
    """The file cannot be turned into geometry: broken, hostile, or over a limit."""

    def __init__(self, code: str, message_fr: str, message_en: str, hint_fr: str = "", hint_en: str = "") -> None:
        super().__init__(message_en)
        self.code = code
        self.message_fr = message_fr
        self.message_en = message_en
        self.hint_fr = hint_fr or "Exportez à nouveau le fichier depuis votre logiciel de modélisation."
        self.hint_en = hint_en or "Export the file again from your modelling software."
        self.location: dict = {}  # where in the file (a DXF handle, an SVG element id), when known

    def as_issue(self) -> dict:
        """The analysis issue this failure becomes."""
        return {
            "code": self.code,
            "severity": "error",
            "message": {"fr": self.message_fr, "en": self.message_en},
            "hint": {"fr": self.hint_fr, "en": self.hint_en},
            "location": dict(self.location),
        }


@dataclass(frozen=True)
class Limits:
    """What one parse may cost. Each limit is named in the message of the file that exceeds it."""

    max_file_bytes: int = 200 * 1024 * 1024  # a 4 M-triangle binary STL
    max_svg_bytes: int = 25 * 1024 * 1024  # svgelements reads ~0.5 MB/s of dense paths
    max_dxf_bytes: int = 60 * 1024 * 1024  # ezdxf loads ~1 MB/s
    max_triangles: int = 5_000_000
    max_entities: int = 500_000  # DXF entities after expanding blocks; SVG elements
    max_points: int = 5_000_000  # points of all flattened 2D paths together
    max_block_depth: int = 16  # DXF blocks inside blocks
    max_svg_depth: int = 256  # nested SVG elements
    max_size_mm: float = 100_000.0  # 100 m: bigger is a unit mistake or a hostile declaration
    seconds: float = 30.0

    def deadline(self) -> Deadline:
        return Deadline(time.monotonic() + self.seconds, self.seconds)


DEFAULT_LIMITS = Limits()


@dataclass
class Deadline:
    """A cooperative time limit: loops call `check()` now and then."""

    at: float
    seconds: float

    def check(self) -> None:
        if time.monotonic() > self.at:
            raise UnreadableFile(
                "file_too_slow",
                f"La lecture du fichier dépasse la limite de {self.seconds:.0f} secondes.",
                f"Reading the file takes longer than the {self.seconds:.0f} second limit.",
                "Simplifiez le dessin (moins de courbes, de blocs ou de détails) puis renvoyez-le.",
                "Simplify the design (fewer curves, blocks or details) and upload it again.",
            )


def _size(n: float, fr: bool) -> str:
    if n >= 1024 * 1024:
        return f"{n / 1024 / 1024:.0f} {'Mo' if fr else 'MB'}"
    return f"{n / 1024:.1f} {'ko' if fr else 'kB'}".replace(".", "," if fr else ".")


def check_file_size(size: int, limits: Limits, limit: int | None = None) -> None:
    """Refuse a file over `limit` bytes (the general file limit by default), naming the limit."""
    limit = limits.max_file_bytes if limit is None else limit
    if size > limit:
        raise UnreadableFile(
            "file_too_large",
            f"Le fichier pèse {_size(size, True)} : la limite pour ce type de fichier est de {_size(limit, True)}.",
            f"The file is {_size(size, False)}: the limit for this kind of file is {_size(limit, False)}.",
            "Réduisez le nombre de triangles (décimation) ou de détails avant l'export.",
            "Reduce the number of triangles (decimate) or details before exporting.",
        )


def empty_file() -> UnreadableFile:
    return UnreadableFile(
        "file_empty",
        "Le fichier est vide (0 octet).",
        "The file is empty (0 bytes).",
        "L'export a sans doute échoué : exportez à nouveau et vérifiez la taille du fichier.",
        "The export probably failed: export again and check the file size.",
    )
