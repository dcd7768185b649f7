"""Accounts in the browser: the fabmanager creates, imports a roster, deactivates (no login, no
token any more), resets a password; each user changes their password and revokes a token."""

from __future__ import annotations

import io
import re

from web_helpers import page_token

from jobqueue.models import User
from jobqueue.users import get_user


def _login(app, name: str, password: str):  # noqa: ANN001, ANN202
    c = app.test_client()
    r = c.post("/login", data={"username": name, "password": password, "csrf_token": page_token(c, "/login")})
    return c, r.status_code == 302


def test_fabmanager_manages_accounts_and_members_their_own(app, accounts, fablab_env) -> None:  # noqa: ANN001
    fab, ok = _login(app, "fabmanager", "fabmanager-pw")
    assert ok
    page = fab.get("/users").get_data(as_text=True)
    assert 'data-user="member"' in page and '<option value="admin">' not in page  # a fabmanager names no admin
    r = fab.post("/users", data={"username": "lea", "role": "trainer", "tier": "member", "language": "en",
                                 "email": "lea@example.org", "csrf_token": page_token(fab, "/users")},
                 follow_redirects=True)
    first = re.search(r"affiché une seule fois\) : ([\w-]+)", r.get_data(as_text=True)).group(1)
    assert _login(app, "lea", first)[1]
    roster = "nom;e-mail;rôle\nAda Lovelace;ada@example.org;trainee\nBad Role;bad@example.org;emperor\n" \
             "Sans mail;;\n"
    r = fab.post("/users/import", data={"roster-roster": (io.BytesIO(roster.encode()), "classe.csv"),
                                        "roster-tier": "training", "roster-csrf_token": page_token(fab, "/users")},
                 content_type="multipart/form-data")
    page = r.get_data(as_text=True)
    assert 'data-user="ada"' in page and 'data-user="sans.mail"' in page and 'data-code="role_not_assignable"' in page
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
    new = re.search(r"\(affiché une seule fois\) : ([\w-]+)", r.get_data(as_text=True)).group(1)
    member, ok = _login(app, "member", new)
    assert ok
    # each user: their password and their tokens
    r = member.post("/account", data={"pw-current": new, "pw-new": "un-mot-de-passe", "pw-csrf_token":
                                      page_token(member, "/account")})
    assert r.status_code == 302 and member.get("/account").status_code == 200  # still logged in
    assert _login(app, "member", "un-mot-de-passe")[1]
    r = member.post("/account/tokens", data={"tok-name": "mon script", "tok-days": "30",
                                             "tok-csrf_token": page_token(member, "/account")}, follow_redirects=True)
    token = re.search(r"copiez-le maintenant\) : (fl_[\w-]+)", r.get_data(as_text=True)).group(1)
    assert app.test_client().get("/api/v1/jobs", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    token_id = re.search(r'data-token="(\d+)" data-status="active"><td>mon script', r.get_data(as_text=True)).group(1)
    member.post(f"/account/tokens/{token_id}/revoke", data={"csrf_token": page_token(member, "/account")})
    assert app.test_client().get("/api/v1/jobs", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    with fablab_env.session() as s:
        assert s.get(User, member_id).is_active
