"""How numbers, metrics, issue locations and quotes read on a page, for a beginner.

Pure presentation: the analysis decides what the figures are; this only says them in the
user's language with their units (`volume_mm3` -> "Volume : 12 345 mm³").
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from jobqueue.contracts.results import Localised, Quote, lenient
from web import metric_format
from web.i18n import N_, current_language, pick
from web.i18n_fast import format_currency, format_decimal, gettext, translations
from web.issue_place import place
from web.issue_render import Words, render_issue
from web.metric_format import duration
from web.quote_render import term_explanation, term_label, tier_explanation


def number(value: Any, digits: int = 1) -> str:
    """A figure with the page's separators (Babel); non-numbers are shown as they are."""
    return metric_format.number(value, digits, format_decimal)


def money(value: Any, currency: str = "EUR") -> str:
    """An amount in the page's locale (Babel): 1,50 € in French, €1.50 in English."""
    if not isinstance(value, int | float) or isinstance(value, bool):
        return str(value if value is not None else "—")
    return format_currency(value, currency or "EUR")


def metric_label(name: str) -> tuple[str, str]:
    """(label, unit) from a unit-suffixed metric name such as `cut_length_mm`."""
    return metric_format.metric_label(name, gettext)


def metric_value(value: Any, unit: str) -> str:
    return metric_format.metric_value(value, unit, gettext, format_decimal)


def words() -> Words:
    """The page's language for web/issue_messages.py (the request's catalog and numbers)."""
    catalog = translations()
    return Words(gettext=catalog.ugettext, ngettext=catalog.ungettext,
                 number=lambda v: number(v, 2), french=current_language() == "fr")


def issues_list(issues: Any, origin: Any = None) -> list[dict[str, Any]]:
    """Issues as the page shows them: dicts only, errors first, then warnings, then the rest;
    each with its sentence and hint in the page's language (`text`, `hint_text`) and where it
    is in mm from the part's minimum corner `origin` (`where`, web/issue_place.py)."""
    kept = [i for i in issues if isinstance(i, dict)] if isinstance(issues, list) else []
    said = words()
    corner = origin if isinstance(origin, list | tuple) else None
    shown = []
    for issue in sorted(kept, key=lambda i: {"error": 0, "warning": 1}.get(i.get("severity"), 2)):
        text, hint = render_issue(issue, said)
        shown.append({**issue, "text": text, "hint_text": hint, "where": place(issue.get("location"), corner, said)})
    return shown


def metrics_rows(metrics: Any, primary: bool | None = None) -> list[tuple[str, str]]:
    """Rows of (label, value with unit) in the page's language (web/metric_format.py)."""
    return metric_format.metrics_rows(metrics, primary, gettext, format_decimal)


# Location keys written by slicing/, as a reader names them (unknown keys shown as they are).
LOCATION_KEYS = {
    "points": N_("points (x, y in mm)"), "sources": N_("elements"), "source": N_("element"),
    "element": N_("element"), "faces": N_("faces"), "open_edges": N_("open edges"), "edges": N_("edges"),
    "bodies": N_("bodies"), "layer": N_("layer"), "line": N_("line"), "machine": N_("machine"),
    "bbox_mm": N_("size (mm)"), "bed_mm": N_("bed (mm)"), "count": N_("count"), "gaps_mm": N_("gaps (mm)"),
    "loose_ends": N_("loose ends"), "overlap_mm": N_("overlap (mm)"), "width_mm": N_("width (mm)"),
    "area_mm2": N_("area (mm²)"), "operation": N_("operation"),
}


def location(loc: Any, limit: int = 6) -> str:
    """A short, readable place: coordinates, face indices, DXF handle and layer, SVG id."""
    if loc is None or loc == {} or loc == []:
        return ""
    if isinstance(loc, dict):
        parts = []
        for key, value in loc.items():
            if value is None or value == "" or value == [] or value == {}:
                continue
            if key == "choices" and isinstance(value, list):  # unit choices: the size each gives
                parts.append(gettext("; ").join(
                    f"{c.get('unit')} → {metric_value(c.get('bbox_mm'), 'mm')}" for c in value if isinstance(c, dict)))
                continue
            label = gettext(LOCATION_KEYS[key]) if key in LOCATION_KEYS else key
            if isinstance(value, list) and len(value) > limit:
                shown = ", ".join(location(v) for v in value[:limit]) + f", … ({len(value)})"
                parts.append(gettext("%(name)s: %(value)s", name=label, value=shown))
            else:
                parts.append(gettext("%(name)s: %(value)s", name=label, value=location(value)))
        return gettext("; ").join(parts)
    if isinstance(loc, list | tuple):
        if all(isinstance(v, int | float) and not isinstance(v, bool) for v in loc):
            return "(" + ", ".join(number(v, 2) for v in loc[:limit]) + (", …" if len(loc) > limit else "") + ")"
        shown = ", ".join(f"({location(v)})" if isinstance(v, dict) else location(v) for v in loc[:limit])
        return shown + (f", … ({len(loc)})" if len(loc) > limit else "")
    if isinstance(loc, float):
        return number(loc, 2)
    return str(loc)


