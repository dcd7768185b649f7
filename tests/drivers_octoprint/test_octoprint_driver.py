"""OctoPrintDriver against a real OctoPrint server and its Virtual Printer."""

from __future__ import annotations

import threading
import time

import pytest
from octoprint_server import FIRST_TEST_TIMEOUT_S, wait_for_state

from drivers.base import Cancelled, DisconnectedError, DriverError, FirmwareError, Progress
from drivers.octoprint import ACTIVE_STATES, OctoPrintDriver
from drivers.octoprint_client import OctoPrintClient
from drivers.octoprint_program import build_upload

pytestmark = [pytest.mark.octoprint, pytest.mark.slow, pytest.mark.timeout(FIRST_TEST_TIMEOUT_S)]


def program(moves: int, feed: int = 1200, comment: str = "") -> list[str]:
    """A small FDM-like program; each 10 mm move takes 1/10 of its real time on the Virtual Printer."""
    head = [f"; fablab test {comment}", "G21", "G90", "M82", "M104 S40", "M140 S30", "G28", "G92 E0"]
    body = [f"G1 X{10 * (i % 2) + 5} Y{5 + i % 3} E{0.1 * i:.2f} F{feed}" for i in range(moves)]
    return [*head, *body, "M104 S0", "M140 S0", "M84"]


def watch(stop_when) -> tuple[list[Progress], threading.Event, callable]:
    """Collect progress events; set the returned event the first time `stop_when(event)` holds."""
    events: list[Progress] = []
    reached = threading.Event()

    def on_progress(event: Progress) -> None:
        events.append(event)
        if stop_when(event):
            reached.set()

    return events, reached, on_progress


def test_print_completes_with_progress_events(driver: OctoPrintDriver, octoprint) -> None:
    lines = program(60, feed=3000, comment="pièce d'essai")  # accents: bytes != characters
    events: list[Progress] = []
    result = driver.stream(lines, on_progress=events.append)

    assert result.lines_acked == len(lines)
    assert result.bytes_sent == len(build_upload(lines).content)
    assert events, "no progress event"
    acked = [e.lines_acked for e in events]
    assert acked == sorted(acked), "lines acknowledged went backwards"
    assert all(e.lines_total == len(lines) for e in events)
    assert {"Printing", "Operational"} & {e.state for e in events}
    assert events[-1].lines_acked == len(lines) and events[-1].percent == 100.0
    assert octoprint.get("/api/job").json()["state"] == "Operational"
    # the uploaded file is removed once the job is over
    path = result.extra["octoprint_file"]
    assert octoprint.get(f"/api/files/local/{path}").status_code == 404


def test_temperatures_reported_from_printer(driver: OctoPrintDriver) -> None:
    events, reached, on_progress = watch(lambda e: bool(e.temperatures and "tool0" in e.temperatures))
    lines = program(60, feed=600)  # a few seconds of motion...
    lines.insert(1, "M155 S1")  # ...with a temperature report every second (Marlin auto-report)
    driver.stream(lines, on_progress=on_progress)
    temps = [e.temperatures for e in events if e.temperatures]
    assert temps, "no temperatures in any progress event"
    assert any(t.get("tool0_target") == 40.0 for t in temps)
    assert all(isinstance(v, float) for t in temps for v in t.values())


