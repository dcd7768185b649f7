"""An issue (code + parameters, as slicing stores it) said as a sentence and a hint, in the
reader's language: the rendering half of the registry in web/issue_messages.py, used by the
pages (web/pages_format.py) and the CLI (jobqueue/cli/words.py) with their own gettext."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from web.issue_messages import _WORD_PARAMS, ISSUES, MORE_LIKE_ABOVE

_DECIMAL_POINT = re.compile(r"(?<=\d)\.(?=\d)")


@dataclass(frozen=True)
class Words:
    """How to say things in one language: its gettext/ngettext and its number format."""

    gettext: Callable[[str], str]
    ngettext: Callable[[str, str, int], str]
    number: Callable[[float], str]
    french: bool


def _value(value: Any, words: Words) -> str:
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, int | float):
        return words.number(value)
    if isinstance(value, list | tuple) and all(isinstance(v, int | float) and not isinstance(v, bool) for v in value):
        return " × ".join(words.number(v) for v in value)
    text = str(value)
    return _DECIMAL_POINT.sub(",", text) if words.french else text


def _pick(text: Any, words: Words) -> str:
    if isinstance(text, dict):
        first, other = ("fr", "en") if words.french else ("en", "fr")
        return str(text.get(first) or text.get(other) or "")
    return str(text or "")


def render_issue(issue: dict[str, Any], words: Words) -> tuple[str, str]:
    """(sentence, hint) for an issue in `words`' language; an older stored issue's own text
    when it has one and no parameters; the code itself as a last resort, never an error."""
    code = str(issue.get("code") or "")
    params = issue.get("params")
    variant = params.get("variant") if isinstance(params, dict) else None
    entry = ISSUES.get(f"{code}/{variant}") or ISSUES.get(code)
    if isinstance(params, dict) and entry is not None:
        values = {k: _value(v, words) for k, v in params.items()}
        for key, table in _WORD_PARAMS.items():
            if key in params and str(params[key]) in table:
                values[key] = words.gettext(table[str(params[key])])
        try:
            if "more" in params:
                text = words.gettext(MORE_LIKE_ABOVE) % values
                hint = ""
                return text, hint
            if isinstance(entry.message, tuple):
                n = params.get(entry.count or "", 1)
                text = words.ngettext(*entry.message, int(n) if isinstance(n, int | float) else 1) % values
            else:
                text = words.gettext(entry.message) % values
            for param, yes, no in entry.then:
                extra = yes if params.get(param) else no
                if extra:
                    text += " " + words.gettext(extra) % values
            hint = words.gettext(entry.hint) % values if entry.hint else ""
        except (KeyError, ValueError, TypeError):
            text, hint = "", ""
        if text:
            return text, hint
    return _pick(issue.get("message"), words) or code, _pick(issue.get("hint"), words)
