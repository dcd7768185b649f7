"""Page-test fixtures: log in through the real login form (with its CSRF token); the app on a
real HTTP server and headless Chromium for the browser tests."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from web_helpers import csrf_of
from werkzeug.serving import make_server


@pytest.fixture
def login(client) -> Callable:  # noqa: ANN001
    def _login(account):  # noqa: ANN001, ANN202
        token = csrf_of(client.get("/login").get_data(as_text=True))
        r = client.post("/login", data={"username": account.username, "password": account.password,
                                        "csrf_token": token})
        assert r.status_code == 302, r.get_data(as_text=True)
        return client
    return _login


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture
def live_server(app) -> Iterator[str]:  # noqa: ANN001
    """The app on a real HTTP server (threaded, for the SSE stream beside page loads)."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True, name="live-server")
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(10)


@pytest.fixture(scope="session")
def chromium() -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.skip("headless Chromium is not installed (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, timeout=60000)
        yield browser
        browser.close()


@pytest.fixture
def browser_page(chromium, live_server) -> Iterator[object]:  # noqa: ANN001
    """A fresh browser context (own cookies) on the live server; every wait bounded."""
    context = chromium.new_context(base_url=live_server, locale="fr-FR")
    context.set_default_timeout(15000)
    page = context.new_page()
    yield page
    context.close()

