"""A quote's terms said in the reader's language: label and explanation from the term's code
and figures (slicing/quote.py stores `{"term", "amount", "params"}`, no sentence).

Used by the job page (web/pages_format.py) and the CLI (`fablab analyze`) with their own
gettext and money format. A quote stored before this (with `label`/`explanation` in both
languages) still shows its own text.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from web.issue_render import Words, _pick
from web.issue_text import N_

TERM_LABELS = {"material": N_("Material"), "machine_time": N_("Machine time"), "setup": N_("Setup fee")}
EXPLANATIONS = {
    "material/g": N_("%(grams)s g of %(material)s (solid walls, %(infill_pct)s%% infill) × %(price)s/g"),
    "material/m": N_("%(metres)s m of %(material)s (design height + margin) × %(price)s/m"),
    "material/m2": N_("%(m2)s m² of %(material)s (bounding rectangle + %(margin_mm)s mm margin) × %(price)s/m²"),
    "machine_time": N_("about %(duration)s × %(hourly_rate)s/h (estimate before preparation, refined later)"),
    "setup": N_("flat fee to prepare the machine %(machine)s"),
}
TIER_EXPLANATION = N_("subtotal × %(multiplier)s (%(tier)s rate)")
_MONEY = ("price", "hourly_rate")

Money = Callable[[float, str], str]


def _duration(seconds: float) -> str:
    m = round(seconds / 60)
    return f"{m // 60} h {m % 60:02d} min" if m >= 60 else f"{max(m, 1)} min"


def term_label(term: dict[str, Any], words: Words) -> str:
    code = str(term.get("term") or "")
    if code in TERM_LABELS:
        return words.gettext(TERM_LABELS[code])
    return _pick(term.get("label"), words) or code


def term_explanation(term: dict[str, Any], currency: str, words: Words, money: Money) -> str:
    """The line that says where the amount comes from; an older quote's own text; else ''."""
    params = term.get("params")
    code = str(term.get("term") or "")
    if isinstance(params, dict) and params:
        msgid = EXPLANATIONS.get(f"{code}/{params.get('variant')}") or EXPLANATIONS.get(code)
        values: dict[str, str] = {}
        for key, value in params.items():
            if key in _MONEY and isinstance(value, int | float):
                values[key] = money(float(value), currency)
            elif isinstance(value, int | float) and not isinstance(value, bool):
                values[key] = words.number(value)
            else:
                values[key] = str(value)
        if isinstance(params.get("seconds"), int | float):
            values["duration"] = _duration(float(params["seconds"]))
        if msgid:
            try:
                return words.gettext(msgid) % values
            except (KeyError, ValueError, TypeError):
                pass
    return _pick(term.get("explanation"), words)


def tier_explanation(tier: dict[str, Any], words: Words) -> str:
    """How the user's pricing tier changes the subtotal."""
    multiplier = tier.get("multiplier")
    if isinstance(multiplier, int | float) and not isinstance(multiplier, bool):
        return words.gettext(TIER_EXPLANATION) % {"multiplier": words.number(multiplier),
                                                   "tier": str(tier.get("label") or tier.get("tier") or "")}
    return _pick(tier.get("explanation"), words)
