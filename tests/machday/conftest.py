"""The machine day's fixtures: the browser ones are shared with tests/web (tests/browser_fixtures.py)."""

from browser_fixtures import browser_page, chromium, live_server  # noqa: F401
