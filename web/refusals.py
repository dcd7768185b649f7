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
    # resume checks (jobqueue.resume_check; French in the faults catalog)
    "resume_needs_homing": N_("The program homes the machine at line %(line)s (%(homing)s): home the machine, "
                              "then resume with “the machine has been homed” ticked."),
    "resume_g92_offset": N_("Line %(line)s sets a position offset (%(text)s) that a resume cannot restore: "
                            "start the job again from the beginning."),
    # a day at the machines (jobqueue.queue_order, machine_status, usage; French in the machines catalog)
    "machine_lacks_material": N_("The machine “%(target)s” has no material “%(material)s”."),
    "no_machine_offers": N_("No machine of “%(target)s” offers the material “%(material)s” for this part."),
    "machine_out_of_service": N_("“%(target)s” is out of service: %(reason)s"),
    "copies_out_of_range": N_("The number of copies must be a whole number from 1 to %(max)s."),
    "unknown_priority": N_("The priority is normal or urgent."),
    "duplicate_job_ids": N_("A job is listed twice."),
    "not_in_queue": N_("These jobs are not in the queue: %(job_ids)s"),
    "bad_month": N_("The month is written YYYY-MM (for example 2026-12)."),
    "maintenance_reason_required": N_("Give a reason to take “%(machine)s” out of service."),
    "machine_already_in_service": N_("“%(machine)s” is already in service."),
    # the unit of a file (jobqueue.units; French in the verdicts catalog)
    "unit_question_pending": N_("Job %(job)s: choose the file's unit before approving it (its size and price "
                                "depend on it)."),
    "unit_unknown": N_("Unknown unit “%(unit)s”: choose one of the buttons."),
    "unit_or_scale": N_("Give a unit or a scale."),
    "scale_out_of_range": N_("The scale must be more than 0 and at most %(max)s."),
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
