"""Translations (Flask-Babel, gettext): French by default, English available.

The convention, for everyone adding a page or a message:

- **Msgids are English, in the code.** Python: `from web.i18n import _, ngettext, lazy_gettext`
  (`lazy_gettext` for module-level constants, form labels, Flask-Login's message). Templates:
  `{{ _('Queue') }}`, `{{ _('Job #%(id)s', id=job.id) }}`, `{{ ngettext('%(num)d job', '%(num)d jobs', n) }}`
  (Jinja's i18n extension, new style: parameters are named, `%` escaped as `%%` in every
  template msgid). Never build a sentence by concatenating pieces; give the whole sentence
  with named parameters, so French can reorder it.
- **French lives in per-area catalogs**: `web/translations/<area>/fr/LC_MESSAGES/messages.po`,
  one area per team or page family (`core`, `issues`, `people`, `machines`, ...), so engineers
  never edit the same file. Every folder under `web/translations/` is picked up (Flask-Babel's
  BABEL_TRANSLATION_DIRECTORIES list, merged); a new area is a new folder. English needs no
  catalog (the msgids are English); add `<area>/en/...` only for a plural or wording the msgid
  cannot carry. A msgid must have one French translation across areas (a test checks).
- **Adding a string**: write `_('...')` in the code, then
  `python -m web.i18n_tool missing` lists every msgid of the code and templates that no
  catalog translates, as `.po` entries; `python -m web.i18n_tool missing --write AREA` appends
  them (empty msgstr) to that area's catalog for you to translate. `python -m web.i18n_tool check`
  fails on an empty or fuzzy translation, or a conflict between areas. The tests
  (tests/web/test_i18n_*.py) run the same check and render every page in both languages.
- **`.mo` files are never committed**: `web/catalogs.py` compiles the `.po` files into a cache
  folder at first use (app start, CLI, tests), keyed by their contents.
- **slicing/, drivers/, jobqueue/ say no sentence**: they return codes with parameters
  (numbers in mm, counts). The web and the CLI render them: issues through the registry in
  `web/issue_messages.py` (code -> msgid with named parameters), other codes through the
  label helpers here (`state_label`, `process_label`, ...).
- **Numbers, money, dates and durations** go through the helpers of `web/pages_format.py`
  (Babel, the page's locale) and `when()` here (the fablab's time zone: `timezone:` in
  machines.yaml, Europe/Paris by default).

The language lives in the session (and on the user's record once logged in), so a trainee who
switches to English keeps it on every page.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Flask, current_app, has_request_context, session
from flask_babel import Babel, get_locale
from flask_login import current_user

from web import i18n_fast
from web.catalogs import compile_catalogs
from web.i18n_fast import format_datetime
from web.i18n_outside import chosen_language, gettext, lazy_gettext, ngettext  # Flask-Babel's, or a worker's

LANGUAGES = ("fr", "en")
DEFAULT = "fr"
DEFAULT_TIMEZONE = "Europe/Paris"

_ = gettext
_l = lazy_gettext
__all__ = ["_", "_l", "gettext", "lazy_gettext", "ngettext", "N_", "current_language", "init_i18n", "when"]

babel = Babel()


def N_(msgid: str) -> str:  # noqa: N802 - gettext's name for "mark for extraction, translate later"
    return msgid


def current_language() -> str:
    """The session's choice, else the user's saved one, else French (outside a request: the
    language a worker chose with `web.i18n_outside.in_language`)."""
    if not has_request_context():
        return chosen_language() or DEFAULT
    lang = session.get("lang")
    if lang in LANGUAGES:
        return lang
    if current_user and current_user.is_authenticated and getattr(current_user, "language", None) in LANGUAGES:
        return current_user.language
    return DEFAULT


def _timezone() -> str:
    """The fablab's time zone: `timezone:` of machines.yaml (validated when it is loaded)."""
    ctx = current_app.extensions.get("fablab")
    try:
        return ctx.spec().timezone or DEFAULT_TIMEZONE
    except Exception:  # noqa: BLE001 - a page still renders (in the default zone) if the spec cannot load
        return DEFAULT_TIMEZONE


def init_i18n(app: Flask) -> None:
    """Flask-Babel on `app`: every area's catalog, the page's language, the fablab's time zone."""
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT)
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = ";".join(compile_catalogs())
    babel.init_app(app, locale_selector=current_language, timezone_selector=_timezone)
    i18n_fast.install(app)  # the catalog looked up once per request (web/i18n_fast.py)
    app.context_processor(template_helpers)


def when(value: Any, fmt: str = "short") -> str:
    """A stored time (datetime or ISO text, UTC when naive) in the fablab's time zone."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)  # Flask-Babel rebases naive UTC
    return format_datetime(value, fmt)


# --- codes from jobqueue shown as words ---------------------------------------------------
PROCESSES = {"fdm": N_("3D printing (FDM)"), "laser": N_("Laser cutting"), "cnc": N_("CNC router"),
             "vinyl": N_("Vinyl cutting")}
STATES = {"submitted": N_("submitted"), "analysing": N_("analysing"), "invalid": N_("invalid"),
          "pending_review": N_("pending review"), "rejected": N_("rejected"), "sent_back": N_("sent back"), "preparing": N_("preparing"),
          "ready": N_("ready"), "running": N_("running"), "paused": N_("paused"), "completed": N_("completed"),
          "failed": N_("failed"), "interrupted": N_("interrupted"), "cancelled": N_("cancelled"), "offline": N_("offline"), "idle": N_("idle")}
SEVERITIES = {"error": N_("error"), "warning": N_("warning"), "info": N_("info")}
COMMANDS = {"pause": N_("Pause"), "resume": N_("Resume"), "cancel": N_("Cancel"),
            "retry": N_("Retry from checkpoint")}


def _label(table: dict[str, str], code: Any) -> str:
    msgid = table.get(str(code)) if code is not None else None
    return gettext(msgid) if msgid else str(code or "")


def process_label(kind: Any) -> str:
    return _label(PROCESSES, kind)


def state_label(state: Any) -> str:
    return _label(STATES, state)


def severity_label(severity: Any) -> str:
    return _label(SEVERITIES, severity)


def command_label(command: Any) -> str:
    return _label(COMMANDS, command)


ACTORS = {"system:analyse": N_("analysis"), "system:prepare": N_("preparation"), "system": N_("system")}


def actor_label(actor: Any) -> str:
    """Who made a change, as a member reads it: a user name, "analysis", or the machine's id."""
    text = str(actor or "")
    if text in ACTORS:
        return gettext(ACTORS[text])
    if text.startswith("system:"):
        return text.partition(":")[2]  # a machine's worker: the machine's id (laser-1)
    return text


def pick(message: Any, lang: str | None = None) -> str:
    """A `{fr, en}` message stored by an older analysis, in the current language."""
    if message is None:
        return ""
    if isinstance(message, dict):
        lang = lang or current_language()
        other = "en" if lang == "fr" else "fr"
        return str(message.get(lang) or message.get(other) or "")
    return str(message)


def template_helpers() -> dict[str, Any]:
    """What every template gets besides `_`/`ngettext`: labels for codes, `lang`, `when`."""
    from web.i18n_faults import reason_label

    return {"pick": pick, "state_label": state_label, "reason_label": reason_label, "process_label": process_label,
            "severity_label": severity_label, "command_label": command_label, "actor_label": actor_label, "when": when,
            "lang": current_language() if has_request_context() else str(get_locale() or DEFAULT),
            "LANGUAGES": LANGUAGES}
