"""Refusals from jobqueue (RequestError code + params, IllegalTransition) said on a page.

jobqueue raises `RequestError(english_text, code=..., **params)`; the English text is for logs
and the API. Pages say the code through this registry (msgid with the same named
parameters; French in the `core` catalog, or the area's own). A code without an entry shows
the English text as it is, so add the entry with the code (the i18n tests list them).
"""

from __future__ import annotations

from typing import Any

from web.i18n import N_, _, command_label, process_label, state_label

REFUSALS: dict[str, str] = {
    "no_machine_for_process": N_("No machine for the process “%(process)s” in this fablab."),
    "unknown_process": N_("Unknown process “%(process)s” (this fablab offers: %(kinds)s)."),
    "wrong_file_type": N_("“%(name)s”: only STL, DXF and SVG files are accepted."),
    "file_process_mismatch": N_("A %(ext)s file cannot be made with the process “%(process)s”."),
    "no_material": N_("No machine for the process “%(process)s” offers the material “%(material)s”."),
    "unknown_machine": N_("No machine “%(machine)s”."),
    "machine_kind_mismatch": N_("The machine “%(machine)s” is for %(kind)s; this job needs %(need)s."),
    "reason_required": N_("A reason is required to reject a job."),
    "unknown_command": N_("Unknown command “%(command)s”."),
    "command_refused": N_("Job %(job)s is %(state)s: the command “%(command)s” is not possible."),
    "not_running": N_("Job %(job)s is %(state)s: only a running job can be paused or resumed."),
    "line_outside": N_("Line %(line)s is outside the program (0 to %(last)s)."),
}
_STATES = ("state", "current", "wanted")
_PROCESSES = ("process", "kind", "need")


def refusal(exc: BaseException) -> str:
    """What the page says for a refusal, in its language (the English text when unknown)."""
    from jobqueue.states import IllegalTransition

    if isinstance(exc, IllegalTransition):
        return _("Job %(job)s: cannot go from “%(current)s” to “%(wanted)s”.", job=exc.job_id,
                 current=state_label(exc.current), wanted=state_label(exc.wanted))
    code = getattr(exc, "code", None)
    params: dict[str, Any] = dict(getattr(exc, "params", None) or {})
    msgid = REFUSALS.get(str(code))
    if msgid is None:
        from web.i18n_errors import say  # older English texts a pattern still knows

        return say(str(exc))
    for key in _STATES:
        if key in params:
            params[key] = state_label(params[key])
    for key in _PROCESSES:
        if key in params:
            params[key] = process_label(params[key])
    if "command" in params:
        params["command"] = command_label(params["command"])
    try:
        return _(msgid, **params)
    except (KeyError, ValueError, TypeError):
        return str(exc)
