"""OctoPrint driver: hand a whole program to an OctoPrint server and follow the print.

Unlike the serial drivers, OctoPrint does the line-by-line streaming itself; this driver
uploads `lines[start_line:]` as a .gcode file (after a modal-state preamble when resuming),
selects and prints it, then polls `/api/job` and `/api/printer` to report progress. Lines
acknowledged are estimated from the byte position OctoPrint has read in the file.

The API key is read from the environment variable whose NAME is given (machines.yaml's
`connection.api_key_env`); it is never logged, never shown in a repr or an error message.
"""

from __future__ import annotations

import logging
import os
import re
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from typing import Any, TypeVar
from urllib.parse import urlparse

from drivers.base import (
    Cancelled,
    DisconnectedError,
    Driver,
    DriverError,
    DriverTimeout,
    FirmwareError,
    Progress,
    ProgressCallback,
    StreamResult,
)
from drivers.octoprint_client import OctoPrintClient, OctoPrintHttpError, translate
from drivers.octoprint_program import UploadProgram, build_upload

log = logging.getLogger(__name__)
T = TypeVar("T")

# OctoPrint 1.x printer state strings (octoprint/util/comm.py getStateString).
ACTIVE_STATES = {"Starting", "Printing", "Pausing", "Paused", "Resuming", "Finishing", "Cancelling"}
CONNECTING_STATES = {"Opening serial connection", "Detecting serial connection", "Connecting"}
OFFLINE_STATES = {"Offline", "Closed"}
ERROR_STATES = {"Error", "Offline after error"}


class _Secret:
    """Holds the API key so that no repr, vars() dump or f-string of the driver shows it."""

    __slots__ = ("_value",)

    def __init__(self, value: str):
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "<secret>"

    __str__ = __repr__


def _is_error(state: str) -> bool:
    return state in ERROR_STATES or state.startswith("Error")


# OctoPrint's own link failures (pyserial exceptions, "Too many consecutive timeouts",
# "Connection error") as opposed to a line the firmware sent (`Error:`, `!!`, kill()).
_LINK_FAILURE = re.compile(r"serial|connection|consecutive timeouts|disconnect", re.IGNORECASE)


def _job_error(text: str) -> DriverError:
    """The error OctoPrint stopped a job with, typed: the link, or the firmware."""
    if _LINK_FAILURE.search(text):
        return DisconnectedError(f"OctoPrint lost the printer: {text}")
    # OctoPrint does not say which line the firmware refused: no line_index.
    return FirmwareError(None, text)


