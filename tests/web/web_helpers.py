"""Helpers for the page tests: CSRF tokens from pages, and a job put in a given state the way the
workers would (through services and the state machine)."""

from __future__ import annotations

import io
import re
from html.parser import HTMLParser
from typing import Any

from browser_fixtures import browser_login  # noqa: F401 - the browser tests import it from here

from jobqueue import services
from jobqueue.context import Context
from jobqueue.models import Job, utcnow
from jobqueue.states import JobState, transition
from jobqueue.users import get_user

SVG = b"""<svg xmlns="http://www.w3.org/2000/svg" width="80mm" height="60mm" viewBox="0 0 80 60">
<rect x="10" y="10" width="50" height="40" fill="none" stroke="#ff0000"/></svg>"""

ANALYSIS: dict[str, Any] = {
    "valid": True,
    "issues": [
        {"code": "open_contour", "severity": "warning",
         "message": {"fr": "Un contour n'est pas fermé (écart 0,3 mm).", "en": "A contour is not closed (0.3 mm gap)."},
         "hint": {"fr": "Joignez les extrémités dans votre logiciel de dessin.",
                  "en": "Join the end points in your drawing software."},
         "location": {"x": 12.5, "y": 40.0, "element": "path3"}},
        {"code": "text_not_outlined", "severity": "info",
         "message": {"fr": "Texte non vectorisé.", "en": "Text not converted to outlines."},
         "hint": {"fr": "Objet > Objet en chemin.", "en": "Object > Object to path."}, "location": None},
    ],
    "metrics": {"cut_length_mm": 180.0, "bbox_mm": [50.0, 40.0, 0.0], "enclosed_area_mm2": 2000.0},
    "quotes": [{
        "machine": "laser-1", "machine_name": "Découpeuse laser CO2 60 W", "material": "Contreplaqué peuplier 3 mm",
        "kind": "laser", "seconds": 95.0, "fits": True, "currency": "EUR",
        "terms": [
            {"term": "material", "label": {"fr": "Matière", "en": "Material"}, "amount": 0.02,
             "explanation": {"fr": "0,002 m² à 12 €/m²", "en": "0.002 m² at €12/m²"}},
            {"term": "machine_time", "label": {"fr": "Temps machine", "en": "Machine time"}, "amount": 0.53,
             "explanation": {"fr": "1 min 35 s à 20 €/h", "en": "1 min 35 s at €20/h"}},
            {"term": "setup", "label": {"fr": "Mise en route", "en": "Setup fee"}, "amount": 1.0,
             "explanation": {"fr": "forfait de préparation", "en": "flat fee"}},
        ],
        "subtotal": 1.55,
        "totals": {"member": 1.55, "public": 2.33, "business": 3.88, "training": 0.78},
        "tiers": [{"tier": "member", "label": "Adhérent", "multiplier": 1.0, "total": 1.55,
                   "explanation": {"fr": "sous-total × 1,00 (tarif Adhérent)", "en": "subtotal × 1.00 (Adhérent rate)"}},
                  {"tier": "training", "label": "Formation", "multiplier": 0.5, "total": 0.78,
                   "explanation": {"fr": "sous-total × 0,50 (tarif Formation)", "en": "subtotal × 0.50 (Formation rate)"}}],
    }, {
        "machine": "laser-1", "machine_name": "Découpeuse laser CO2 60 W", "material": "MDF 6 mm", "kind": "laser",
        "seconds": 190.0, "fits": False, "currency": "EUR", "terms": [], "subtotal": 9.0,
        "totals": {"member": 9.0, "training": 4.5}, "tiers": [],
    }],
}


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'name="csrf-token" content="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def page_token(client, path: str = "/upload") -> str:  # noqa: ANN001
    return csrf_of(client.get(path).get_data(as_text=True))


