"""Marlin driver: numbered, checksummed lines; `ok` tracking; `Resend:` with a storm guard;
with `ADVANCED_OK` (whose `ok N P B` names each line) as many lines in flight as the command
slots hold plus what fits in the RX buffer behind them, so the planner stays fed as a
windowed host (Repetier-Host) feeds it; one at a time otherwise; `busy:` keepalive; temperatures by `M155` auto-report; recovery from a lost `ok`
by timeout; `M112` for emergencies; cancel = quick stop, then heaters, fan and motors off.

Every line carries a number, so each answer is matched exactly: `ok N<n>` acknowledges all
lines up to n, a plain `ok` the oldest in flight, `Resend: r` says the firmware holds every
line before r. On a lost `ok`, the oldest unanswered line is sent again with its number:
either the firmware takes it, or it answers `Resend: last+1`, which tells what it had.

The line window (numbers, acks, resends) lives in drivers.marlin_window.
Threads as in drivers.grbl: a reader updates state under `_cond`; `stream()` writes only
under `_cond` after checking the cancel flag; pause/resume/cancel come from other threads
(drivers.marlin_control).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Sequence

from drivers import marlin_protocol as mp
from drivers.base import (
    AlarmError,
    DisconnectedError,
    Driver,
    DriverError,
    DriverTimeout,
    FirmwareError,
    FirmwareResetError,
    Progress,
    ProgressCallback,
    StreamResult,
)
from drivers.marlin_control import CANCEL_LINES, MarlinControl
from drivers.marlin_window import NumberedWindow, _Line, _Waiter
from drivers.modal import ModalState, apply_line, resume_preamble
from drivers.serial_link import SerialLink

log = logging.getLogger(__name__)
# Program lines numbered and queued ahead of the window, for the reader thread to send as each
# `ok` frees room without waiting for the streaming thread: enough for ~130 ms of 4 ms moves,
# so a streaming thread held up by a busy host does not leave the reader with nothing to send.
QUEUED_AHEAD = 32


class MarlinDriver(NumberedWindow, MarlinControl, Driver):
    def __init__(
        self,
        port: str,
        baud: int = 115200,
        *,
        flow_control: str | None = "none",
        mode: str = "auto",
        response_timeout: float = 10.0,
        rx_buffer: int = 128,
        max_timeouts: int = 5,
        resend_limit: int = 10,
        temperature_interval: int = 2,
        progress_interval: float = 0.1,
        command_timeout: float = 10.0,
        **_ignored: object,
    ):
        if mode not in ("auto", "ping_pong"):
            raise ValueError("mode must be 'auto' (ADVANCED_OK when reported) or 'ping_pong'")
        self.port, self.baud, self.flow_control = port, baud, flow_control
        self.mode = mode
        self.response_timeout = response_timeout
        self.rx_buffer = rx_buffer  # the firmware's serial RX buffer (Marlin's default: 128 bytes)
        self.max_timeouts = max_timeouts
        self.resend_limit = resend_limit
        self.temperature_interval = temperature_interval
        self.progress_interval = progress_interval
        self.command_timeout = command_timeout
        self.advanced_ok = False
        self.capabilities: dict[str, bool] = {}
        self.firmware_name: str | None = None
        self._window = 1
        self._link: SerialLink | None = None
        self._cond = threading.Condition()
        self._stream_lock = threading.Lock()
        self._history: dict[int, _Line] = {}
        self._next_n = 0
        self._to_send: deque[int] = deque()
        self._inflight: deque[int] = deque()
        self._swallow_ok = 0
        self._last_rewind: int | None = None
        self._stale = 0
        self._same_resends = 0
        self.resends = 0
        self.timeouts = 0
        self._acked = 0
        self._total = 0
        self._bytes_sent = 0
        self._last_activity = time.monotonic()
        self._temperatures: dict[str, float] | None = None
        self._fatal: str | None = None
        self._fw_error: tuple[str, int | None] | None = None
        self._reset_seen = False
        self._disconnected: BaseException | None = None
        self._failure: DriverError | None = None
        self._paused = False
        self._cancel = False
        self._cancel_done = threading.Event()
        self._streaming = False
        self._waiters: list[_Waiter] = []
        self._modal = ModalState(flavour="marlin")
        self._modal_at = 0
        self._needs_resync = False
        self._planner_free: int | None = None  # P of the last `ok N P B`
        self._max_planner_free = 0
        self._unexecuted = 0
        self._base_n = 0  # number of the last M110: resend requests below it are stale

    # -- connect --------------------------------------------------------------------------------
    def connect(self, timeout: float = 10.0) -> None:
        self._link = SerialLink(self.port, self.baud, on_line=self._on_line, on_disconnect=self._on_disconnect,
                                flow_control=self.flow_control, name="marlin")
        deadline = time.monotonic() + timeout
        with self._cond:
            self._cond.wait_for(lambda: self._reset_seen, timeout=min(0.3, timeout))
            self._reset_seen = False
        self._link.write(b"\n")  # ends any half line the firmware holds from before
        waiter = None
        for _attempt in range(3):
            with self._cond:
                self._history.clear()
                self._inflight.clear()
                self._to_send.clear()
                self._next_n = 0
            try:
                waiter = self.command("M110 N0", timeout=max(0.2, min(2.0, deadline - time.monotonic())))
                break
            except DriverTimeout:
                if time.monotonic() > deadline:
                    raise
        if waiter is None:
            raise DriverTimeout(f"Marlin on {self.port} did not answer M110")
        self._needs_resync = False
        ok = waiter.ok
        if self.mode == "auto" and ok is not None and ok.buffer_free is not None:
            self.advanced_ok = True
            self._window = max(1, ok.buffer_free + 1)  # B is reported while M110 still holds its slot
        info = self.command("M115", timeout=max(0.2, deadline - time.monotonic()))
        for msg in info.messages:
            if isinstance(msg, mp.Capability):
                self.capabilities[msg.name] = msg.enabled
            elif isinstance(msg, mp.Info) and msg.text.startswith("FIRMWARE_NAME:"):
                self.firmware_name = msg.text.split(":", 1)[1].split(" SOURCE_CODE_URL", 1)[0].strip()
        if self.capabilities.get("AUTOREPORT_TEMP") and self.temperature_interval:
            self.command(f"M155 S{int(self.temperature_interval)}")

    # -- reader ---------------------------------------------------------------------------------
    def _on_disconnect(self, exc: BaseException) -> None:
        with self._cond:
            self._disconnected = exc
            self._cond.notify_all()

    def _on_line(self, text: str) -> None:
        ev = mp.parse_line(text)
        with self._cond:
            if isinstance(ev, mp.Ok):
                self._last_activity = time.monotonic()
                if ev.temperatures:
                    self._temperatures = ev.temperatures
                if self._swallow_ok > 0:
                    self._swallow_ok -= 1  # the `ok` that follows every `Resend:`
                elif ev.line is not None:
                    self._release_held(ev.line)
                    self._ack_upto(ev.line, ev)
                elif self._inflight and (not self.advanced_ok or ev.temperatures):
                    self._ack_upto(self._inflight[0], ev)
                elif self._inflight:
                    # every line we send is numbered, so with ADVANCED_OK an `ok` without N answers
                    # something we did not send (a fragment left by a flush): it acknowledges nothing
                    log.info("marlin: ok without a line number ignored")
                if ev.buffer_free is not None and self.advanced_ok:
                    self._window = max(self._window, ev.buffer_free + 1)
                if ev.planner_free is not None:
                    self._planner_free = ev.planner_free
                    self._max_planner_free = max(self._max_planner_free, ev.planner_free)
                self._pump_now()
            elif isinstance(ev, mp.Resend):
                self._last_activity = time.monotonic()
                self._swallow_ok += 1
                self._on_resend(ev.line)
            elif isinstance(ev, mp.LineError):
                self._last_activity = time.monotonic()
                log.info("marlin: %s", ev.text)
            elif isinstance(ev, mp.Busy):
                self._last_activity = time.monotonic()
            elif isinstance(ev, mp.Temperatures):
                self._temperatures = ev.values
                if self._inflight and any(mp.is_long_running(self._history[n].text) for n in self._inflight):
                    self._last_activity = time.monotonic()  # heating: temperatures are the keepalive
            elif isinstance(ev, mp.Start):
                self._reset_seen = True
                self._needs_resync = True  # the firmware counts lines from 0 again
                self._base_n = self._next_n  # its requests for our old numbers are stale
                for line in self._history.values():
                    if line.waiter:
                        line.waiter.done.set()
            elif isinstance(ev, mp.Fatal):
                self._fatal = ev.text if self._fatal is None else f"{self._fatal}; {ev.text}"
            elif isinstance(ev, mp.FirmwareMessage):
                oldest = self._history[self._inflight[0]].index if self._inflight else None
                self._fw_error = (ev.text, oldest)
            else:
                for w in self._waiters:
                    w.messages.append(ev)
            if isinstance(ev, mp.Capability):
                for w in self._waiters:
                    w.messages.append(ev)
            self._cond.notify_all()

    # -- sending --------------------------------------------------------------------------------
    def _pump_now(self) -> None:
        """From the reader, as an `ok` frees room: the next line goes at once, without waking the
        streaming thread first (one thread hop less per line keeps the planner fed on a busy
        host). Only while a stream runs with nothing wrong; anything else is the stream's to see."""
        if (self._streaming and not self._cancel and self._to_send and self._disconnected is None
                and self._fatal is None and not self._reset_seen and self._failure is None and self._fw_error is None):
            try:
                self._pump()
            except DriverError as exc:
                self._failure = exc

    def _check(self) -> None:
        if self._disconnected is not None:
            raise DisconnectedError(f"Marlin on {self.port} disconnected: {self._disconnected}")
        if self._fatal is not None:
            raise AlarmError(None, f"Marlin: {self._fatal}")
        if self._reset_seen:
            raise FirmwareResetError("Marlin restarted during the job (`start`): queued lines are lost; home the "
                                     "printer and check it before resuming")
        if self._failure is not None:
            raise self._failure
        if self._fw_error is not None:
            text, index = self._fw_error
            raise FirmwareError(None, text, index)
        if self._inflight and time.monotonic() - self._last_activity > self.response_timeout:
            self._recover_lost_ok()

    def command(self, text: str, timeout: float | None = None) -> _Waiter:
        """Send one line outside a program and wait (bounded) for its `ok`."""
        if self._link is None:
            raise DisconnectedError("not connected")
        waiter = _Waiter()
        deadline = time.monotonic() + (timeout or self.command_timeout)
        with self._cond:
            self._waiters.append(waiter)
            try:
                self._add(text, None, waiter)
                while not waiter.done.is_set():
                    self._check()
                    self._pump()
                    if time.monotonic() > deadline:
                        raise DriverTimeout(f"Marlin did not acknowledge {text!r} in time")
                    self._cond.wait(0.05)
            finally:
                self._waiters.remove(waiter)
        return waiter

    def _settle(self, quiet: float = 0.3, limit: float = 3.0) -> None:
        """Let the answers to lines sent before a restart die out (bounded), then end any half
        line the firmware holds, so the next command starts clean."""
        assert self._link is not None
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline and time.monotonic() - self._link.last_rx < quiet:
            time.sleep(0.05)
        self._link.write(b"\n")

    # -- streaming ------------------------------------------------------------------------------
    def stream(self, lines: Sequence[str], start_line: int = 0, on_progress: ProgressCallback | None = None) -> StreamResult:
        return self._exclusive_stream(lambda: self._stream(lines, start_line, on_progress))

    def _stream(self, lines: Sequence[str], start_line: int, on_progress: ProgressCallback | None) -> StreamResult:
        t0 = time.monotonic()
        items = [(mp.clean_line(p), None) for p in resume_preamble(lines, start_line, "marlin")] if start_line else []
        items += [(mp.clean_line(lines[i]), i) for i in range(start_line, len(lines))]
        items = [(t, i) for t, i in items if t]
        with self._cond:
            self._reset_seen, self._failure, self._fw_error = False, None, None  # a past job's failure is past
            self._same_resends, self._timeouts_in_row = 0, 0
            if self._needs_resync:
                self._inflight.clear()
                self._to_send.clear()
        if self._needs_resync:  # after a firmware restart: line numbers from where we are
            self._settle()
            self.command(f"M110 N{self._next_n}")
            self._needs_resync = False
        with self._cond:
            self._check()
            self._streaming, self._cancel, self._paused = True, False, False
            self._cancel_done.clear()
            self._unexecuted = 0
            self._acked, self._total, self._bytes_sent = start_line, len(lines), 0
            self._modal, self._modal_at = ModalState(flavour="marlin"), 0
        feed = iter(items)
        pending = True
        last_emit = 0.0
        try:
            while True:
                with self._cond:
                    if self._cancel:
                        raise _CancelRequested
                    self._check()
                    while pending and len(self._to_send) < QUEUED_AHEAD:
                        nxt = next(feed, None)
                        if nxt is None:
                            pending = False
                        else:
                            self._add(*nxt)
                    self._pump()
                    if not pending and not self._to_send and not self._inflight:
                        break
                    self._cond.wait(0.05)
                if on_progress and time.monotonic() - last_emit >= self.progress_interval:
                    last_emit = time.monotonic()
                    on_progress(self._progress(lines))
        except _CancelRequested:
            self._cancel_done.wait(self.command_timeout * (len(CANCEL_LINES) + 2))
            # M410 dropped the planner's moves (ADVANCED_OK told how many were waiting): resume
            # from before them, never after.
            self._acked = max(start_line, self._acked - self._unexecuted)
            raise self._failed(self._cancelled(self._acked, f"cancelled after line {self._acked}"),
                               lines, on_progress) from None
        except DriverError as exc:
            raise self._failed(exc, lines, on_progress) from None
        with self._cond:
            self._acked = len(lines)
        progress = self._progress(lines)
        if on_progress:
            on_progress(progress)
        return StreamResult(progress.lines_acked, self._bytes_sent, time.monotonic() - t0,
                            {"resends": self.resends, "timeouts": self.timeouts, "advanced_ok": self.advanced_ok,
                             "max_in_flight": self.max_in_flight})

    def _failed(self, exc: DriverError, lines: Sequence[str], on_progress: ProgressCallback | None) -> DriverError:
        exc.lines_acked = self._acked  # type: ignore[attr-defined]
        if on_progress:
            on_progress(self._progress(lines))
        return exc

    def _progress(self, lines: Sequence[str] | None = None) -> Progress:
        with self._cond:
            acked, temps = self._acked, dict(self._temperatures) if self._temperatures else None
            state = "paused" if self._paused else ("printing" if self._streaming else "idle")
        if lines is not None and acked > self._modal_at:
            for line in lines[self._modal_at:acked]:
                apply_line(self._modal, line)
            self._modal_at = acked
        pos = dict(self._modal.position) if self._modal.position else None
        if pos is not None:
            pos["E"] = self._modal.e
        return Progress(acked, self._total, self._bytes_sent, state, pos, temps)

    def status(self) -> Progress | None:
        return self._progress()

    def telemetry(self) -> Progress | None:
        """Idle: `M114` for the position, `M105` for temperatures when they are not auto-reported."""
        if not self.capabilities.get("AUTOREPORT_TEMP"):
            self.command("M105")  # its `ok T:...` updates the temperatures
        position = None
        for msg in self.command("M114").messages:
            if isinstance(msg, mp.Info):
                position = mp.parse_position(msg.text) or position
        progress = self._progress()
        progress.position = position
        return progress

    def close(self) -> None:
        with self._cond:  # a stream still running ends at once instead of waiting for a timeout
            self._disconnected = self._disconnected or DisconnectedError("driver closed")
            self._cond.notify_all()
        if self._link is not None:
            self._link.close()


class _CancelRequested(Exception):
    """Internal: the stream loop saw cancel(); it waits for the safe stop, then raises Cancelled."""
