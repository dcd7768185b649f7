"""Cross-site requests cannot drive the JSON API with the session cookie; the language switch;
the OpenAPI description covers every API route."""

from __future__ import annotations

import io
import re

from web_helpers import SVG, csrf_of, job_state, make_job, page, page_token, text_of


def test_session_cookie_alone_cannot_write_through_the_api(client, accounts, login, fablab_env) -> None:  # noqa: ANN001
    job_id = make_job(fablab_env, "member", "pending_review")
    login(accounts["fabmanager"])
    # what a cross-site form could send: the cookie rides along, no custom header is possible
    r = client.post(f"/api/v1/jobs/{job_id}/reject", data={"reason": "csrf"})
    assert r.status_code == 403 and "X-CSRFToken" in r.json["error"]
    r = client.post(f"/api/v1/jobs/{job_id}/approve", json={"machine": "laser-1"},
                    headers={"X-CSRFToken": "forged"})
    assert r.status_code == 403
    r = client.post("/api/v1/jobs", data={"process": "laser", "file": (io.BytesIO(SVG), "a.svg")})
    assert r.status_code == 403
    assert job_state(fablab_env, job_id) == "pending_review"
    # reading with the cookie is fine, and the page's token makes writes work
    assert client.get(f"/api/v1/jobs/{job_id}").status_code == 200
    r = client.post(f"/api/v1/jobs/{job_id}/approve", json={"machine": "laser-1"},
                    headers={"X-CSRFToken": page_token(client, "/queue")})
    assert r.status_code == 200 and r.json["state"] == "preparing"


def test_bearer_token_needs_no_csrf_header(client, accounts, fablab_env) -> None:  # noqa: ANN001
    job_id = make_job(fablab_env, "member", "pending_review")
    r = client.post(f"/api/v1/jobs/{job_id}/reject", headers=accounts["fabmanager"].headers, json={"reason": "x"})
    assert r.status_code == 200 and r.json["state"] == "rejected"


def test_language_switch_is_kept_in_session_and_account(app, accounts, login, client, fablab_env) -> None:  # noqa: ANN001
    html = client.get("/login").get_data(as_text=True)
    assert page(html).html["lang"] == "fr" and text_of(page(html).select_one("h1")) == "Connexion"
    r = client.post("/lang", data={"lang": "en", "next": "/login", "csrf_token": csrf_of(html)})
    assert r.status_code == 302 and r.location == "/login"
    doc = page(client.get("/login").get_data(as_text=True))
    assert doc.html["lang"] == "en" and text_of(doc.select_one("h1")) == "Log in"
    login(accounts["member"])
    assert text_of(page(client.get("/jobs").get_data(as_text=True)).select_one("h1")) == "My jobs"
    # saved on the account: a new browser session starts in English
    fresh = app.test_client()
    token = csrf_of(fresh.get("/login").get_data(as_text=True))
    fresh.post("/login", data={"username": "member", "password": "member-pw", "csrf_token": token})
    assert page(fresh.get("/jobs").get_data(as_text=True)).html["lang"] == "en"
    # refused: unknown language, no token, off-site next
    assert client.post("/lang", data={"lang": "de", "csrf_token": token}).status_code == 400
    assert client.post("/lang", data={"lang": "fr"}).status_code == 400
    r = client.post("/lang", data={"lang": "fr", "next": "//evil.example", "csrf_token": page_token(client)})
    assert r.status_code == 302 and "evil" not in r.location


def test_openapi_describes_every_api_route(app, client) -> None:  # noqa: ANN001
    doc = client.get("/api/v1/openapi.json").json
    assert doc["openapi"].startswith("3.") and doc["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    described = {(path, method) for path, ops in doc["paths"].items() for method in ops}
    routes = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        if rule.rule == "/api/v1/openapi.json":
            continue
        path = re.sub(r"<(?:[a-z]+(?:\([^)]*\))?:)?([a-z_]+)>", r"{\1}", rule.rule)
        routes |= {(path, m.lower()) for m in rule.methods - {"HEAD", "OPTIONS"}}
    assert routes == described
    refs = str(doc).count("#/components/schemas/")
    names = {n.split(".")[-1] for n in doc["components"]["schemas"]}
    assert refs and {"JobOut", "Issue", "MachineDayOut", "ErrorBody"} <= names, names


def test_pages_carry_a_strict_content_security_policy(client, accounts, login, fablab_env) -> None:  # noqa: ANN001
    job_id = make_job(fablab_env, "member", "ready")
    login(accounts["member"])
    for path in ("/jobs", f"/jobs/{job_id}", "/upload", "/login"):
        r = client.get(path)
        csp = r.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp, path
        scripts = page(r.get_data(as_text=True)).select("script")
        assert all(s.get("src", "").startswith("/static/") and not s.get_text().strip() for s in scripts), path
        assert not page(r.get_data(as_text=True)).select("[onclick], [onload], [onerror], [onsubmit]"), path
    assert "sandbox" in client.get(f"/jobs/{job_id}/preview/program").headers["Content-Security-Policy"]
