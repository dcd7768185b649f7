"""How numbers, metrics, issue locations and quotes read on a page, for a beginner.

Pure presentation: the analysis decides what the figures are; this only says them in the
user's language with their units (`volume_mm3` -> "Volume : 12 345 mm³").
"""

from __future__ import annotations

import math
from typing import Any

from web.i18n import current_language, pick

UNITS = {"mm": "mm", "mm2": "mm²", "mm3": "mm³", "cm3": "cm³", "m": "m", "m2": "m²", "g": "g", "kg": "kg",
         "s": "s", "min": "min", "h": "h", "pct": "%", "eur": "€", "deg": "°", "count": "", "n": ""}
WORDS: dict[str, tuple[str, str]] = {
    "volume": ("Volume", "Volume"), "area": ("Surface", "Area"), "bbox": ("Encombrement", "Bounding box"),
    "mass": ("Masse", "Mass"), "bodies": ("Pièces séparées", "Separate bodies"),
    "overhang": ("Surplomb", "Overhang"), "cut": ("Découpe", "Cut"), "length": ("longueur", "length"),
    "engrave": ("Gravure", "Engrave"), "enclosed": ("Surface fermée", "Enclosed"),
    "pierce": ("Perçages", "Pierces"), "pierces": ("Perçages", "Pierces"), "sheet": ("Plaque", "Sheet"),
    "used": ("utilisée", "used"), "triangles": ("Triangles", "Triangles"), "paths": ("Tracés", "Paths"),
    "filament": ("Filament", "Filament"), "layers": ("Couches", "Layers"), "time": ("Durée", "Time"),
    "estimated": ("estimée", "estimated"), "travel": ("Déplacements", "Travel"), "seconds": ("Durée", "Time"),
    "count": ("nombre", "count"), "faces": ("Faces", "Faces"), "vertices": ("Sommets", "Vertices"),
}


