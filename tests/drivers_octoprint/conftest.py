"""Fixtures: one real OctoPrint server (Virtual Printer) per test session, a driver per test."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import octoprint_server  # noqa: E402  (helper beside this file, not a package)
from octoprint_server import wait_for_state  # noqa: E402

from drivers.octoprint import OctoPrintDriver  # noqa: E402

KEY_ENV = "FABLAB_TEST_OCTOPRINT_KEY"


def _live_printer(request: pytest.FixtureRequest) -> octoprint_server.Say:
    capture = request.config.pluginmanager.getplugin("capturemanager")

    def say(message: str) -> None:
        # Shown live even under pytest's capture, so CI logs show a long first install.
        with capture.global_and_fixture_disabled() if capture else contextlib.nullcontext():
            print(f"[octoprint] {message}", flush=True)

    return say


@pytest.fixture(scope="session")
def octoprint(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[octoprint_server.OctoPrintServer]:
    """Install (once, cached in .venv-octoprint/) and run OctoPrint on 127.0.0.1."""
    say = _live_printer(request)
    basedir = tmp_path_factory.mktemp("octoprint-basedir")
    try:
        server_cm = octoprint_server.running_server(basedir, say)
        server = server_cm.__enter__()
    except octoprint_server.OctoPrintUnavailable as exc:
        pytest.skip(f"OctoPrint could not be installed from PyPI (network?): {exc}")
    try:
        yield server
    finally:
        server_cm.__exit__(None, None, None)


@pytest.fixture
def api_key_env(octoprint: octoprint_server.OctoPrintServer, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv(KEY_ENV, octoprint.api_key)
    return KEY_ENV


@pytest.fixture
def driver(octoprint: octoprint_server.OctoPrintServer, api_key_env: str) -> Iterator[OctoPrintDriver]:
    """A connected driver on the Virtual Printer; the printer is left idle afterwards."""
    drv = OctoPrintDriver(octoprint.url, api_key_env, timeout=5.0, poll_interval=0.1, printer_port="VIRTUAL")
    drv.connect(timeout=30)
    yield drv
    drv.close()
    state = octoprint.get("/api/job").json().get("state")
    if state not in ("Operational", "Offline", "Offline after error", "Error"):
        octoprint.post("/api/job", {"command": "cancel"})
        wait_for_state(octoprint, {"Operational", "Offline", "Offline after error", "Error"})


@pytest.fixture
def private_octoprint(
    octoprint: octoprint_server.OctoPrintServer, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[octoprint_server.OctoPrintServer]:
    """A second OctoPrint of its own, for a test that kills it (needs the shared one's venv)."""
    with octoprint_server.running_server(tmp_path / "basedir", _live_printer(request)) as server:
        yield server