class OctoPrintDriver(Driver):
    """Driver for a printer behind OctoPrint's REST API (through octorest, wrapped)."""

    def __init__(
        self,
        url: str,
        api_key_env: str,
        *,
        timeout: float = 10.0,
        poll_interval: float = 1.0,
        printer_port: str | None = None,
        printer_baud: int | None = None,
        keep_uploads: bool = False,
        link_grace: float | None = None,
    ):
        parsed = urlparse(url)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise ValueError(f"OctoPrint url must be http(s)://host[:port], got {url!r}")
        if timeout <= 0 or poll_interval <= 0:
            raise ValueError("timeout and poll_interval must be positive")
        api_key = os.environ.get(api_key_env, "").strip()
        if not api_key:
            raise DriverError(
                f"environment variable {api_key_env} is not set: it must hold the OctoPrint API key for {url}"
            )
        self.url = url.rstrip("/")
        self.api_key_env = api_key_env
        self.timeout = timeout
        self.poll_interval = poll_interval
        self.printer_port = printer_port
        self.printer_baud = printer_baud
        self.keep_uploads = keep_uploads
        # How long a running print's polls may fail before stream() gives up on the server.
        self.link_grace = link_grace if link_grace is not None else max(3 * timeout, 10 * poll_interval)
        self._api_key = _Secret(api_key)
        self._local = threading.local()  # one requests session per thread (control vs stream)
        self._clients: list[OctoPrintClient] = []
        self._lock = threading.Lock()
        self._cancel = threading.Event()
        self._wake = threading.Event()
        self._closed = False
        self._job_path: str | None = None
        self._last: Progress | None = None

    def __repr__(self) -> str:
        return f"OctoPrintDriver(url={self.url!r}, api_key_env={self.api_key_env!r})"

    # -- plumbing -------------------------------------------------------------------------

    def _client(self) -> OctoPrintClient:
        client = getattr(self._local, "client", None)
        if client is None:
            client = OctoPrintClient(self.url, self._api_key.reveal(), self.timeout)
            self._local.client = client
            with self._lock:
                self._clients.append(client)
        return client

    def _call(self, action: Callable[[OctoPrintClient], T]) -> T:
        """Run one octorest call; every failure comes out as a typed DriverError."""
        try:
            return action(self._client())
        except DriverError:
            raise
        except Exception as exc:  # requests, octorest, JSON: all mapped by translate()
            raise translate(exc, self.url) from exc

    def _job_command(self, action: Callable[[OctoPrintClient], object], what: str) -> bool:
        """A job command; False when OctoPrint says it does not apply now (409)."""
        try:
            self._call(action)
            return True
        except OctoPrintHttpError as exc:
            if exc.status == 409:
                log.debug("OctoPrint %s: %s", what, exc.detail)
                return False
            raise

    def _temperatures(self) -> dict[str, float] | None:
        try:
            printer = self._call(lambda c: c.printer(exclude=["sd", "state"]))
        except OctoPrintHttpError as exc:
            if exc.status == 409:  # printer not operational: no temperatures to tell
                return None
            raise
        temps: dict[str, float] = {}
        for heater, values in (printer.get("temperature") or {}).items():
            if not isinstance(values, dict):
                continue
            if isinstance(values.get("actual"), int | float):
                temps[heater] = float(values["actual"])
            if isinstance(values.get("target"), int | float):
                temps[f"{heater}_target"] = float(values["target"])
        return temps

    # -- Driver interface -----------------------------------------------------------------

    def connect(self, timeout: float = 10.0) -> None:
        """Check the server and the key, then connect the printer if OctoPrint has not."""
        version = self._call(lambda c: c.get_version())
        log.info("OctoPrint %s at %s", version.get("server", "?"), self.url)
        deadline = time.monotonic() + timeout
        connect_sent = seen_connecting = False
        state = "?"
        while True:
            state = self._call(lambda c: c.state())
            if state in CONNECTING_STATES:
                seen_connecting = True
            elif state == "Operational" or state in ACTIVE_STATES:
                return
            elif not connect_sent and (state in OFFLINE_STATES or _is_error(state)):
                log.info("OctoPrint printer is %s: connecting it", state)
                self._call(lambda c: c.connect(port=self.printer_port, baudrate=self.printer_baud))
                connect_sent = True
            elif _is_error(state) and seen_connecting:
                raise DisconnectedError(f"OctoPrint could not connect the printer: {self._error_text(state)}")
            if time.monotonic() >= deadline:
                break
            time.sleep(min(0.2, self.poll_interval))
        if _is_error(state) or state in OFFLINE_STATES:
            raise DisconnectedError(f"OctoPrint could not connect the printer: {self._error_text(state)}")
        raise DriverTimeout(f"OctoPrint printer still '{state}' after {timeout:g} s")

    def _error_text(self, state: str) -> str:
        try:
            return str(self._call(lambda c: c.job_info()).get("error") or state)
        except DriverError:
            return state

    def stream(
        self,
        lines: Sequence[str],
        start_line: int = 0,
        on_progress: ProgressCallback | None = None,
    ) -> StreamResult:
        """Upload, select and print; block until the job is done, cancelled or failed.

        Errors raised here carry `lines_acked` (the last estimate) as an attribute.
        """
        program = build_upload(lines, start_line)
        if self._closed:
            raise DriverError("this OctoPrint driver is closed")
        self._cancel.clear()
        self._wake.clear()
        self._last = None
        began = time.monotonic()
        try:
            state = self._call(lambda c: c.state())
            if state in OFFLINE_STATES or _is_error(state) or state in CONNECTING_STATES:
                self.connect(self.timeout)
            elif state != "Operational":
                raise DriverError(f"OctoPrint printer is busy ({state}): another job is on it")
            path = self._upload(program)
            try:
                lines_acked, bytes_sent = self._print_and_follow(program, path, on_progress)
            finally:
                with self._lock:
                    self._job_path = None
                self._forget_upload(path)
        except DriverError as exc:
            last = self._last
            exc.lines_acked = last.lines_acked if last else start_line  # type: ignore[attr-defined]
            raise
        return StreamResult(
            lines_acked=lines_acked,
            bytes_sent=bytes_sent,
            seconds=time.monotonic() - began,
            extra={"octoprint_file": path, "preamble_lines": program.preamble_lines},
        )

    def _upload(self, program: UploadProgram) -> str:
        name = f"fablab-{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:8]}.gcode"
        # octorest 0.4's upload(select=True, print=True) silently drops both flags: upload
        # plainly here, select and print in a second call (_print_and_follow).
        reply = self._call(lambda c: c.upload((name, program.content)))
        try:
            path = reply["files"]["local"]["path"]
        except (KeyError, TypeError):
            raise DriverError(f"OctoPrint accepted the upload of {name} but did not say where it is") from None
        log.info("uploaded %s to OctoPrint (%d bytes)", path, len(program.content))
        return path

    def _forget_upload(self, path: str) -> None:
        if self.keep_uploads:
            return
        try:
            self._call(lambda c: c.delete(path))
        except DriverError as exc:  # still selected/printing or server gone: leave it there
            log.warning("could not delete %s on OctoPrint: %s", path, exc)

    def _print_and_follow(
        self, program: UploadProgram, path: str, on_progress: ProgressCallback | None
    ) -> tuple[int, int]:
        lines_acked, bytes_sent = program.start_line, 0
        if self._cancel.is_set() or self._closed:
            raise Cancelled("cancelled before the print started", line=lines_acked, done=[])
        # The second half of octorest's broken upload(select=True, print=True).
        self._call(lambda c: c.select(path, print=True))
        with self._lock:
            self._job_path = path
        seen_active = cancel_sent = False
        start_deadline = time.monotonic() + max(self.timeout, 5 * self.poll_interval)
        link_lost_since: float | None = None
        teardown_since: float | None = None
        while True:
            if self._closed:
                raise DisconnectedError("driver closed while the print was running")
            try:
                if self._cancel.is_set() and not cancel_sent:
                    cancel_sent = self._job_command(lambda c: c.cancel(), "cancel")
                job = self._call(lambda c: c.job_info())
                state = str(job.get("state") or "?")
                temps = self._temperatures() if state == "Operational" or state in ACTIVE_STATES else None
                link_lost_since = None
            except (DisconnectedError, DriverTimeout) as exc:
                # The print goes on inside OctoPrint: ride out a short outage of the server
                # (restart, "Connection reset by peer" under load) before giving up on it.
                now = time.monotonic()
                link_lost_since = link_lost_since or now
                if now - link_lost_since >= self.link_grace:
                    raise type(exc)(f"{exc} (for {self.link_grace:g} s; the print may still be running there)") from exc
                log.warning("OctoPrint poll failed, retrying: %s", exc)
                self._wake.wait(self.poll_interval)
                self._wake.clear()
                continue
            file = (job.get("job") or {}).get("file") or {}
            progress = job.get("progress") or {}
            ours = file.get("path") == path
            if ours and isinstance(progress.get("filepos"), int):
                bytes_sent = progress["filepos"]
                lines_acked = program.lines_done(bytes_sent)
            finished = state == "Operational" and ours and (progress.get("completion") or 0) >= 100
            if finished:
                lines_acked, bytes_sent = program.lines_total, len(program.content)
            event = Progress(lines_acked, program.lines_total, bytes_sent, state=state, temperatures=temps)
            self._last = event
            if on_progress is not None:
                on_progress(event)
            if finished:
                return lines_acked, bytes_sent
            if state in ACTIVE_STATES and not (file.get("path") or file.get("name")):
                # No file while active: OctoPrint is tearing the job down (it clears the job before
                # it publishes the new state, e.g. on a dropped serial link). Not another job: ask again.
                teardown_since = teardown_since or time.monotonic()
                if time.monotonic() - teardown_since >= self.link_grace:
                    raise DriverError(f"OctoPrint has reported a print without a file ({state}) for {self.link_grace:g} s")
            elif state in ACTIVE_STATES:
                seen_active, teardown_since = True, None
                if not ours:
                    raise DriverError(f"another job ({file.get('name')}) took over the printer")
            elif _is_error(state):
                raise _job_error(str(job.get("error") or state))
            elif state in OFFLINE_STATES or state in CONNECTING_STATES:
                raise DisconnectedError(f"OctoPrint lost the printer during the job ({state})")
            elif state == "Operational":
                if self._cancel.is_set():
                    raise Cancelled(f"print cancelled at line {lines_acked} of {program.lines_total}",
                                    line=lines_acked, done=["print_cancelled"])
                if seen_active:
                    raise Cancelled("the print was stopped on the OctoPrint server", line=lines_acked, by="server")
                if time.monotonic() > start_deadline:
                    raise DriverTimeout("OctoPrint selected the file but never started printing it")
            self._wake.wait(self.poll_interval)
            self._wake.clear()

    def pause(self) -> None:
        """Pause the running print (no-op when nothing is printing; raises if unreachable)."""
        self._job_command(lambda c: c.pause(), "pause")
        self._wake.set()

    def resume(self) -> None:
        """Resume a paused print (no-op when nothing is paused)."""
        self._job_command(lambda c: c.resume(), "resume")
        self._wake.set()

    def cancel(self) -> None:
        """Cancel our print; OctoPrint then runs its afterPrintCancelled script (heaters off)."""
        self._cancel.set()
        with self._lock:
            ours = self._job_path is not None
        if ours:
            try:
                self._job_command(lambda c: c.cancel(), "cancel")
            except (DisconnectedError, DriverTimeout) as exc:
                # Not lost: the stream loop keeps sending the cancel until OctoPrint answers.
                log.warning("cancel not delivered yet, the stream will retry: %s", exc)
        self._wake.set()

    def status(self) -> Progress | None:
        """The last progress of a running stream, else the printer's state now."""
        with self._lock:
            streaming = self._job_path is not None
        if streaming and self._last is not None:
            return self._last
        job: dict[str, Any] = self._call(lambda c: c.job_info())
        state = str(job.get("state") or "?")
        temps = self._temperatures() if state == "Operational" or state in ACTIVE_STATES else None
        filepos = (job.get("progress") or {}).get("filepos") or 0
        return Progress(0, 0, int(filepos), state=state, temperatures=temps)

    def close(self) -> None:
        """Close HTTP sessions; a print running on OctoPrint goes on without us."""
        self._closed = True
        self._wake.set()
        with self._lock:
            clients, self._clients = self._clients, []
        for client in clients:
            client.close()

