"""Rendered HTML fragments kept per worker process, keyed by everything they are made from.

Why: a list page of 50 rows spent ~70% of its CPU in Jinja and Babel (dates, numbers, state
words) formatting rows that had not changed since the last request; the job page likewise
re-formatted its quotes and measurements (~60 Babel number formats) on every view
(bench/web_load.py, profiled). A fragment here is a pure function of its key: the data it
shows (state, progress, file name... or a digest of the stored analysis), the request's
locale, time zone and URL root. So a hit can never show stale data: when a job changes,
its key changes and the new row is rendered; nothing has to be invalidated. Old keys are
dropped oldest first once the memo is full (bounded memory).

Not `functools.lru_cache`: the value is rendered by a Jinja macro during the page's own
render (it needs the request's template context), so it is looked up, then stored.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Hashable
from typing import Any

from flask import request
from markupsafe import Markup

from web.i18n_fast import _zone, request_locale

MAX_ENTRIES = 20_000  # a list row is ~600 bytes, an analysis section ~10 KB: well under 100 MB

_memo: dict[Hashable, Markup] = {}
_lock = threading.Lock()


def context_key() -> tuple[str, str, str]:
    """What every fragment depends on besides its data: locale, time zone, URL root."""
    return str(request_locale()), str(_zone()), request.script_root


def get(key: Hashable) -> Markup | None:
    return _memo.get(key)


def put(key: Hashable, html: Any) -> Markup:
    """Keep `html` under `key` (evicting the oldest entries when full); returns it as Markup."""
    html = Markup(html)
    with _lock:
        _memo[key] = html
        while len(_memo) > MAX_ENTRIES:
            _memo.pop(next(iter(_memo)))
    return html


def digest(value: Any) -> str:
    """A stable digest of stored JSON (the analysis): part of a key without holding the data."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def clear() -> None:
    with _lock:
        _memo.clear()
