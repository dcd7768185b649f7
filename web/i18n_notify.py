"""The words of notifications (in-app list and e-mail): English msgids, French in the people
catalog (`web/translations/people/`), said in the recipient's language.

Rendered through babel's `Translations` of the merged catalogs (`web.i18n_outside.in_language`),
so the e-mail task, which runs in a worker without a Flask app, says exactly what the pages say.
Times are the fablab's (`timezone:` of machines.yaml).
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time

from web.i18n import DEFAULT, DEFAULT_TIMEZONE, LANGUAGES, N_
from web.i18n_outside import gettext, in_language

# kind -> (subject, body); %(filename)s, %(job)s, %(machine)s, %(reason)s come from the
# notification's parameters (a missing one reads as a dash).
TEXTS: dict[str, tuple[str, str]] = {
    "approved": (N_("Job #%(job)s approved"), N_("Your file “%(filename)s” is approved: it will be made on %(machine)s.")),
    "rejected": (N_("Job #%(job)s rejected"), N_("Your file “%(filename)s” was rejected. Reason: %(reason)s")),
    "sent_back": (N_("Job #%(job)s sent back"),
                  N_("Your file “%(filename)s” was sent back for a correction: %(reason)s\n"
                     "Upload the corrected file from the job's page.")),
    "started": (N_("Job #%(job)s started"), N_("Making “%(filename)s” has started on %(machine)s.")),
    "completed": (N_("Job #%(job)s completed"), N_("“%(filename)s” is done: you can come and collect it.")),
    "failed": (N_("Job #%(job)s failed"), N_("Making “%(filename)s” failed: %(reason)s")),
    "invalid": (N_("Job #%(job)s: file not usable"), N_("The analysis of “%(filename)s” found problems: see the job's page.")),
    "awaiting_clearance": (N_("Machine %(machine)s to clear"),
                           N_("Machine %(machine)s waits to be cleared (bed or stock).")),
}
# Reasons the run path writes as codes (a failure); a person's own words stay as written.
CODED_REASONS = ("failed",)


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return "—"


def language_of(lang: str | None) -> str:
    return lang if lang in LANGUAGES else DEFAULT


def notification_text(kind: str, params: dict[str, Any], lang: str | None) -> tuple[str, str]:
    """(subject, body) of a notification in `lang` ('fr' or 'en'), with or without Flask."""
    texts = TEXTS.get(kind)
    if texts is None:
        return kind, kind
    with in_language(language_of(lang)):
        values = _Blank({k: v for k, v in params.items() if v is not None})
        if kind in CODED_REASONS and "reason" in values:
            from web.i18n_faults import reason_label

            values["reason"] = reason_label(values["reason"])
        return gettext(texts[0]) % values, gettext(texts[1]) % values


def local_time(value: dt.datetime, tz: str | None) -> dt.datetime:
    """A stored time (naive: UTC) in the fablab's time zone."""
    aware = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    try:
        zone = ZoneInfo(tz or DEFAULT_TIMEZONE)
    except (KeyError, ValueError):
        zone = ZoneInfo(DEFAULT_TIMEZONE)
    return aware.astimezone(zone)


def dated(value: dt.datetime, lang: str | None, tz: str | None) -> str:
    """'Notification of December 1, 2026 at 14:05': when it was made, in the fablab's zone."""
    lang, local = language_of(lang), local_time(value, tz)
    with in_language(lang):
        return gettext(N_("Notification of %(date)s at %(time)s."), date=format_date(local, "long", locale=lang),
                       time=format_time(local, "HH:mm", locale=lang))