def test_pause_then_resume_from_another_thread(driver: OctoPrintDriver) -> None:
    lines = program(150, feed=1200)
    events, started, on_progress = watch(lambda e: e.state == "Printing" and e.lines_acked > 10)
    outcome: dict[str, object] = {}

    def control() -> None:
        if not started.wait(30):
            outcome["error"] = "never started printing"
            return
        driver.pause()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and (driver.status() or Progress(0, 0, 0)).state != "Paused":
            time.sleep(0.05)
        outcome["paused_at"] = driver.status().lines_acked
        seen = len(events)
        while time.monotonic() < deadline and len(events) < seen + 3:  # three polls while paused
            time.sleep(0.05)
        outcome["while_paused"] = [(e.state, e.lines_acked) for e in events[seen:]]
        driver.resume()

    thread = threading.Thread(target=control)
    thread.start()
    result = driver.stream(lines, on_progress=on_progress)
    thread.join(30)

    assert "error" not in outcome
    assert result.lines_acked == len(lines)
    paused = outcome["while_paused"]
    assert len(paused) >= 3 and all(state == "Paused" for state, _ in paused)
    assert {acked for _, acked in paused} == {outcome["paused_at"]}, "lines advanced while paused"
    assert outcome["paused_at"] < len(lines)
    assert events[-1].state == "Operational"


def test_cancel_from_another_thread_leaves_printer_idle_and_cool(driver: OctoPrintDriver, octoprint) -> None:
    lines = program(400, feed=1200)  # ~20 s if nobody cancels it
    events, started, on_progress = watch(lambda e: e.state == "Printing" and e.lines_acked > 10)

    def control() -> None:
        if started.wait(30):
            driver.cancel()

    thread = threading.Thread(target=control)
    thread.start()
    with pytest.raises(Cancelled) as caught:
        driver.stream(lines, on_progress=on_progress)
    thread.join(30)

    assert 10 < caught.value.lines_acked < len(lines)
    assert "cancelled" in str(caught.value)
    assert wait_for_state(octoprint, {"Operational"}) == "Operational"
    assert not [f for f in octoprint.get("/api/files/local").json()["files"] if f["name"].startswith("fablab-")]
    # OctoPrint's afterPrintCancelled script switched the heaters off
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        temps = octoprint.get("/api/printer").json()["temperature"]
        if temps["tool0"]["target"] == 0 and temps["bed"]["target"] == 0:
            break
        time.sleep(0.1)
    assert temps["tool0"]["target"] == 0 and temps["bed"]["target"] == 0


def test_print_stopped_on_the_server_is_cancelled(driver: OctoPrintDriver, octoprint) -> None:
    """Someone presses Cancel in OctoPrint's own web page: stream() ends with Cancelled."""
    lines = program(400, feed=1200)
    events, started, on_progress = watch(lambda e: e.state == "Printing" and e.lines_acked > 5)

    def control() -> None:
        if started.wait(30):
            octoprint.post("/api/job", {"command": "cancel"})

    thread = threading.Thread(target=control)
    thread.start()
    with pytest.raises(Cancelled, match="OctoPrint server"):
        driver.stream(lines, on_progress=on_progress)
    thread.join(30)


def test_cancel_before_stream_is_not_sticky(driver: OctoPrintDriver) -> None:
    driver.cancel()  # nothing printing: a no-op, and it must not cancel the next job
    driver.pause()
    driver.resume()
    lines = program(5, feed=6000)
    assert driver.stream(lines).lines_acked == len(lines)


def test_resume_from_a_line_uploads_preamble_and_counts_from_there(driver: OctoPrintDriver) -> None:
    lines = program(30, feed=3000)
    events: list[Progress] = []
    result = driver.stream(lines, start_line=20, on_progress=events.append)
    assert result.lines_acked == len(lines)
    assert result.extra["preamble_lines"] > 0
    assert all(e.lines_acked >= 20 for e in events)


def test_firmware_fatal_error_is_a_firmware_error(driver: OctoPrintDriver, octoprint) -> None:
    lines = program(20, feed=3000)
    lines.insert(15, "!!DEBUG:trigger_fatal_error_marlin")
    with pytest.raises(FirmwareError) as caught:
        driver.stream(lines)
    assert "kill() called" in caught.value.meaning  # the firmware's own words reach the user
    assert caught.value.line_index is None  # OctoPrint does not say which line it was
    assert 0 <= caught.value.lines_acked < len(lines)
    # the driver reconnects the printer for the next job
    driver.connect(timeout=30)
    assert octoprint.get("/api/job").json()["state"] == "Operational"


