"""The people area's refusals (codes with parameters from jobqueue) in the page's language."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_babel import format_date

from jobqueue.errors import RequestError
from web.i18n import _, process_label


def limit_label(limit: str) -> str:
    return {
        "session_jobs": _("jobs in this session"), "jobs_waiting": _("jobs waiting at once"),
        "grams_per_month": _("grams of material this month"), "area_m2_per_month": _("m² of sheet this month"),
        "machine_hours_per_month": _("machine hours this month"),
    }.get(limit, limit)


def reset_date(iso: str | dt.datetime) -> str:
    """The day a monthly quota resets, in the fablab's time zone and the page's language."""
    value = dt.datetime.fromisoformat(iso) if isinstance(iso, str) else iso
    return format_date(value.astimezone(dt.UTC).replace(tzinfo=None))  # Flask-Babel rebases naive UTC


def skipped_text(entry: dict[str, Any]) -> str:
    """One job a batch approval skipped, from workshop_approval's entry."""
    return explain(RequestError(entry["error"], entry["code"], **entry.get("params", {})))


def explain(exc: Exception) -> str:
    """A refusal from jobqueue as a sentence for the page (French or English)."""
    code: str = getattr(exc, "code", "")
    p: dict[str, Any] = getattr(exc, "params", {}) or {}
    if code == "quota_exceeded":
        used, allowed = "{:g}".format(p["used"]), "{:g}".format(p["allowed"])
        if p.get("resets"):
            return _("Quota reached: %(used)s of %(allowed)s %(limit)s. It resets on %(date)s.",
                     used=used, allowed=allowed, limit=limit_label(p["limit"]),
                     date=reset_date(p["resets"]))
        return _("Quota reached: %(used)s of %(allowed)s %(limit)s. You can send another when one of them is "
                 "finished or cancelled.", used=used, allowed=allowed,
                 limit=limit_label(p["limit"]))
    texts = {
        "session_unknown_code": lambda: _("No workshop session has this code."),
        "session_ended": lambda: _("The session '%(title)s' has ended: it takes no more uploads.", title=p.get("title")),
        "session_not_joined": lambda: _("You have not joined this session."),
        "session_process": lambda: _("The session '%(title)s' takes %(processes)s jobs only.", title=p.get("title"),
                                     processes=", ".join(process_label(x) for x in p.get("processes", []))),
        "session_title": lambda: _("A session needs a title (up to 128 characters)."),
        "session_processes": lambda: _("Choose at least one process of this fablab."),
        "session_material": lambda: _("No machine of these processes offers this material."),
        "session_quota": lambda: _("The quota of jobs per trainee must be between 1 and 100."),
        "session_window": lambda: _("A session ends after it starts, within 31 days."),
        "training_missing": lambda: _("The owner of job #%(job)s lacks the training %(kinds)s: approve it in a "
                                      "supervised session or give a reason to override.", job=p.get("job"),
                                      kinds=", ".join(p.get("kinds", []))),
        "training_unknown": lambda: _("No such training in machines.yaml."),
        "training_days": lambda: _("The number of days must be between 1 and 3650."),
        "training_job_not_completed": lambda: _("The job has not completed on a machine."),
        "comment_required": lambda: _("A comment is required to send a job back."),
        "revision_type": lambda: _("The corrected file must be of a type this job's process takes."),
        "batch_target": lambda: _("Choose a machine or a group."),
        "batch_unknown_target": lambda: _("No such machine or group."),
        "batch_wrong_kind": lambda: _("This machine or group does not make these jobs."),
        "no_program": lambda: _("This job never had a machine program: nothing to run again."),
        "forbidden": lambda: _("You are not allowed to do this."),
    }
    text = texts.get(code)
    if text:
        return text()
    from web.refusals import refusal  # the queue's and upload's codes

    return refusal(exc)
