"""Issues raised while preparing a program, in the same shape as the analysis issues.

An issue is a plain dict so it stores as JSON with the job: `code`, `severity`
(error|warning|info), `params` (what its sentence needs) and a `location`. The sentences,
in French and English, are the web's (web/issue_messages.py and the catalogs).
"""

from __future__ import annotations

from typing import Any, Literal

Severity = Literal["error", "warning", "info"]


def make_issue(code: str, severity: Severity, location: dict[str, Any] | None = None, /,
               **params: Any) -> dict[str, Any]:
    """One issue: a stable code, its severity, where (`location`: source id, layer, x/y in mm
    in the part's frame, or program line) and the numbers its sentence needs (`params`: mm,
    counts, names). No sentence here: web/issue_messages.py says it in the reader's language."""
    return {"code": code, "severity": severity, "params": params, "location": location or {}}


def has_errors(issues: list[dict[str, Any]]) -> bool:
    return any(i.get("severity") == "error" for i in issues)


def cap_repeats(issues: list[dict[str, Any]], per_code: int = 8) -> list[dict[str, Any]]:
    """At most `per_code` issues of each code, then one that counts the rest.

    A box with a hundred too-small holes needs the first few located and the number of the
    others, not a page of identical lines.
    """
    seen: dict[str, int] = {}
    kept: list[dict[str, Any]] = []
    for issue in issues:
        code = issue.get("code", "")
        seen[code] = seen.get(code, 0) + 1
        if seen[code] <= per_code:
            kept.append(issue)
    for code, count in seen.items():
        if count > per_code:
            first = next(i for i in issues if i.get("code") == code)
            extra = count - per_code
            kept.append(make_issue(code, first["severity"], {"count": extra}, more=extra))
    return kept
