"""Every page, as every role, in French and in English: no untranslated message either way.

Pages are found from the app's URL map (a page another team adds is walked too; a route whose
arguments this test cannot fill is listed in the failure, so it gets a value here). Each
page is read through an HTML parser. French pages: every msgid the page asked for has a
French translation, and no text node is an English msgid left as it is. English pages: no
text node carries a French translation, no French typography ("What to do :"). Both: no raw
Python values (`None`, `{'fr': ...}`) shown to a reader.

One job carries every issue code of the registry (each variant, with its parameters and a
location) and a prepared program with the figures of every process (tests/web/every_code.py):
each issue must be said as a sentence (never its bare code), differently in French and English.
"""

from __future__ import annotations

import re
from typing import Any

import flask_babel
import pytest
from every_code import every_code_analysis, program_info
from web_helpers import make_job, page, page_texts, page_token, text_of

from jobqueue import workshops
from jobqueue.models import Job
from jobqueue.users import create_user, get_user
from web.i18n_tool import french

SKIP_ENDPOINTS = {"static", "pages.logout", "pages.language"}
NOT_PAGES = ("api.", "api_people.", "api_machines.", "api_tokens.", "api_units.", "openapi.", "static")
RAW = re.compile(r"\bNone\b|\{'|'\}|\bsystem:\w+")
FRENCH_TYPOGRAPHY = re.compile(r"\w \s*[:;!?](\s|$)")


class _Recording:
    """Wraps the request's translations to note every msgid asked for."""

    def __init__(self, inner: Any, seen: set[str]) -> None:
        self._inner, self._seen = inner, seen

    def ugettext(self, s: str) -> str:
        self._seen.add(s)
        return self._inner.ugettext(s)

    gettext = ugettext

    def ungettext(self, s: str, p: str, n: int) -> str:
        self._seen.add(s)
        return self._inner.ungettext(s, p, n)

    ngettext = ungettext

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


@pytest.fixture
def seen(monkeypatch: pytest.MonkeyPatch) -> set[str]:
    asked: set[str] = set()
    original = flask_babel.Domain.get_translations
    monkeypatch.setattr(flask_babel.Domain, "get_translations",
                        lambda self: _Recording(original(self), asked))
    return asked


def _urls(app, fills: dict[str, list[Any]]) -> tuple[list[str], list[str]]:  # noqa: ANN001
    urls, unfilled = [], []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in SKIP_ENDPOINTS or rule.endpoint.startswith(NOT_PAGES):
            continue
        if "preview" in rule.endpoint:
            continue  # SVG images, no text to translate
        args = sorted(rule.arguments)
        if any(a not in fills for a in args):
            unfilled.append(rule.rule)
            continue
        combos = [{}]
        for a in args:
            combos = [{**c, a: v} for c in combos for v in fills[a]]
        with app.test_request_context():
            urls += [flask_babel_url(rule.endpoint, c) for c in combos]
    return sorted(set(urls)), unfilled


def flask_babel_url(endpoint: str, values: dict[str, Any]) -> str:
    from flask import url_for

    return url_for(endpoint, **values)


def _set_language(client, lang: str) -> None:  # noqa: ANN001
    r = client.post("/lang", data={"lang": lang, "csrf_token": page_token(client, "/login"), "next": "/"})
    assert r.status_code == 302


