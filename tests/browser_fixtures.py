"""Browser-test fixtures shared by test folders: the app on a real HTTP server and headless
Chromium (Playwright) on it. A plugin of the root conftest: one session Chromium for all folders."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

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


def browser_login(page, account) -> None:  # noqa: ANN001
    page.goto("/login")
    page.fill("input[name=username]", account.username)
    page.fill("input[name=password]", account.password)
    page.click("main form button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)
