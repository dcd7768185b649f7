"""Page-test fixtures: log in through the real login form (with its CSRF token); the app on a
real HTTP server and headless Chromium come from tests/browser_fixtures.py (a plugin of the root conftest)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from web_helpers import csrf_of


@pytest.fixture
def login(client) -> Callable:  # noqa: ANN001
    def _login(account):  # noqa: ANN001, ANN202
        token = csrf_of(client.get("/login").get_data(as_text=True))
        r = client.post("/login", data={"username": account.username, "password": account.password,
                                        "csrf_token": token})
        assert r.status_code == 302, r.get_data(as_text=True)
        return client
    return _login

