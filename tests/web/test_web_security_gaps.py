"""Issue 10 item 3: no off-site redirect, login rate limits, API tokens with a name, an expiry
and revocation, sessions that end on the server, a trusted reverse proxy, security headers
on every response."""

from __future__ import annotations

import datetime as dt

import pytest
from web_helpers import csrf_of, page, page_token, text_of

from jobqueue.models import ApiToken, User
from jobqueue.users import get_user, set_password

OFF_SITE = ["/%09/evil.example", "/\t/evil.example", "//evil.example", "/\\evil.example", "https://evil.example/",
            "/\n/evil.example", "http:/evil.example", " //evil.example"]


def _post_login(client, username: str, password: str, next_: str | None = None):  # noqa: ANN001, ANN202
    token = csrf_of(client.get("/login").get_data(as_text=True))
    url = "/login" + (f"?next={next_}" if next_ is not None else "")
    return client.post(url, data={"username": username, "password": password, "csrf_token": token})


@pytest.mark.parametrize("target", OFF_SITE)
def test_login_never_redirects_off_site(app, accounts, target) -> None:  # noqa: ANN001
    r = _post_login(app.test_client(), "member", "member-pw", target)
    assert r.status_code == 302 and r.location.startswith("/") and not r.location.startswith("//"), r.location
    assert "evil" not in r.location


def test_lang_never_redirects_off_site(client) -> None:  # noqa: ANN001
    for target in OFF_SITE:
        r = client.post("/lang", data={"lang": "en", "next": target, "csrf_token": page_token(client, "/login")})
        assert r.status_code == 302 and "evil" not in r.location, (target, r.location)
    r = client.post("/lang", data={"lang": "fr", "next": "/jobs?all=1", "csrf_token": page_token(client, "/login")})
    assert r.location == "/jobs?all=1"