def _text(value: Localised | str | None) -> str:
    return pick(value.model_dump() if isinstance(value, Localised) else value)


def unit_price(value: float, currency: str) -> str:
    """A price per unit with all its decimals (0,035 € per gram), in the page's locale."""
    return _unit_price(value, type(value), currency or "EUR", current_language())


@lru_cache(maxsize=4096)
def _unit_price(value: float, kind: type, currency: str, language: str) -> str:
    """Formatted once per value and language (Babel parses the pattern on every call)."""
    from babel.numbers import format_currency as babel_currency

    return babel_currency(value, currency, locale=language, decimal_quantization=False)


def quote_view(quote: Quote | dict[str, Any], tier: str | None) -> dict[str, Any]:
    """One quote as rows a beginner can follow: each term, its amount and why; then the total
    for the user's pricing tier, with the line that says how the tier changes the subtotal.
    The quote is read through its contract (`jobqueue.contracts.Quote`): one name per field;
    terms are said from their code and figures (web/quote_render.py)."""
    q = quote if isinstance(quote, Quote) else lenient(Quote, quote)
    said = words()
    rows = []
    for t in q.terms:
        term = t.model_dump()
        rows.append({"label": term_label(term, said), "amount": t.amount,
                     "explanation": term_explanation(term, q.currency, said, unit_price)})
    entry = next((x for x in q.tiers if x.tier == tier), None) or (q.tiers[0] if q.tiers else None)
    return {
        "machine": q.machine_name or q.machine,
        "machine_id": q.machine,
        "material": q.material,
        "seconds": q.seconds,
        "rows": rows,
        "subtotal": q.subtotal,
        "total": q.total_for(tier),
        "tier": (entry.label if entry else None) or tier,
        "tier_explanation": tier_explanation(entry.model_dump(), said) if entry else "",
        "fits": q.fits,
        "currency": q.currency,
        "note": "",
    }


def quotes_view(quotes: list[Any] | None, tier: str | None, material: str | None) -> list[dict[str, Any]]:
    """The job's quotes, the chosen material first and machines it fits before the others."""
    views = [quote_view(q, tier) for q in quotes if isinstance(q, dict | Quote)] if isinstance(quotes, list) else []
    return sorted(views, key=lambda v: (not v["fits"], v["material"] != material))


def cheapest_total(quotes: list[Any] | None, tier: str | None, material: str | None = None) -> tuple[float | None, str]:
    """The lowest total for the job's material on a machine it fits, for the queue's summary."""
    views = [v for v in quotes_view(quotes, tier, material) if isinstance(v["total"], int | float)]
    best = [v for v in views if v["fits"] and v["material"] == material] or views
    if not best:
        return None, "EUR"
    cheapest = min(best, key=lambda v: v["total"])
    return float(cheapest["total"]), cheapest["currency"]


def machine_prices(quotes: list[Any] | None, machines: list[dict[str, Any]], tier: str | None,
                   material: str | None) -> str | None:
    """Give each machine of a review select its total for the job's material (`total`, `fits`)
    and return the machine to preselect: the cheapest one the part fits, so the price shown
    beside the select is the preselected machine's own, never another machine's."""
    views = [v for v in quotes_view(quotes, tier, material) if v["material"] == material]
    by_machine = {v["machine_id"]: v for v in views}
    for m in machines:
        v = by_machine.get(m["id"])
        m["total"] = v["total"] if v and isinstance(v["total"], int | float) else None
        m["currency"] = v["currency"] if v else "EUR"
        m["fits"] = bool(v["fits"]) if v else True
    priced = [m for m in machines if m["total"] is not None and m["fits"]]
    if priced:
        return min(priced, key=lambda m: m["total"])["id"]
    return machines[0]["id"] if machines else None


def short_name(name: Any, limit: int = 48) -> str:
    """A long file name shortened in the middle for display, its extension kept."""
    text = str(name or "")
    if len(text) <= limit:
        return text
    stem, dot, ext = text.rpartition(".")
    ext = dot + ext if dot and len(ext) <= 8 else ""
    keep = limit - len(ext) - 1
    return text[: keep - keep // 3] + "…" + (stem if ext else text)[-(keep // 3):] + ext


FILTERS = {"number": number, "duration": duration, "money": money, "location": location, "issues": issues_list, "short_name": short_name}
