"""The machine day's fixtures: the browser ones come from tests/browser_fixtures.py (a plugin of
the root conftest, so one Chromium serves every folder)."""
