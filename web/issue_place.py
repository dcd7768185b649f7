"""The "Where:" line of an issue, as a member reads it: millimetres in the part's own frame.

slicing/ stores an issue's location as it found it (points in the file's coordinates, face
numbers, element ids, a program line). A member measures from their part in their CAD, so
points are said relative to the part's bounding-box minimum corner (the analysis's
`bbox_min_mm`): "12 mm from the left and 40 mm from the bottom of the design". Face numbers,
element ids and the raw location stay behind the page's "technical details". Used by the job
page (web/pages_format.py) and the CLI, each with its own gettext (`Words`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from web.issue_messages import _WORD_PARAMS
from web.issue_render import Words
from web.issue_text import N_, Nn_

AT_2D = N_("%(x)s mm from the left and %(y)s mm from the bottom of the design")
AT_3D = N_("%(x)s mm along X, %(y)s mm along Y and %(z)s mm above the bottom of the part")
AT_2D_FILE = N_("x %(x)s mm, y %(y)s mm in the file's coordinates")
AT_3D_FILE = N_("x %(x)s, y %(y)s, z %(z)s mm in the file's coordinates")
AT_HEIGHT = N_("%(z)s mm above the bottom of the part")
AT_LINE = N_("line %(line)s of the program")
ON_LAYER = N_("%(place)s, on layer “%(layer)s”")
MORE_PLACES = Nn_("%(first)s, and %(num)d other place", "%(first)s, and %(num)d other places")
UNIT_SIZE = N_("in %(unit)s: %(size)s mm")
LIST_SEPARATOR = N_("; ")


def _numbers(value: Any) -> list[float] | None:
    if isinstance(value, list | tuple) and 2 <= len(value) <= 3 and all(
            isinstance(v, int | float) and not isinstance(v, bool) for v in value):
        return [float(v) for v in value]
    return None


def _points(loc: dict[str, Any]) -> list[list[float]]:
    found = [p for p in (_numbers(v) for v in loc.get("points") or []) if p]
    if isinstance(loc.get("x"), int | float) and isinstance(loc.get("y"), int | float):
        found.append([float(loc["x"]), float(loc["y"])])
    for key in ("texts", "images"):
        for item in loc.get(key) or []:
            if isinstance(item, dict) and isinstance(item.get("x"), int | float) and isinstance(item.get("y"), int | float):
                found.append([float(item["x"]), float(item["y"])])
    return found


def _at(point: list[float], origin: list[float] | None, words: Words) -> str:
    if origin is not None and len(origin) >= len(point):
        rel = [p - o for p, o in zip(point, origin, strict=False)]
        said = {k: words.number(round(v, 1)) for k, v in zip("xyz", rel, strict=False)}
        return words.gettext(AT_3D if len(point) == 3 else AT_2D) % said
    said = {k: words.number(round(v, 1)) for k, v in zip("xyz", point, strict=False)}
    return words.gettext(AT_3D_FILE if len(point) == 3 else AT_2D_FILE) % said


def _choices(choices: Sequence[Any], words: Words) -> str:
    units = _WORD_PARAMS["unit"]
    said = []
    for c in choices:
        size = _numbers(c.get("bbox_mm")) if isinstance(c, dict) else None
        if size is None:
            continue
        unit = str(c.get("unit"))
        said.append(words.gettext(UNIT_SIZE) % {"unit": words.gettext(units[unit]) if unit in units else unit,
                                                 "size": " × ".join(words.number(v) for v in size)})
    return words.gettext(LIST_SEPARATOR).join(said)


def place(location: Any, origin: Sequence[float] | None, words: Words) -> str:
    """The readable "Where:" text of a location ('' when it names no place a member can find:
    face numbers and element ids alone are technical details)."""
    if not isinstance(location, dict):
        return ""
    origin_mm = _numbers(list(origin)) if origin is not None else None
    if isinstance(location.get("choices"), list):
        return _choices(location["choices"], words)
    if isinstance(location.get("line"), int) and not isinstance(location.get("line"), bool):
        return words.gettext(AT_LINE) % {"line": words.number(location["line"])}
    points = _points(location)
    if points:
        text = _at(points[0], origin_mm, words)
        if len(points) > 1:
            text = words.ngettext(*MORE_PLACES, len(points) - 1) % {"first": text, "num": len(points) - 1}
    elif isinstance(location.get("z_mm"), int | float):
        z = float(location["z_mm"]) - (origin_mm[2] if origin_mm and len(origin_mm) == 3 else 0.0)
        text = words.gettext(AT_HEIGHT) % {"z": words.number(round(z, 2))}
    else:
        return ""
    layer = location.get("layer")
    if isinstance(layer, str) and layer and layer != "0":
        text = words.gettext(ON_LAYER) % {"place": text, "layer": layer}
    return text
