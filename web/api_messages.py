"""API errors said in the caller's language: every `ErrorBody` carries its stable `code`, the
English `error` (logs, older clients) and `message`, the sentence for a person.

The language: the caller's saved language (token or session), else the browser's
Accept-Language, else French. The sentence comes from the same registries the pages use
(jobqueue refusals: web/refusals.py; people rules: web/people_errors.py) or, for the API's own
codes, from API_MESSAGES below; a code nobody registered falls back to its HTTP status's
sentence, never to English in a French answer.
"""

from __future__ import annotations

from typing import Any

from flask import g, has_request_context, request, session

from web.i18n import DEFAULT, LANGUAGES, N_, _, state_label
from web.i18n_outside import in_language

API_MESSAGES: dict[str, str] = {
    "invalid_token": N_("This API token is not valid (unknown, expired or revoked)."),
    "unauthenticated": N_("Log in, or send an API token (Authorization: Bearer …)."),
    "csrf": N_("A call from a logged-in page needs its X-CSRFToken header."),
    "not_found": N_("Not found, or not visible to you."),
    "too_large": N_("File larger than the limit of %(mb)s MB."),
    "invalid_request": N_("The request is not valid: %(where)s."),
    "session_required": N_("Tokens are made from a logged-in session, or with “fablab token create”."),
    "control_no_runner": N_("Job %(job)s: no worker is running it any more; its state is now “%(state)s”."),
    "too_long": N_("“%(field)s” is too long (at most %(max)s characters)."),
}
BY_STATUS: dict[int, str] = {
    400: N_("The request is not valid."),
    401: N_("Log in, or send an API token (Authorization: Bearer …)."),
    403: N_("You are not allowed to do this."),
    404: N_("Not found, or not visible to you."),
    405: N_("This method is not allowed here."),
    409: N_("Not possible in the job's current state."),
    413: N_("The request is too large."),
    429: N_("Too many attempts: wait a moment and try again."),
}
SERVER_ERROR = N_("Server error: the fablab's team can find it in the logs.")


def api_language() -> str:
    """The caller's saved language, else the session's choice, else Accept-Language, else French."""
    if not has_request_context():
        return DEFAULT
    user = g.get("user")
    lang = getattr(user, "language", None) if user is not None else None
    if lang in LANGUAGES:
        return lang
    if session.get("lang") in LANGUAGES:
        return session["lang"]
    return request.accept_languages.best_match(LANGUAGES) or DEFAULT


def _own(code: str, params: dict[str, Any]) -> str | None:
    msgid = API_MESSAGES.get(code)
    if msgid is None:
        return None
    if code == "too_large" and "mb" not in params:
        from jobqueue.services import max_upload_bytes

        params["mb"] = max_upload_bytes() // (1 << 20)
    if "state" in params:
        params["state"] = state_label(params["state"])
    try:
        return _(msgid, **params) if "%(" in msgid else _(msgid)
    except (KeyError, ValueError, TypeError):
        return None


def _registered(exc: Exception) -> str | None:
    """A jobqueue refusal through the pages' registries (None when they only know its English)."""
    from web.people_errors import explain

    try:
        text = explain(exc)
    except Exception:  # noqa: BLE001 - a message must never turn an error answer into a 500
        return None
    return None if text == str(exc) else text


def message(code: str, status: int, params: dict[str, Any] | None = None, exc: Exception | None = None) -> str:
    """The sentence for `code` in the caller's language."""
    with in_language(api_language()):
        text = _own(code, dict(params or {}))
        if text is None and exc is not None:
            text = _registered(exc)
        if text is None:
            text = _(BY_STATUS.get(status) or (SERVER_ERROR if status >= 500 else BY_STATUS[400]))
        return text