def test_busy_printer_is_refused(driver: OctoPrintDriver, octoprint, api_key_env: str) -> None:
    """A second driver (another worker) must not upload over a job that is running."""
    lines = program(400, feed=1200)
    events, started, on_progress = watch(lambda e: e.state == "Printing")
    outcome: dict[str, BaseException] = {}

    def second_worker() -> None:
        if started.wait(30):
            other = OctoPrintDriver(octoprint.url, api_key_env, timeout=5, poll_interval=0.1)
            try:
                other.stream(program(3))
            except BaseException as exc:  # noqa: BLE001 - recorded for the assertion below
                outcome["error"] = exc
            finally:
                other.close()
        driver.cancel()

    thread = threading.Thread(target=second_worker)
    thread.start()
    with pytest.raises(Cancelled):
        driver.stream(lines, on_progress=on_progress)
    thread.join(30)
    assert "busy" in str(outcome.get("error"))


def test_link_lost_mid_print_is_disconnected(driver: OctoPrintDriver, octoprint) -> None:
    lines = program(20, feed=3000)
    lines.insert(12, "!!DEBUG:drop_connection")  # the Virtual Printer drops its serial link
    with pytest.raises(DisconnectedError, match="lost the printer") as caught:
        driver.stream(lines)
    assert caught.value.lines_acked < len(lines)


def _job_torn_down(job: dict) -> dict:
    """The answer OctoPrint gives between clearing a job and publishing its next state."""
    return {**job, "job": {**(job.get("job") or {}), "file": {"name": None, "path": None, "origin": None}}}


def test_job_cleared_before_its_state_is_not_another_job(driver: OctoPrintDriver, monkeypatch) -> None:
    """OctoPrint clears the job, then publishes the new state: a poll between the two sees
    "Printing" with no file (it failed CI once, on a dropped link). That is not a take-over."""
    real = OctoPrintClient.job_info
    torn = []

    def job_info(client: OctoPrintClient) -> dict:
        job = real(client)
        if job.get("state") == "Printing" and len(torn) < 3:
            torn.append(job)
            return _job_torn_down(job)
        return job

    monkeypatch.setattr(OctoPrintClient, "job_info", job_info)
    lines = program(30, feed=3000)
    result = driver.stream(lines)
    assert len(torn) == 3, "the print never reached Printing"
    assert result.lines_acked == len(lines)


def test_print_without_a_file_for_too_long_is_an_error(octoprint, api_key_env: str, monkeypatch) -> None:
    drv = OctoPrintDriver(octoprint.url, api_key_env, timeout=5.0, poll_interval=0.1, printer_port="VIRTUAL",
                          link_grace=1.0)
    drv.connect(timeout=30)
    real = OctoPrintClient.job_info

    def job_info(client: OctoPrintClient) -> dict:
        job = real(client)
        return _job_torn_down(job) if job.get("state") in ACTIVE_STATES else job

    monkeypatch.setattr(OctoPrintClient, "job_info", job_info)
    try:
        with pytest.raises(DriverError, match="without a file") as caught:
            drv.stream(program(400, feed=600))
        assert "another job" not in str(caught.value)
    finally:
        drv.close()
        octoprint.post("/api/job", {"command": "cancel"})
        wait_for_state(octoprint, {"Operational", "Offline", "Offline after error", "Error"})


def test_invalid_printer_port_is_refused(octoprint, api_key_env: str) -> None:
    octoprint.post("/api/connection", {"command": "disconnect"})
    wait_for_state(octoprint, {"Offline", "Offline after error"})
    drv = OctoPrintDriver(octoprint.url, api_key_env, timeout=5, printer_port="/dev/ttyFABLAB-NOPE")
    with pytest.raises(DriverError, match="port is invalid"):
        drv.connect(timeout=10)
    drv.close()
