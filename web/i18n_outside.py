"""gettext that also works outside Flask: a worker (the e-mail task) says a sentence in a
recipient's language through the same functions and the same merged catalogs as the pages.

`web.i18n`'s `_`, `ngettext` and `_l` are these functions. In a request they are Flask-Babel's
(the page's language). Inside `in_language(lang)` (no Flask app needed) they read babel's
`Translations` for `lang` from `web.catalogs.translations`, so every renderer built on them
(issue words, run reasons, history reasons) speaks the recipient's language in a worker too.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask_babel.speaklater import LazyString

from web import i18n_fast
from web.catalogs import translations

# (language, its merged catalog) while a sentence is said outside a request; None: Flask-Babel's.
_CHOSEN = i18n_fast.OUTSIDE


@contextmanager
def in_language(lang: str) -> Iterator[None]:
    """Say every sentence of the block in `lang` (the recipient's), with or without Flask."""
    token = _CHOSEN.set((lang, translations(lang)))
    try:
        yield
    finally:
        _CHOSEN.reset(token)


def chosen_language() -> str | None:
    chosen = _CHOSEN.get()
    return chosen[0] if chosen else None


def gettext(string: str, **variables: Any) -> str:
    chosen = _CHOSEN.get()
    if chosen is None:
        return i18n_fast.gettext(string, **variables)  # the page's catalog, looked up once per request
    s = chosen[1].ugettext(string)
    return s % variables if variables else s


def ngettext(singular: str, plural: str, num: int, **variables: Any) -> str:
    chosen = _CHOSEN.get()
    if chosen is None:
        return i18n_fast.ngettext(singular, plural, num, **variables)
    variables.setdefault("num", num)
    return chosen[1].ungettext(singular, plural, num) % variables


def lazy_gettext(string: str, **variables: Any) -> LazyString:
    return LazyString(gettext, string, **variables)