def test_every_page_in_both_languages(app, client, accounts, fablab_env, seen) -> None:  # noqa: ANN001
    jobs = [make_job(fablab_env, "member", state, session_label="atelier" if state == "pending_review" else None)
            # running last: laser-1 takes one run at a time, and completed/failed passed through running
            for state in ("pending_review", "invalid", "completed", "failed", "interrupted", "rejected", "running")]
    jobs.append(make_job(fablab_env, "trainee", "pending_review", session_label="atelier"))
    every = make_job(fablab_env, "member", "ready")
    with fablab_env.session() as s:
        job = s.get(Job, every)
        job.analysis, job.program_info = every_code_analysis(), program_info()
        s.commit()
    jobs.append(every)
    said: dict[str, dict[str, str]] = {"fr": {}, "en": {}}
    passwords = {name: a.password for name, a in accounts.items()}
    with fablab_env.session() as s:
        for role in ("trainer", "admin"):
            create_user(s, role, f"{role}-pw", role=role)
            passwords[role] = f"{role}-pw"
        trainer = get_user(s, "trainer")
        ws = workshops.create_session(s, fablab_env.spec(), trainer, "Atelier", ["laser"])
        workshops.join_session(s, get_user(s, "trainee"), ws.code)
        fills = {"job_id": jobs, "label": ["atelier"], "session_id": [ws.id], "user_id": [get_user(s, "member").id]}
        s.commit()
    urls, unfilled = _urls(app, fills)
    assert not unfilled, f"pages this test cannot reach (give their arguments a value): {unfilled}"
    fr = french()
    msgids = {m for m, areas in fr.items() if any(t != m for t in areas.values())}
    # The fablab's own words from machines.yaml (machine names, tier and training labels) are data,
    # shown as written in either language.
    data = set(_strings(fablab_env.spec().model_dump()))
    french_texts = {t for areas in fr.values() for t in areas.values() if isinstance(t, str) and t not in fr} - data
    problems: list[str] = []
    roles: list[str | None] = [None, *passwords]
    for role in roles:
        for lang in ("fr", "en"):
            client.cookie_jar.clear() if hasattr(client, "cookie_jar") else None
            client.get("/login")  # fresh session cookie is fine: logging in below resets it
            if role is not None:
                token = page_token(client, "/login")
                r = client.post("/login", data={"username": role, "password": passwords[role],
                                                "csrf_token": token})
                assert r.status_code == 302
            _set_language(client, lang)
            for url in (urls if role else ["/login", "/jobs"]):
                seen.clear()
                r = client.get(url, follow_redirects=True)
                if r.status_code not in (200, 403, 404):
                    problems.append(f"{role}/{lang} {url}: {r.status_code}")
                if "html" not in r.content_type:
                    continue  # a CSV export or an image: no page text
                where = f"{role or 'anonymous'}/{lang} {url}"
                problems += _check(where, lang, page_texts(r.get_data(as_text=True)), seen, fr, msgids, french_texts)
                if url == f"/jobs/{every}" and r.status_code == 200:
                    said[lang].update(_issue_sentences(where, r.get_data(as_text=True), problems))
        client.post("/logout", data={"csrf_token": page_token(client, "/login")})
    assert said["fr"] and said["fr"].keys() == said["en"].keys()
    problems += [f"issue {key} reads the same in French and English: {text!r}" for key, text in said["fr"].items()
                 if said["en"][key] == text]
    assert not problems, "\n".join(sorted(set(problems))[:60])


def _issue_sentences(where: str, html: str, problems: list[str]) -> dict[str, str]:
    """Each issue of the page as (code, location) -> its sentence; a bare code, a missing
    sentence or a left-over `%(...)s` is a problem."""
    out = {}
    for n, item in enumerate(page(html).select("li.issue")):
        code, text = item.get("data-code", ""), text_of(item.select_one(".issue-head strong"))
        if not text or text == code or "%(" in text:
            problems.append(f"{where}: issue {code} not said as a sentence: {text!r}")
        out[f"{n}:{code}"] = text
    return out


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list | tuple):
        return [s for v in value for s in _strings(v)]
    return []


def _check(where: str, lang: str, texts: list[str], asked: set[str], fr: dict, msgids: set[str],
           french_texts: set[str]) -> list[str]:
    out = []
    for text in texts:
        if RAW.search(text):
            out.append(f"{where}: raw value shown: {text!r}")
    if lang == "fr":
        out += [f"{where}: no French for {m!r}" for m in asked if not any((fr.get(m) or {}).values())]
        out += [f"{where}: English left on a French page: {t!r}" for t in texts if t in msgids]
    else:
        out += [f"{where}: French on an English page: {t!r}" for t in texts if t in french_texts]
        out += [f"{where}: French typography on an English page: {t!r}" for t in texts
                if FRENCH_TYPOGRAPHY.search(t)]
    return out