def make_job(ctx: Context, username: str, state: str = "pending_review", analysis: dict | None = None,
             session_label: str | None = None, name: str = "plaque.svg", data: bytes = SVG,
             process: str = "laser", workshop_id: int | None = None) -> int:
    """A job brought to `state` as the workers would: upload, then the audited transitions.

    The records allow one run per machine: a job that must pass through `running` while an
    earlier test job still holds the machine first ends that one (as failed), as a fabmanager
    would before starting the next."""
    _free_machine_for(ctx, process, state)
    path = {
        "submitted": [], "analysing": ["analysing"], "invalid": ["analysing", "invalid"],
        "pending_review": ["analysing", "pending_review"], "rejected": ["analysing", "pending_review", "rejected"],
        "preparing": ["analysing", "pending_review", "preparing"],
        "ready": ["analysing", "pending_review", "preparing", "ready"],
        "running": ["analysing", "pending_review", "preparing", "ready", "running"],
        "paused": ["analysing", "pending_review", "preparing", "ready", "running", "paused"],
        "completed": ["analysing", "pending_review", "preparing", "ready", "running", "completed"],
        "failed": ["analysing", "pending_review", "preparing", "ready", "running", "failed"],
        "interrupted": ["analysing", "pending_review", "preparing", "ready", "running", "interrupted"],
    }[state]
    with ctx.session() as s:
        user = get_user(s, username)
        job = services.submit_job(s, ctx.redis(), ctx.store, ctx.spec(), user, io.BytesIO(data), name, process,
                                  session_label=session_label, workshop_id=workshop_id)
        for step in path:
            if step in ("invalid", "pending_review"):
                job.analysis = analysis if analysis is not None else (
                    ANALYSIS if step == "pending_review" else {**ANALYSIS, "valid": False})
            if step == "preparing":
                job.machine_id = "laser-1" if process == "laser" else ctx.spec().machines_of_kind(process)[0].id
            if step == "ready":
                program = "G21\nG90\nM4 S0\n" + "G1 X10 Y10 F900\n" * 97
                job.program_sha256 = ctx.store.put_bytes(program.encode())
                job.program_lines = 100
                job.program_info = {"format": "gcode", "issues": [], "metrics": {"cut_length_mm": 180.0},
                                    "preview_sha256": ctx.store.put_bytes(
                                        b'<svg xmlns="http://www.w3.org/2000/svg"><rect width="5" height="5"/></svg>'),
                                    "estimated_seconds": 120.0}
                job.estimated_seconds = 120.0
            if step in ("failed", "rejected", "invalid"):
                job.reason = f"test {step}"
            if step == "interrupted":
                job.reason = 'run.interrupted {"cause": "work_horse_killed", "line": 40}'
                job.lines_acked = 40
            transition(s, job, JobState(step), actor="system:test", reason=f"test {step}")
        if state in ("running", "paused"):
            job.heartbeat_at = utcnow()  # as a live run beats (jobqueue.heartbeat); stale after 10 s
        s.commit()
        return job.id


def _free_machine_for(ctx: Context, process: str, state: str) -> None:
    if state not in ("running", "paused", "completed", "failed", "interrupted"):
        return
    machine_id = "laser-1" if process == "laser" else ctx.spec().machines_of_kind(process)[0].id
    with ctx.session() as s:
        for job in s.query(Job).filter(Job.machine_id == machine_id, Job.state.in_(("running", "paused"))):
            job.reason = "test: machine freed for the next test job"
            transition(s, job, JobState.FAILED, actor="system:test", reason=job.reason)


def job_state(ctx: Context, job_id: int) -> str:
    with ctx.session() as s:
        return s.get(Job, job_id).state


class _Text(HTMLParser):
    """Visible text nodes and the attributes a reader sees (title, placeholder, labels)."""

    SKIP = {"script", "style", "template"}
    ATTRS = {"title", "placeholder", "aria-label", "alt", "label"}

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self._skip += 1
        self.texts += [v.strip() for k, v in attrs if k in self.ATTRS and v and v.strip()]

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip():
            self.texts.append(" ".join(data.split()))


def page_texts(html: str) -> list[str]:
    """The page as a reader sees it: one string per text node (parsed, not raw HTML)."""
    parser = _Text()
    parser.feed(html)
    parser.close()
    return parser.texts


def page(html: str):  # noqa: ANN201 - bs4.BeautifulSoup
    """The page parsed (html.parser): tests query it with CSS selectors (`.select`, `.select_one`)
    and read text as a reader sees it (`text_of`), never by matching raw HTML."""
    from bs4 import BeautifulSoup

    return BeautifulSoup(html, "html.parser")


def text_of(node) -> str:  # noqa: ANN001 - a bs4 Tag, or None
    """An element's visible text, white space collapsed, no-break spaces kept ('' for no element)."""
    return re.sub(r"[ \t\r\n\f]+", " ", node.get_text(" ")).strip() if node is not None else ""


def flashes(doc) -> list[str]:  # noqa: ANN001 - a parsed page
    """The messages a page shows in its flash paragraphs (base.html's and the forms' errors)."""
    return [text_of(p) for p in doc.select("p.flash")]
