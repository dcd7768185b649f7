"""Why a run ended, as a code with parameters (never a sentence: the web and CLI render it).

Stored in `jobs.reason` and the audit row as `code {"param": value, ...}` so that a reason is
still readable in a database shell and parses back without guessing: `parse(text)` returns
`(code, params)`, or `(None, {})` for an older free-text reason.
"""

from __future__ import annotations

import json
from typing import Any

# Codes used by the run path (jobqueue.runner, jobqueue.reaper, the rq callbacks).
RUN_INTERRUPTED = "run.interrupted"  # cause: work_horse_killed | heartbeat_lost | worker_restarted | timeout | stopped
RUN_CRASHED = "run.crashed"  # error: the exception's type name
RUN_CONNECT_FAILED = "run.connect_failed"  # machine, error
RUN_DRIVER_ERROR = "run.driver_error"  # error: the driver error's type, detail: its text
RUN_WAITING_MACHINE = "run.waiting_machine"  # machine, status: needs_attention | out_of_service | to_be_cleared
RESUME_REFUSED = "resume.refused"  # cause: g92_offset | homing, line


# A driver's own failure or cancel: `driver.<what>` (drivers.base: cancelled, disconnected, firmware_error,
# alarm, timeout, firmware_reset, error) with its parameters (line, done, code, meaning, detail).
DRIVER_PREFIX = "driver."


def from_driver(error: Any) -> str:
    """The stored reason of a `drivers.base.DriverError` (its code and parameters)."""
    code, params = error.as_reason()
    return make(code, **params)


def make(code: str, /, **params: Any) -> str:
    return f"{code} {json.dumps(params, sort_keys=True, default=str)}" if params else code


def parse(text: str | None) -> tuple[str | None, dict[str, Any]]:
    if not text:
        return None, {}
    code, _, rest = text.partition(" ")
    if "." not in code or not code.replace(".", "").replace("_", "").isalnum():
        return None, {}
    if not rest:
        return code, {}
    try:
        params = json.loads(rest)
    except ValueError:
        return None, {}
    return (code, params) if isinstance(params, dict) else (None, {})
