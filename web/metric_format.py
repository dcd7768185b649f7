"""The figures table (`volume_mm3` -> "Volume de la pièce : 12 345 mm³") said with a given
gettext and number format, without Flask.

Why its own module: the job page (web/pages_format.py, the request's catalog) and `fablab
analyze` (jobqueue/cli, a catalog read from the `.po` files) show the same rows; the CLI must
not import Flask, Flask-Babel or pydantic (~150 ms of every run) to say them.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from web.metric_words import LABELS, PRIMARY, VALUE_WORDS

Gettext = Callable[..., str]  # gettext(msgid, **variables): the sentence in the reader's language
Decimal = Callable[[Any, str], str]  # (value, Babel pattern) -> the figure with the language's separators

UNITS = {"mm": "mm", "mm2": "mm²", "mm3": "mm³", "cm3": "cm³", "m": "m", "m2": "m²", "g": "g", "kg": "kg",
         "s": "s", "min": "min", "h": "h", "pct": "%", "eur": "€", "deg": "°", "count": "", "n": ""}


# Babel parses the pattern and walks the locale's data on every number (a job page says ~60
# of them: a tenth of its cost). The same value, pattern and locale always read the same, so
# each is formatted once per process; the type is in the key (1 and 1.0 hash alike).
@lru_cache(maxsize=8192)
def _formatted(value: Any, kind: type, fmt: str, locale: Any) -> str:
    from babel.numbers import format_decimal

    return format_decimal(value, format=fmt, locale=locale)


def cached_decimal(value: Any, fmt: str, locale: Any) -> str:
    """Babel's `format_decimal`, formatted once per process. Every zero is made positive first:
    -0.0 and 0.0 are one key of the cache, so a -0.0 read "-0" or "0" by which the process said first."""
    if value == 0:
        value = type(value)(0)
    return _formatted(value, type(value), fmt, locale)


def number(value: Any, digits: int, decimal: Decimal) -> str:
    """A figure with the language's separators; non-numbers are shown as they are."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if isinstance(value, float) and not math.isfinite(value):
        return "—"
    if isinstance(value, int) or float(value).is_integer() and abs(value) >= 100:
        return decimal(int(round(value)), "#,##0")
    places = digits if abs(value) >= 1 else max(digits, 3)
    return decimal(value, "#,##0." + "#" * places)


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


def split_unit(name: str) -> tuple[str, str]:
    """`cut_length_mm` -> ("cut_length", "mm"); no known unit -> (name, "")."""
    base, _, unit = str(name).rpartition("_")
    return (base, UNITS[unit]) if base and unit in UNITS else (str(name), "")


def metric_label(name: str, gettext: Gettext) -> tuple[str, str]:
    """(label, unit) from a unit-suffixed metric name such as `cut_length_mm`."""
    base, unit = split_unit(name)
    label = gettext(LABELS[base]) if base in LABELS else base.replace("_", " ")
    return label[:1].upper() + label[1:], unit


def value_word(value: Any, gettext: Gettext) -> str:
    """A code held by a metric (an operation, an extrusion type) as a word; else as written."""
    text = str(value)
    return gettext(VALUE_WORDS[text]) if text in VALUE_WORDS else text


def metric_value(value: Any, unit: str, gettext: Gettext, decimal: Decimal) -> str:
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if isinstance(value, list | tuple):
        inner = " × ".join(number(v, 1, decimal) for v in value)
        return f"{inner} {unit}".strip()
    if isinstance(value, dict):
        return gettext("; ").join(gettext("%(name)s: %(value)s", name=value_word(k, gettext),
                                  value=metric_value(v, unit, gettext, decimal)) for k, v in value.items())
    if isinstance(value, str):
        return value_word(value, gettext)
    if unit == "s" and isinstance(value, int | float):
        return duration(value)
    return f"{number(value, 1, decimal)} {unit}".strip()


def metrics_rows(metrics: Any, primary: bool | None, gettext: Gettext, decimal: Decimal) -> list[tuple[str, str]]:
    """Rows of (label, value with unit): the beginner's figures first (`primary=True` only
    those, `False` only the technical rest, `None` all)."""
    items = [(k, v) for k, v in (metrics if isinstance(metrics, dict) else {}).items() if v is not None]
    rank = {base: i for i, base in enumerate(PRIMARY)}
    items.sort(key=lambda kv: rank.get(split_unit(kv[0])[0], len(PRIMARY)))
    rows = []
    for name, value in items:
        is_primary = split_unit(name)[0] in rank
        if primary is not None and primary != is_primary:
            continue
        label, unit = metric_label(name, gettext)
        rows.append((label, metric_value(value, unit, gettext, decimal)))
    return rows
