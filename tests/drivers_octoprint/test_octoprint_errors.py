"""Hostile conditions: wrong key, no key, server down, server hung, bad programs."""

from __future__ import annotations

import logging
import socket
import threading
import traceback
from collections.abc import Iterator

import pytest
from octoprint_server import FIRST_TEST_TIMEOUT_S, free_port

from drivers.base import DisconnectedError, DriverError, DriverTimeout
from drivers.octoprint import OctoPrintDriver
from drivers.octoprint_client import OctoPrintAuthError

SECRET = "sekrit-0123456789abcdef-do-not-leak"


def _everything_said(exc: BaseException, driver: OctoPrintDriver, caplog: pytest.LogCaptureFixture) -> str:
    return "\n".join(
        [str(exc), repr(exc), *traceback.format_exception(exc), repr(driver), str(vars(driver)), caplog.text]
    )


@pytest.mark.octoprint
@pytest.mark.slow
@pytest.mark.timeout(FIRST_TEST_TIMEOUT_S)
def test_wrong_api_key_is_a_clear_error_without_the_key(octoprint, monkeypatch, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("FABLAB_WRONG_KEY", SECRET)
    driver = OctoPrintDriver(octoprint.url, "FABLAB_WRONG_KEY", timeout=5)
    with pytest.raises(OctoPrintAuthError) as caught:
        driver.connect()
    assert caught.value.status == 403
    assert "403" in str(caught.value)
    assert SECRET not in _everything_said(caught.value, driver, caplog)
    with pytest.raises(OctoPrintAuthError):
        driver.stream(["G28"])
    driver.close()


@pytest.mark.octoprint
@pytest.mark.slow
@pytest.mark.timeout(FIRST_TEST_TIMEOUT_S)
def test_bad_programs_are_refused_before_anything_is_uploaded(driver: OctoPrintDriver, octoprint) -> None:
    before = octoprint.get("/api/files/local").json()["files"]
    with pytest.raises(ValueError, match="empty"):
        driver.stream([])
    with pytest.raises(ValueError, match="start_line"):
        driver.stream(["G28", "G1 X1"], start_line=2)
    with pytest.raises(ValueError, match="start_line"):
        driver.stream(["G28"], start_line=-1)
    with pytest.raises(ValueError, match="line 2"):
        driver.stream(["G28", "G1 X1\nM112"])
    with pytest.raises(ValueError, match="line 1"):
        driver.stream(["G1 X1\x00"])
    with pytest.raises(TypeError):
        driver.stream("G28\nG1 X1")  # one string, not lines
    with pytest.raises(TypeError):
        driver.stream([b"G28"])  # type: ignore[list-item]
    assert octoprint.get("/api/files/local").json()["files"] == before


@pytest.mark.octoprint
@pytest.mark.slow
@pytest.mark.timeout(FIRST_TEST_TIMEOUT_S)
def test_selecting_a_missing_file_is_a_driver_error(driver: OctoPrintDriver) -> None:
    # What happens if the upload vanished before select (someone deleted it in the UI).
    with pytest.raises(DriverError, match="404"):
        driver._call(lambda c: c.select("fablab-no-such-file.gcode", print=True))


def test_missing_env_variable_names_the_variable() -> None:
    with pytest.raises(DriverError, match="FABLAB_NO_SUCH_VARIABLE_XYZ"):
        OctoPrintDriver("http://127.0.0.1:1", "FABLAB_NO_SUCH_VARIABLE_XYZ")


@pytest.mark.parametrize("url", ["127.0.0.1:5000", "ftp://127.0.0.1", "http://", "socket://127.0.0.1:5000"])
def test_bad_url_is_refused(url: str, monkeypatch) -> None:
    monkeypatch.setenv("FABLAB_SOME_KEY", SECRET)
    with pytest.raises(ValueError):
        OctoPrintDriver(url, "FABLAB_SOME_KEY")


def test_server_down_is_disconnected(monkeypatch, caplog) -> None:
    monkeypatch.setenv("FABLAB_SOME_KEY", SECRET)
    driver = OctoPrintDriver(f"http://127.0.0.1:{free_port()}", "FABLAB_SOME_KEY", timeout=2)
    with pytest.raises(DisconnectedError) as caught:
        driver.connect()
    assert SECRET not in _everything_said(caught.value, driver, caplog)
    with pytest.raises(DisconnectedError):
        driver.stream(["G28"])
    with pytest.raises(DisconnectedError):
        driver.status()
    with pytest.raises(DisconnectedError):
        driver.pause()
    driver.cancel()  # never raises: the safety action is retried by a running stream
    driver.close()


@pytest.fixture
def silent_server() -> Iterator[str]:
    """A TCP server on 127.0.0.1 that accepts connections and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.settimeout(0.2)
    stop = threading.Event()
    held: list[socket.socket] = []

    def accept() -> None:
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    stop.set()
    thread.join(5)
    for conn in held:
        conn.close()
    listener.close()


def test_hung_server_times_out(silent_server: str, monkeypatch) -> None:
    monkeypatch.setenv("FABLAB_SOME_KEY", SECRET)
    driver = OctoPrintDriver(silent_server, "FABLAB_SOME_KEY", timeout=0.5)
    with pytest.raises(DriverTimeout) as caught:
        driver.connect()
    assert SECRET not in str(caught.value)
    with pytest.raises(DriverTimeout):
        driver.pause()  # control calls are bounded too
    driver.close()


@pytest.mark.octoprint
@pytest.mark.slow
@pytest.mark.timeout(FIRST_TEST_TIMEOUT_S)
def test_server_dying_mid_print_is_disconnected(private_octoprint, monkeypatch) -> None:
    monkeypatch.setenv("FABLAB_PRIVATE_KEY", private_octoprint.api_key)
    driver = OctoPrintDriver(
        private_octoprint.url, "FABLAB_PRIVATE_KEY", timeout=2, poll_interval=0.1, link_grace=1.0,
        printer_port="VIRTUAL",
    )
    driver.connect(timeout=30)
    lines = ["G28"] + [f"G1 X{10 * (i % 2)} F1200" for i in range(400)]
    printing = threading.Event()

    def kill_server() -> None:
        if printing.wait(30):
            private_octoprint.process.kill()

    def on_progress(event) -> None:
        if event.state == "Printing" and event.lines_acked > 5:
            printing.set()

    thread = threading.Thread(target=kill_server)
    thread.start()
    with pytest.raises(DisconnectedError, match="may still be running") as caught:
        driver.stream(lines, on_progress=on_progress)
    thread.join(30)
    assert 5 < caught.value.lines_acked < len(lines)
    driver.close()



def test_open_driver_builds_it_from_machines_yaml_fields(monkeypatch) -> None:
    from drivers import open_driver

    monkeypatch.setenv("FABLAB_SOME_KEY", SECRET)
    drv = open_driver("octoprint", "http://127.0.0.1:5000/", 0, api_key_env="FABLAB_SOME_KEY")
    assert isinstance(drv, OctoPrintDriver)
    assert (drv.url, drv.api_key_env) == ("http://127.0.0.1:5000", "FABLAB_SOME_KEY")
    assert SECRET not in repr(drv) and SECRET not in str(vars(drv))
    with pytest.raises(TypeError):
        open_driver("octoprint", "http://127.0.0.1:5000", 0)  # api_key_env is required
