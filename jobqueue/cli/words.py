"""The CLI says issues through the web's catalogs: French by default, `--lang` or LANG=en.

The same registry (web/issue_messages.py) and the same `.po` files as the pages, loaded
without Flask and only when a report is printed (the CLI's start-up stays light).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from web.issue_render import Words


def language(choice: str | None) -> str:
    """`--lang` when given, else English if LANG/LANGUAGE says so, else French."""
    if choice in ("fr", "en"):
        return choice
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name, "")
        if value and value.split(".")[0] not in ("C", "POSIX"):
            return "en" if value.lower().startswith("en") else "fr"
    return "fr"


def words(lang: str) -> Words:
    from babel.numbers import format_decimal

    from web.catalogs import translations
    from web.issue_render import Words

    catalog = translations(lang)
    return Words(gettext=catalog.ugettext, ngettext=catalog.ungettext,
                 number=lambda v: format_decimal(v, format="#,##0.###", locale=lang), french=lang == "fr")


def decimal(lang: str) -> Callable[[Any, str], str]:
    """(value, Babel pattern) -> the figure in `lang`, as the pages format it (web/metric_format.py)."""
    from web.metric_format import cached_decimal

    return lambda value, pattern: cached_decimal(value, pattern, lang)


def say(said: Words, msgid: str, **values: Any) -> str:
    """A CLI sentence (English msgid, French in the catalogs)."""
    text = said.gettext(msgid)
    return text % values if values else text


def issue_lines(issue: dict[str, Any], said: Words) -> tuple[str, str]:
    from web.issue_render import render_issue

    return render_issue(issue, said)


def issue_text(issue: dict[str, Any], lang: str = "fr") -> str:
    """An issue's sentence in `lang` (tests and scripts; the CLI reports use `issue_lines`)."""
    return issue_lines(issue, words(lang))[0]


def issue_hint(issue: dict[str, Any], lang: str = "fr") -> str:
    return issue_lines(issue, words(lang))[1]
