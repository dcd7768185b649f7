"""Words for the codes the run path stores as a job's reason (`jobqueue.reasons`): why a run
was interrupted, crashed or could not start. French in `translations/faults/`.

A driver's failure or cancel (`driver.*` codes) is said by `web.driver_reasons`. A reason that
is not a code (an older free-text reason, a driver's English text stored before the codes) is
shown as it is.
"""

from __future__ import annotations

from typing import Any

from jobqueue import reasons
from web.driver_reasons import say_driver_reason
from web.i18n import _, _l, gettext

_CAUSES = {
    "work_horse_killed": _l("the process streaming the job was killed"),
    "heartbeat_lost": _l("nothing was running it any more (missed heartbeat)"),
    "worker_restarted": _l("the machine's worker restarted"),
    "timeout": _l("it ran past its time limit"),
    "stopped": _l("it was stopped by an administrator"),
    "no_runner": _l("nothing was running it when a command arrived"),
    "crashed": _l("the run stopped on an internal error"),
    "migration": _l("it was found running during a database upgrade"),
}

_WAITING = {
    "needs_attention": _l("needs attention (a fabmanager must look at it first)"),
    "out_of_service": _l("is out of service"),
    "to_be_cleared": _l("must be cleared first"),
}


def reason_label(text: Any) -> str:
    """A stored reason in the page's language."""
    code, params = reasons.parse(text if isinstance(text, str) else None)
    if code == reasons.RUN_INTERRUPTED:
        cause = _CAUSES.get(str(params.get("cause")), str(params.get("cause", "")))
        text = _("Run interrupted after line %(line)s: %(cause)s.", line=params.get("line", "?"), cause=cause)
        if params.get("uncertain_to") is not None:
            text += " " + _("The machine may have run up to line %(to)s: check the part and choose the line to "
                            "resume from.", to=params["uncertain_to"])
        return text
    if code == reasons.RUN_CRASHED:
        return _("Internal error while streaming (%(error)s).", error=params.get("error", "?"))
    if code == reasons.RUN_WAITING_MACHINE:
        status = _WAITING.get(str(params.get("status")), str(params.get("status", "")))
        return _("Waiting: machine %(machine)s %(status)s.", machine=params.get("machine", "?"), status=status)
    if code == reasons.RUN_CONNECT_FAILED:
        return _("Cannot connect to machine %(machine)s.", machine=params.get("machine", "?"))
    said = say_driver_reason(code, params, gettext)
    if said is not None:
        return said
    from web.history_reasons import history_reason  # jobqueue's other reasons (upload, approved for...)

    return history_reason(None if text is None else str(text))
