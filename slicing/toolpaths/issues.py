"""Issues raised while preparing a program, in the same shape as the analysis issues.

An issue is a plain dict so it stores as JSON with the job: `code`, `severity`
(error|warning|info), `message` and `hint` in French and English, and a `location`.
"""

from __future__ import annotations

from typing import Any, Literal

Severity = Literal["error", "warning", "info"]


def make_issue(
    code: str,
    severity: Severity,
    en: str,
    fr: str,
    hint_en: str = "",
    hint_fr: str = "",
    location: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One issue; `location` says where (source id, layer, x/y in mm, or program line)."""
    return {
        "code": code,
        "severity": severity,
        "message": {"fr": fr, "en": en},
        "hint": {"fr": hint_fr, "en": hint_en},
        "location": location or {},
    }


def has_errors(issues: list[dict[str, Any]]) -> bool:
    return any(i.get("severity") == "error" for i in issues)
