"""The page's catalog, locale and time zone looked up once per request, not once per word.

Why: Flask-Babel resolves the locale, the domain and its translations cache on every
`_()` call (several context-local lookups and a locale-to-string conversion each time), and
`format_datetime`/`format_decimal` resolve the locale and the time zone per value. A list
page of 50 rows says ~300 words, 50 dates and 50 numbers: that lookup was most of the
page's cost (bench/web_load.py). Here the lookups happen once per request and are kept
on `flask.g`, keyed by the locale object Flask-Babel holds for the request, so a
`force_locale()` block or a `refresh()` (which replace that object) is still obeyed.

Same results as Flask-Babel's functions: the same merged catalogs (`get_translations`),
the same Babel formatting with the same locale and zone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from contextvars import ContextVar
from functools import lru_cache
from typing import Any

from babel import Locale, dates, numbers, support
from flask import Flask, g, has_request_context
from flask_babel import get_locale, get_timezone, get_translations

from web.metric_format import cached_decimal

# (language, its merged catalog) while web.i18n_outside.in_language says a sentence outside a
# request (a worker, the CLI); None: Flask-Babel's. Kept here so these functions obey it too.
OUTSIDE: ContextVar[tuple[str, Any] | None] = ContextVar("fablab_outside_language", default=None)


def _babel_locale(store: Any = None) -> Locale | None:
    """The locale Flask-Babel chose for this request (resolved once by `get_locale`). `store`:
    `flask.g` itself, when the caller already has it (each proxy lookup costs a context-local
    read, and a page asks for ~100 words)."""
    ctx = (store if store is not None else g).get("_flask_babel")
    locale = getattr(ctx, "babel_locale", None) if ctx is not None else None
    return locale if locale is not None else get_locale()


def request_locale() -> Locale | None:
    if has_request_context():
        return _babel_locale()
    outside = OUTSIDE.get()
    return Locale.parse(outside[0]) if outside else get_locale()


def _per_locale(key: str, compute: Callable[[], Any]) -> Any:
    """`compute()` once per request and locale, kept on `flask.g` under `key`."""
    store = g._get_current_object()
    locale = _babel_locale(store)
    memo = store.get(key)
    if memo is not None and memo[0] is locale:
        return memo[1]
    found = compute()
    setattr(store, key, (locale, found))
    return found


def translations() -> support.NullTranslations:
    """The request's merged catalog (Flask-Babel's own object), looked up once per locale."""
    if not has_request_context():
        outside = OUTSIDE.get()
        return outside[1] if outside else get_translations()
    return _per_locale("_fablab_translations", get_translations)


def _zone() -> dt.tzinfo:
    return _per_locale("_fablab_zone", get_timezone)


def gettext(string: str, **variables: Any) -> str:
    """Flask-Babel's `gettext`, with the catalog looked up once per request."""
    text = translations().ugettext(string)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, num: int, **variables: Any) -> str:
    variables.setdefault("num", num)
    return translations().ungettext(singular, plural, num) % variables


def format_datetime(value: dt.datetime, fmt: str = "short") -> str:
    """Flask-Babel's `format_datetime` for a named Babel format (`short`, `medium`...): naive
    values are UTC, shown in the request's time zone and locale."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    if not has_request_context():
        from flask_babel import format_datetime as slow

        return slow(value, fmt)
    return dates.format_datetime(value.astimezone(_zone()), fmt, locale=_babel_locale())


@lru_cache(maxsize=8192)
def _currency(value: Any, kind: type, currency: str, locale: Locale | None) -> str:
    return numbers.format_currency(value, currency, locale=locale)


def format_decimal(value: Any, fmt: str) -> str:
    return cached_decimal(value, fmt, request_locale())  # formatted once per process


def format_currency(value: Any, currency: str) -> str:
    return _currency(value, type(value), currency, request_locale())


def install(app: Flask) -> None:
    """Templates' `_`, `ngettext`, `pgettext`, `npgettext` through the per-request catalog
    (Flask-Babel installed its own, looking the catalog up on every call)."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: translations().ugettext(s),
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n),
    )
