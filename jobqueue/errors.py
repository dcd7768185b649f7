"""The refusals services raise: a code and parameters for the web to render, and an English
sentence as the exception text (for logs, the CLI and the API's `error` field)."""

from __future__ import annotations

from typing import Any


class RequestError(ValueError):
    """The request cannot be done as asked; the message says why (shown to the user)."""

    code = "request_refused"

    def __init__(self, message: str, code: str | None = None, **params: Any):
        super().__init__(message)
        if code:
            self.code = code
        self.params = params


class PermissionDenied(RequestError):
    """This user may not do this (jobqueue.permissions said no)."""

    code = "forbidden"

    def __init__(self, action: str = "", job_id: int | None = None):
        text = f"not allowed: {action}" + (f" on job {job_id}" if job_id is not None else "") if action else \
            "not allowed"
        super().__init__(text, action=action, job=job_id)
