"""Words for the reasons a machine driver gives when a run fails or is cancelled.

A driver stores a code with parameters (`drivers.base.DriverError.as_reason`: `driver.cancelled`
with the line and the safety actions done, `driver.firmware_error` with the line and the
firmware's code, ...), never a sentence. The pages (`web.i18n_faults.reason_label`) and the CLI
(`fablab stream`) say it here, each with its own gettext. French in `translations/faults/`.
The firmware's own words (`meaning`) and the technical `detail` are shown as they came.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from web.i18n import N_

Gettext = Callable[[str], str]

ACTIONS = {
    "feed_hold": N_("feed hold"),
    "soft_reset": N_("soft reset"),
    "quick_stop": N_("planned moves dropped"),
    "spindle_off": N_("spindle or laser off"),
    "hotend_off": N_("hotend heater off"),
    "bed_off": N_("bed heater off"),
    "fan_off": N_("fan off"),
    "motors_off": N_("motors off"),
    "buffer_aborted": N_("cutter buffer emptied"),
    "knife_up": N_("knife up"),
    "print_cancelled": N_("print cancelled on OctoPrint (its cancel script ran)"),
}
_PLAIN = {
    "driver.disconnected": N_("The link to the machine was lost."),
    "driver.timeout": N_("The machine stopped answering in time."),
    "driver.firmware_reset": N_("The machine restarted during the job: home it and check it before resuming."),
    "driver.error": N_("The machine's driver stopped the job."),
}


def say_driver_reason(code: str | None, params: dict[str, Any], gettext: Gettext) -> str | None:
    """The sentence for a `driver.*` reason in gettext's language; None for another code."""
    if not code or not code.startswith("driver."):
        return None
    line = params.get("line")
    if code == "driver.cancelled":
        if params.get("by") == "server":
            return gettext("Stopped on the OctoPrint server after line %(line)s.") % {"line": line if line is not None else "?"}
        text = gettext("Cancelled after line %(line)s.") % {"line": line if line is not None else "?"}
        done = [gettext(ACTIONS[a]) for a in params.get("done") or () if a in ACTIONS]
        if done:
            text += " " + gettext("Machine left safe: %(actions)s.") % {"actions": ", ".join(done)}
        return text
    if code == "driver.firmware_error":
        values = {"line": line, "code": params.get("code"), "meaning": params.get("meaning") or "?"}
        if line is not None and values["code"] is not None:
            return gettext("The firmware refused line %(line)s (error %(code)s: %(meaning)s).") % values
        if line is not None:
            return gettext("The firmware refused line %(line)s (%(meaning)s).") % values
        return gettext("The firmware reported an error (%(meaning)s).") % values
    if code == "driver.alarm":
        values = {"code": params.get("code"), "meaning": params.get("meaning") or "?"}
        if values["code"] is not None:
            return gettext("The machine went into alarm %(code)s (%(meaning)s): someone must check it.") % values
        return gettext("The machine went into alarm (%(meaning)s): someone must check it.") % values
    text = gettext(_PLAIN.get(code, _PLAIN["driver.error"]))
    if params.get("detail"):
        text += " " + gettext("Technical detail: %(detail)s") % {"detail": params["detail"]}
    return text