def test_login_is_limited_per_account(app, accounts, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("FABLAB_LOGIN_LIMIT_ACCOUNT", "3 per 10 minutes")
    client = app.test_client()
    for _ in range(3):
        assert _post_login(client, "member", "wrong").status_code == 200
    r = _post_login(client, "member", "member-pw")
    assert r.status_code == 429 and "Trop d'essais" in text_of(page(r.get_data(as_text=True)))
    assert _post_login(app.test_client(), "MEMBER", "wrong").status_code == 429  # the name, however typed
    assert _post_login(client, "trainee", "trainee-pw").status_code == 302  # other accounts are not locked


def test_login_is_limited_per_client(app, accounts, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("FABLAB_LOGIN_LIMIT_CLIENT", "4 per 10 minutes")
    client = app.test_client()
    assert _post_login(client, "member", "member-pw").status_code == 302  # successes do not count
    for i in range(4):
        assert _post_login(client, f"nobody{i}", "x").status_code == 200
    assert _post_login(client, "fabmanager", "fabmanager-pw").status_code == 429
    other = app.test_client()  # another address is not limited
    r = other.post("/login", environ_base={"REMOTE_ADDR": "10.0.0.9"},
                   data={"username": "fabmanager", "password": "fabmanager-pw",
                         "csrf_token": csrf_of(other.get("/login").get_data(as_text=True))})
    assert r.status_code == 302


def test_unknown_user_costs_a_password_check(fablab_env, accounts, monkeypatch) -> None:  # noqa: ANN001
    """Equal timing: the unknown name is checked against a hash of the same cost (timing: see bench)."""
    import jobqueue.users as users

    checked: list[str] = []
    real = users.check_password_hash
    monkeypatch.setattr(users, "check_password_hash", lambda h, p: checked.append(h.split("$")[0]) or real(h, p))
    with fablab_env.session() as s:
        assert users.authenticate(s, "ghost", "x") is None
        assert users.authenticate(s, "member", "x") is None
        assert users.authenticate(s, "member", "member-pw") is not None
    assert len(checked) == 3 and len(set(checked)) == 1, checked  # same method and cost each time


@pytest.mark.both_engines
def test_logout_ends_the_session_on_the_server(app, accounts, login, client) -> None:  # noqa: ANN001
    login(accounts["member"])
    stolen = client.get_cookie("session").value
    assert client.get("/jobs").status_code == 200
    client.post("/logout", data={"csrf_token": page_token(client, "/jobs")})
    replay = app.test_client()
    replay.set_cookie("session", stolen)
    r = replay.get("/jobs")
    assert r.status_code == 302 and "/login" in r.location
    assert replay.get("/api/v1/jobs").status_code == 401


def _session_token(client, account, login, **body):  # noqa: ANN001, ANN202
    login(account)
    return client.post("/api/v1/tokens", json=body, headers={"X-CSRFToken": page_token(client, "/jobs")})


@pytest.mark.both_engines
def test_tokens_named_listed_revoked(app, accounts, login, client) -> None:  # noqa: ANN001
    r = _session_token(client, accounts["member"], login, name="atelier laptop", days=30)
    assert r.status_code == 201, r.json
    made = r.json
    assert made["name"] == "atelier laptop" and made["status"] == "active" and made["token"].startswith("fl_")
    expires = dt.datetime.fromisoformat(made["expires_at"])
    assert dt.timedelta(days=29) < expires - dt.datetime.now(dt.UTC) <= dt.timedelta(days=30)
    bearer = {"Authorization": f"Bearer {made['token']}"}
    listed = app.test_client().get("/api/v1/tokens", headers=bearer).json["tokens"]
    assert [t["name"] for t in listed][0] == "atelier laptop" and all("token" not in t for t in listed)
    # a token cannot mint a token
    r = app.test_client().post("/api/v1/tokens", headers=bearer, json={"name": "x"})
    assert r.status_code == 403 and r.json["code"] == "session_required"
    # nobody else's token can be revoked
    other = app.test_client().delete(f"/api/v1/tokens/{made['id']}", headers=accounts["trainee"].headers)
    assert other.status_code == 404
    r = client.delete(f"/api/v1/tokens/{made['id']}", headers={"X-CSRFToken": page_token(client, "/jobs")})
    assert r.status_code == 200 and r.json["status"] == "revoked"
    assert app.test_client().get("/api/v1/jobs", headers=bearer).status_code == 401
    assert _session_token(client, accounts["member"], login, days=0).status_code == 400
    assert _session_token(client, accounts["member"], login, name="n" * 65).status_code == 400


@pytest.mark.both_engines
def test_expired_token_is_refused(app, accounts, fablab_env) -> None:  # noqa: ANN001
    client = app.test_client()
    assert client.get("/api/v1/jobs", headers=accounts["member"].headers).status_code == 200
    with fablab_env.session() as s:
        for row in s.query(ApiToken).all():
            row.expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    r = client.get("/api/v1/jobs", headers=accounts["member"].headers)
    assert r.status_code == 401 and r.json["code"] == "invalid_token"


@pytest.mark.both_engines
def test_password_change_revokes_tokens_and_sessions(app, accounts, login, client, fablab_env) -> None:  # noqa: ANN001
    login(accounts["member"])
    assert client.get("/jobs").status_code == 200
    with fablab_env.session() as s:
        set_password(get_user(s, "member"), "new-pw")
    assert app.test_client().get("/api/v1/jobs", headers=accounts["member"].headers).status_code == 401
    assert client.get("/jobs").status_code == 302
    assert app.test_client().get("/api/v1/jobs", headers=accounts["trainee"].headers).status_code == 200
    with fablab_env.session() as s:
        assert s.query(User).filter_by(username="member").one().session_nonce


def test_token_cli_create_list_revoke(accounts, fablab_env, client) -> None:  # noqa: ANN001
    import subprocess
    import sys

    def cli(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "jobqueue.cli.main", "token", *args],
                              capture_output=True, text=True, timeout=60)

    made = cli("create", "member", "--name", "script imprimante", "--days", "7")
    assert made.returncode == 0, made.stderr
    token = made.stdout.strip()
    assert client.get("/api/v1/machines", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    listed = cli("list", "member")
    line = next(li for li in listed.stdout.splitlines() if "script imprimante" in li)
    assert "active" in line
    token_id = line.split()[0]
    assert cli("revoke", "member", token_id).returncode == 0
    assert "revoked" in next(li for li in cli("list", "member").stdout.splitlines() if "script imprimante" in li)
    assert client.get("/api/v1/machines", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert cli("revoke", "trainee", token_id).returncode == 1


def test_secure_cookie_behind_a_trusted_proxy(fablab_env, accounts, monkeypatch) -> None:  # noqa: ANN001
    from web.app import create_app

    def login_cookie(app, headers: dict) -> str:  # noqa: ANN001
        client = app.test_client()
        token = csrf_of(client.get("/login", headers=headers).get_data(as_text=True))
        r = client.post("/login", headers=headers, data={"username": "member", "password": "member-pw",
                                                          "csrf_token": token})
        assert r.status_code == 302
        return r.headers["Set-Cookie"]

    https = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7", "Referer": "https://localhost/login"}
    assert "Secure" not in login_cookie(create_app(fablab_env, testing=True), https)  # no proxy trusted
    monkeypatch.setenv("FABLAB_TRUSTED_PROXIES", "1")
    app = create_app(fablab_env, testing=True)
    cookie = login_cookie(app, https)
    assert "Secure" in cookie and "HttpOnly" in cookie
    r = app.test_client().get("/login", headers=https)
    assert r.headers["Strict-Transport-Security"].startswith("max-age=")
    monkeypatch.setenv("FABLAB_TRUSTED_PROXIES", "many")
    with pytest.raises(RuntimeError, match="FABLAB_TRUSTED_PROXIES"):
        create_app(fablab_env, testing=True)


def test_security_headers_on_every_response(client, accounts) -> None:  # noqa: ANN001
    responses = {
        "api": client.get("/api/v1/machines", headers=accounts["member"].headers),
        "api error": client.get("/api/v1/jobs/99", headers=accounts["member"].headers),
        "api 401": client.get("/api/v1/jobs"),
        "openapi": client.get("/api/v1/openapi.json"),
        "static": client.get("/static/style.css"),
        "page 404": client.get("/no-such-page"),
        "login": client.get("/login"),
    }
    for what, r in responses.items():
        assert r.headers.get("X-Content-Type-Options") == "nosniff", what
        assert r.headers.get("X-Frame-Options") == "DENY", what
        assert "frame-ancestors 'none'" in r.headers.get("Content-Security-Policy", ""), what
        assert r.headers.get("Referrer-Policy"), what
    assert "script-src 'self'" in responses["login"].headers["Content-Security-Policy"]
    assert responses["api"].headers["Cache-Control"] == "no-store"
