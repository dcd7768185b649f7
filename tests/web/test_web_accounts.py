"""Accounts in the browser: the fabmanager creates, imports a roster, deactivates (no login, no
token any more), resets a password; each user changes their password and revokes a token."""

from __future__ import annotations

import io
import re

from web_helpers import flashes, page, page_token, text_of

from jobqueue.models import User
from jobqueue.users import get_user


def _login(app, name: str, password: str):  # noqa: ANN001, ANN202
    c = app.test_client()
    r = c.post("/login", data={"username": name, "password": password, "csrf_token": page_token(c, "/login")})
    return c, r.status_code == 302


def test_fabmanager_manages_accounts_and_members_their_own(app, accounts, fablab_env) -> None:  # noqa: ANN001
    fab, ok = _login(app, "fabmanager", "fabmanager-pw")
    assert ok
    doc = page(fab.get("/users").get_data(as_text=True))
    assert doc.select_one('tr[data-user="member"]')
    roles = [o["value"] for o in doc.select('select[name="role"] option')]
    assert roles and "admin" not in roles  # a fabmanager names no admin
    r = fab.post("/users", data={"username": "lea", "role": "trainer", "tier": "member", "language": "en",
                                 "email": "lea@example.org", "csrf_token": page_token(fab, "/users")},
                 follow_redirects=True)
    first = one_time(r, r"affiché une seule fois\) : ([\w-]+)")
    assert _login(app, "lea", first)[1]
    roster = "nom;e-mail;rôle\nAda Lovelace;ada@example.org;trainee\nBad Role;bad@example.org;emperor\n" \
             "Sans mail;;\n"
    r = fab.post("/users/import", data={"roster-roster": (io.BytesIO(roster.encode()), "classe.csv"),
                                        "roster-tier": "training", "roster-csrf_token": page_token(fab, "/users")},
                 content_type="multipart/form-data")
    doc = page(r.get_data(as_text=True))
    created = {tr["data-user"]: text_of(tr.select_one("code")) for tr in doc.select("tr[data-user]")}
    assert {"ada", "sans.mail"} <= set(created) and all(created.values())  # each with its first password
    assert "emperor" in text_of(doc.select_one('li[data-code="role_not_assignable"]'))
    with fablab_env.session() as s:
        ada = get_user(s, "ada")
        assert (ada.role, ada.tier, ada.email, ada.display_name) == ("trainee", "training", "ada@example.org",
                                                                     "Ada Lovelace")
        member_id = get_user(s, "member").id
    # deactivation: no login, no API token
    assert app.test_client().get("/api/v1/jobs", headers=accounts["member"].headers).status_code == 200
    member, _ok = _login(app, "member", "member-pw")
    r = fab.post(f"/users/{member_id}", data={"role": "member", "tier": "member", "language": "fr", "email": "",
                                              "csrf_token": page_token(fab, "/users")})  # `active` unticked
    assert r.status_code == 302
    assert app.test_client().get("/api/v1/jobs", headers=accounts["member"].headers).status_code == 401
    assert not _login(app, "member", "member-pw")[1]
    assert member.get("/jobs").status_code == 302  # the open session ended too
    r = fab.post(f"/users/{member_id}", data={"role": "member", "tier": "member", "language": "fr", "email": "",
                                              "active": "y", "csrf_token": page_token(fab, "/users")})
    r = fab.post(f"/users/{member_id}/password", data={"csrf_token": page_token(fab, "/users")}, follow_redirects=True)
    new = one_time(r, r"\(affiché une seule fois\) : ([\w-]+)")
    member, ok = _login(app, "member", new)
    assert ok
    # each user: their password and their tokens
    r = member.post("/account", data={"pw-current": new, "pw-new": "un-mot-de-passe", "pw-csrf_token":
                                      page_token(member, "/account")})
    assert r.status_code == 302 and member.get("/account").status_code == 200  # still logged in
    assert _login(app, "member", "un-mot-de-passe")[1]
    r = member.post("/account/tokens", data={"tok-name": "mon script", "tok-days": "30",
                                             "tok-csrf_token": page_token(member, "/account")}, follow_redirects=True)
    token = one_time(r, r"copiez-le maintenant\) : (fl_[\w-]+)")
    assert app.test_client().get("/api/v1/jobs", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    [row] = [tr for tr in page(r.get_data(as_text=True)).select('tr[data-token][data-status="active"]')
             if text_of(tr.select_one("td")) == "mon script"]
    token_id = row["data-token"]
    member.post(f"/account/tokens/{token_id}/revoke", data={"csrf_token": page_token(member, "/account")})
    assert app.test_client().get("/api/v1/jobs", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    with fablab_env.session() as s:
        assert s.get(User, member_id).is_active


def one_time(r, pattern: str) -> str:  # noqa: ANN001 - a test response
    """The secret a flash message shows once (a first password, a new token)."""
    found = [m.group(1) for t in flashes(page(r.get_data(as_text=True))) if (m := re.search(pattern, t))]
    assert len(found) == 1, flashes(page(r.get_data(as_text=True)))
    return found[0]