def number(value: Any, digits: int = 1) -> str:
    """A figure with French or English separators; non-numbers are shown as they are."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if isinstance(value, float) and not math.isfinite(value):
        return "—"
    if isinstance(value, int) or float(value).is_integer() and abs(value) >= 100:
        text = f"{int(round(value)):,}"
    else:
        text = f"{value:,.{digits if abs(value) >= 1 else max(digits, 3)}f}".rstrip("0").rstrip(".")
    if current_language() == "fr":
        text = text.replace(",", "\u202f").replace(".", ",")
    return text


def duration(seconds: Any) -> str:
    """1 h 05 min, 3 min 20 s, 12 s."""
    if not isinstance(seconds, int | float) or not math.isfinite(seconds) or seconds < 0:
        return "—"
    s = int(round(seconds))
    h, rem = divmod(s, 3600)
    m, sec = divmod(rem, 60)
    if h:
        return f"{h} h {m:02d} min"
    if m:
        return f"{m} min {sec:02d} s"
    return f"{sec} s"


def money(value: Any, currency: str = "EUR") -> str:
    if not isinstance(value, int | float) or isinstance(value, bool):
        return str(value if value is not None else "—")
    sign = "€" if currency == "EUR" else currency
    text = f"{value:,.2f}"
    if current_language() == "fr":
        return text.replace(",", "\u202f").replace(".", ",") + f"\u00a0{sign}"
    return f"{sign}{text}" if sign == "€" else f"{text} {sign}"


def metric_label(name: str) -> tuple[str, str]:
    """(label, unit) from a unit-suffixed metric name such as `cut_length_mm`."""
    parts = [p for p in str(name).split("_") if p]
    unit = ""
    if len(parts) > 1 and parts[-1] in UNITS:
        unit = UNITS[parts.pop()]
    idx = 0 if current_language() == "fr" else 1
    words = [WORDS[p][idx] if p in WORDS else p for p in parts] or [str(name)]
    label = " ".join(words)
    return label[:1].upper() + label[1:], unit


def metric_value(value: Any, unit: str) -> str:
    if isinstance(value, list | tuple):
        inner = " × ".join(number(v) for v in value)
        return f"{inner} {unit}".strip()
    if isinstance(value, dict):
        return ", ".join(f"{k}: {metric_value(v, unit)}" for k, v in value.items())
    if unit == "s" and isinstance(value, int | float):
        return duration(value)
    return f"{number(value)} {unit}".strip()


def metrics_rows(metrics: dict[str, Any] | None) -> list[tuple[str, str]]:
    rows = []
    for name, value in (metrics or {}).items():
        if value is None:
            continue
        label, unit = metric_label(name)
        rows.append((label, metric_value(value, unit)))
    return rows


def location(loc: Any, limit: int = 6) -> str:
    """A short, readable place: coordinates, face indices, DXF handle and layer, SVG id."""
    if loc is None or loc == {} or loc == []:
        return ""
    if isinstance(loc, dict):
        parts = []
        for key, value in loc.items():
            if isinstance(value, list) and len(value) > limit:
                shown = ", ".join(location(v) for v in value[:limit]) + f", … ({len(value)})"
                parts.append(f"{key}: {shown}")
            else:
                parts.append(f"{key}: {location(value)}")
        return "; ".join(parts)
    if isinstance(loc, list | tuple):
        if all(isinstance(v, int | float) and not isinstance(v, bool) for v in loc):
            return "(" + ", ".join(number(v, 2) for v in loc[:limit]) + (", …" if len(loc) > limit else "") + ")"
        shown = ", ".join(location(v) for v in loc[:limit])
        return shown + (f", … ({len(loc)})" if len(loc) > limit else "")
    if isinstance(loc, float):
        return number(loc, 2)
    return str(loc)


def _first(d: dict, *keys: str) -> Any:
    for k in keys:
        if d.get(k) is not None:
            return d[k]
    return None


def quote_view(quote: dict[str, Any], tier: str | None) -> dict[str, Any]:
    """One quote as rows a beginner can follow: each term, its amount and why; then the total."""
    rows = []
    for term in _first(quote, "terms", "lines", "breakdown", "items") or []:
        if isinstance(term, dict):
            rows.append({
                "label": pick(_first(term, "label", "term", "name")),
                "amount": _first(term, "amount", "cost", "eur", "value"),
                "explanation": pick(_first(term, "explanation", "why", "detail", "text")),
            })
        else:
            rows.append({"label": "", "amount": None, "explanation": pick(term)})
    totals = _first(quote, "totals", "total_by_tier", "tiers")
    total = _first(quote, "total", "total_eur")
    if isinstance(total, dict) and totals is None:
        totals, total = total, None
    if isinstance(totals, dict):
        total = totals.get(tier) if tier in totals else next(iter(totals.values()), None)
    elif isinstance(totals, list):
        chosen = next((x for x in totals if isinstance(x, dict) and _first(x, "tier", "name") == tier), None)
        chosen = chosen or next((x for x in totals if isinstance(x, dict)), None)
        total = _first(chosen, "total", "amount", "total_eur") if chosen else total
    return {
        "machine": _first(quote, "machine_name", "machine", "machine_id"),
        "material": _first(quote, "material"),
        "seconds": _first(quote, "seconds", "time_s", "time_seconds", "estimated_seconds", "duration_s"),
        "rows": rows,
        "total": total,
        "tier": tier,
        "currency": quote.get("currency", "EUR"),
        "note": pick(_first(quote, "note", "explanation")) if not rows else "",
    }


def cheapest_total(quotes: list[dict[str, Any]] | None, tier: str | None) -> tuple[float | None, str]:
    """The lowest total over the job's quotes, for the queue's one-line summary."""
    best: tuple[float | None, str] = (None, "EUR")
    for q in quotes or []:
        if not isinstance(q, dict):
            continue
        v = quote_view(q, tier)
        if isinstance(v["total"], int | float) and (best[0] is None or v["total"] < best[0]):
            best = (float(v["total"]), v["currency"])
    return best


FILTERS = {"number": number, "duration": duration, "money": money, "location": location}
