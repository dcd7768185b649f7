"""GRBL driver: character counting against the controller's RX buffer, `?` status polling,
feed hold / cycle start / soft reset, `error:N` and `ALARM:N` with their meanings.

Threads: a reader (drivers.serial_link) turns each line into an event and updates the
shared state under `_cond`; a poller writes `?` a few times a second; `stream()` runs in the
caller's thread; `pause()`, `resume()`, `cancel()` and `status()` may be called from any
other thread. A program line is written only while holding `_cond` after checking the
cancel flag, so no line can reach the machine once `cancel()` has begun.

`lines_acked` counts program lines GRBL has answered, `ok` or `error:` (both mean the line
left the RX buffer). After `error:N` the driver stops sending, lets the lines already in the
buffer be answered, and raises FirmwareError naming the line. There is no automatic `$X`.
After a cancel, the soft reset drops the planner's moves: `lines_acked` then steps back over
the blocks GRBL reported still queued (`Bf:`), so a resume re-runs them rather than skips them.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Sequence

from drivers import grbl_protocol as gp
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
from drivers.grbl_control import GrblControl
from drivers.grbl_inflight import SLOW, LostAnswerWatch, Sent, Waiter
from drivers.modal import resume_preamble
from drivers.serial_link import SerialLink

log = logging.getLogger(__name__)


class GrblDriver(GrblControl, Driver):
    def __init__(
        self,
        port: str,
        baud: int = 115200,
        *,
        flow_control: str | None = "none",
        status_interval: float = 0.2,
        response_timeout: float = 10.0,
        rx_buffer: int | None = None,
        reserve: int = 0,
        mode: str = "counting",
        progress_interval: float = 0.1,
        hold_timeout: float = 5.0,
        **_ignored: object,
    ):
        if mode not in ("counting", "send_response"):
            raise ValueError("mode must be 'counting' or 'send_response'")
        self.port, self.baud, self.flow_control = port, baud, flow_control
        self.status_interval = status_interval
        self.response_timeout = response_timeout
        self.rx_buffer = rx_buffer  # None: read it from `$I`, 128 if the firmware does not say
        self.planner_blocks: int | None = None
        self.reserve = reserve
        self.mode = mode
        self.progress_interval = progress_interval
        self.hold_timeout = hold_timeout
        self.version: str | None = None
        self._link: SerialLink | None = None
        self._cond = threading.Condition()
        self._stream_lock = threading.Lock()
        self._inflight: deque[Sent] = deque()
        self._inflight_bytes = 0
        self._acked = 0
        self._total = 0
        self._bytes_sent = 0
        self._status: gp.Status | None = None
        self._status_seq = 0
        self._wco: tuple[float, ...] = (0.0, 0.0, 0.0)
        self._banners = 0
        self._expect_reset = False
        self._reset_seen: gp.Banner | None = None
        self._alarm: gp.Alarm | None = None
        self._error: tuple[gp.Error, int] | None = None
        self._disconnected: BaseException | None = None
        self._paused = False
        self._cancel = False
        self._cancel_done = threading.Event()
        self._streaming = False
        self._poller: threading.Thread | None = None
        self._closed = threading.Event()
        self._last_rx = time.monotonic()
        self._last_write = 0.0
        self._watch = LostAnswerWatch()
        self._lost: int | None = None

    # -- link -----------------------------------------------------------------------------------
    @property
    def window(self) -> int:
        """Bytes that may be in flight: GRBL's ring buffer keeps one of its slots empty."""
        return (self.rx_buffer or 128) - 1 - self.reserve

    def connect(self, timeout: float = 10.0) -> None:
        self._link = SerialLink(self.port, self.baud, on_line=self._on_line, on_disconnect=self._on_disconnect,
                                flow_control=self.flow_control, name="grbl")
        deadline = time.monotonic() + timeout
        # Boards that reset on open print the banner; others (native USB, a pty) do not.
        with self._cond:
            self._cond.wait_for(lambda: self._banners > 0, timeout=min(0.3, timeout))
        # An empty line answers `ok` and terminates any half line left in GRBL's buffer. A board
        # that resets on open may still be in its bootloader: try again until the deadline.
        while True:
            try:
                if self.command("", timeout=max(0.1, min(1.5, deadline - time.monotonic())),
                                raise_on_error=False).result is not None:
                    break  # `ok`, or `error:` for a half line of garbage: in sync either way
            except DriverTimeout:
                if time.monotonic() >= deadline:
                    raise
                with self._cond:
                    self._inflight.clear()
                    self._inflight_bytes = 0
                    self._last_rx = time.monotonic()
        waiter = self.command("$I", timeout=max(0.1, deadline - time.monotonic()), raise_on_error=False)
        for msg in waiter.messages:
            if isinstance(msg, gp.BuildOptions):
                if self.rx_buffer is None and msg.rx_buffer:
                    self.rx_buffer = msg.rx_buffer
                self.planner_blocks = msg.planner_blocks
            elif isinstance(msg, gp.Message) and msg.kind == "VER":
                self.version = msg.text.split(":", 1)[0]
        self.rx_buffer = self.rx_buffer or 128
        with self._cond:  # one status now: the buffers' free counts at rest, and the state
            seq = self._status_seq
            self._realtime(b"?")
            self._cond.wait_for(lambda: self._status_seq > seq, timeout=max(0.1, min(1.0, deadline - time.monotonic())))
        self._poller = threading.Thread(target=self._poll_status, daemon=True, name="grbl-status")
        self._poller.start()

    def _poll_status(self) -> None:
        while not self._closed.wait(self.status_interval):
            if self._disconnected is not None:
                return
            try:
                self._realtime(b"?")
            except DriverError:
                return

    def _realtime(self, byte: bytes) -> None:
        if self._link is None:
            raise DisconnectedError("not connected")
        self._link.write(byte)

    # -- reader ---------------------------------------------------------------------------------
    def _on_disconnect(self, exc: BaseException) -> None:
        with self._cond:
            self._disconnected = exc
            self._cond.notify_all()

    def _on_line(self, text: str) -> None:
        ev = gp.parse_line(text)
        with self._cond:
            self._last_rx = time.monotonic()
            if isinstance(ev, gp.Ok | gp.Error):
                self._answer(ev)
            elif isinstance(ev, gp.Status):
                self._status = ev
                self._status_seq += 1
                if ev.wco:
                    self._wco = ev.wco
                self._detect_lost_ok(ev)
            elif isinstance(ev, gp.Alarm):
                self._alarm = ev
            elif isinstance(ev, gp.Banner):
                self._banners += 1
                self.version = ev.version
                for sent in self._inflight:
                    if sent.waiter:
                        sent.waiter.done.set()
                self._inflight.clear()
                self._inflight_bytes = 0
                if not self._expect_reset and self._streaming:
                    self._reset_seen = ev
            elif isinstance(ev, gp.Message | gp.BuildOptions | gp.Setting):
                if self._inflight and self._inflight[0].waiter:
                    self._inflight[0].waiter.messages.append(ev)
                if isinstance(ev, gp.Message) and ev.kind == "MSG":
                    log.info("grbl: %s", ev.text)
            else:
                log.debug("grbl: unrecognised line %r", text)
            self._cond.notify_all()

    def _detect_lost_ok(self, st: gp.Status) -> None:
        """An answer lost on the link (drivers/grbl_inflight.LostAnswerWatch): without line
        numbers GRBL cannot say which, so the stream stops here with a clear error instead of
        waiting forever (the machine is idle: a defined state)."""
        quiet = time.monotonic() - self._last_write > 2 * self.status_interval + 0.1
        slow = any(sent.slow for sent in self._inflight)
        if self._watch.proven(st, bool(self._inflight), quiet, slow) and self._lost is None:
            self._lost = len([s for s in self._inflight if s.nbytes])
            log.warning("GRBL is idle with %d line(s) unanswered: lost on the link", self._lost)

    def _answer(self, ev: gp.Ok | gp.Error) -> None:
        if not self._inflight:
            log.warning("grbl answered %s with nothing in flight", ev)
            return
        sent = self._inflight.popleft()
        self._inflight_bytes -= sent.nbytes
        if sent.index is not None:
            self._acked = sent.index + 1
            if isinstance(ev, gp.Error) and self._error is None:
                self._error = (ev, sent.index)
        if sent.waiter:
            sent.waiter.result = ev
            sent.waiter.done.set()
        self._pop_blank_after_answer()

    # -- sending --------------------------------------------------------------------------------
    def _check(self) -> None:
        """Raise what the reader saw (called under `_cond`)."""
        if self._disconnected is not None:
            raise DisconnectedError(f"GRBL on {self.port} disconnected: {self._disconnected}")
        if self._reset_seen is not None:
            raise FirmwareResetError(f"GRBL reset during the job ({self._reset_seen.version} banner): buffered lines "
                                     "are lost and the position is not trusted; home the machine before resuming")
        if self._alarm is not None:
            raise AlarmError(self._alarm.code, self._alarm.meaning)
        if self._lost is not None:
            raise DriverTimeout(f"GRBL is idle but {self._lost} line(s) sent were never answered: an answer or a "
                                "line was lost on the link (noise?); stopped so nothing is skipped silently")
        if time.monotonic() - self._last_rx > self.response_timeout:
            raise DriverTimeout(f"GRBL on {self.port} has not answered for {self.response_timeout:.0f} s")

    def _wait(self, ready, deadline: float | None = None, program: bool = True) -> None:  # noqa: ANN001
        """Wait under `_cond` until `ready()`; every fault raises, every wait is bounded."""
        while True:
            if self._cancel and self._streaming and program:
                raise _CancelRequested
            self._check()
            if ready():
                return
            if deadline is not None and time.monotonic() > deadline:
                raise DriverTimeout(f"GRBL on {self.port}: no answer in time")
            self._cond.wait(0.05)

    def _send(self, text: str, index: int | None, waiter: Waiter | None = None) -> None:
        """Under `_cond`: wait for room in GRBL's buffer, then write the line."""
        data = (text + "\n").encode("latin-1", errors="replace")
        n = len(data)
        program = waiter is None  # the driver's own commands go out even while cancelling
        if self.mode == "send_response":
            self._wait(lambda: not self._inflight and (not self._paused or not program), program=program)
        else:
            self._wait(lambda: (self._inflight_bytes + n <= self.window or not self._inflight)
                       and (not self._paused or not program), program=program)
        assert self._link is not None
        self._inflight.append(Sent(n, index, waiter, bool(SLOW.search(text))))
        self._inflight_bytes += n
        mark = self.sent_mark if index is not None else None
        if mark is not None:
            mark.sending(-1, index)
        self._link.write(data)
        if mark is not None:
            mark.sent(-1, index)
        self._last_write = time.monotonic()
        self._bytes_sent += n

    def command(self, text: str, timeout: float = 5.0, raise_on_error: bool = True) -> Waiter:
        """Send one line outside a program (e.g. `$I`, `$G`, `M5`) and wait for its answer."""
        if self._link is None:
            raise DisconnectedError("not connected")
        waiter = Waiter()
        deadline = time.monotonic() + timeout
        with self._cond:
            if self._last_rx < time.monotonic() - self.response_timeout:
                self._last_rx = time.monotonic()  # the clock starts now, not at the last chatter
            self._send(text, None, waiter)
            self._wait(lambda: waiter.done.is_set(), deadline, program=False)
        if raise_on_error and isinstance(waiter.result, gp.Error):
            raise FirmwareError(waiter.result.code, waiter.result.meaning)
        return waiter

    # -- streaming ------------------------------------------------------------------------------
    def stream(self, lines: Sequence[str], start_line: int = 0, on_progress: ProgressCallback | None = None,
               *, stop_on_error: bool = True) -> StreamResult:
        return self._exclusive_stream(lambda: self._stream(lines, start_line, on_progress, stop_on_error))

    def _stream(self, lines: Sequence[str], start_line: int, on_progress: ProgressCallback | None,
                stop_on_error: bool) -> StreamResult:
        t0 = time.monotonic()
        cleaned = [gp.clean_line(line) for line in lines]
        for i in range(start_line, len(cleaned)):
            if gp.count_bytes(cleaned[i]) > min(self.window, 80):
                raise FirmwareError(11, gp.error_meaning(11), i)
        items = [(gp.clean_line(p), None) for p in resume_preamble(lines, start_line, "grbl")] if start_line else []
        items += [(cleaned[i], i) for i in range(start_line, len(cleaned))]
        with self._cond:
            self._error = self._reset_seen = self._alarm = self._lost = None  # a past job's failure is past
            self._last_rx = time.monotonic()
            self._check()
            if self._status and self._status.state == "Alarm":
                raise AlarmError(None, "GRBL is in alarm state: home ($H) or unlock ($X) the machine first")
            self._streaming, self._cancel, self._paused = True, False, False
            self._cancel_done.clear()
            self._unexecuted = 0
            self._acked, self._total, self._bytes_sent = start_line, len(lines), 0
            self._last_rx = time.monotonic()
        last_emit = 0.0
        try:
            for text, index in items:
                with self._cond:
                    if self._error and stop_on_error:
                        break
                    if text:
                        self._send(text, index)
                    elif index is not None:  # a blank or comment line: acknowledged with the line before it
                        self._inflight.append(Sent(0, index))
                        self._pop_blank_after_answer()
                if on_progress and time.monotonic() - last_emit >= self.progress_interval:
                    last_emit = time.monotonic()
                    on_progress(self._progress())
            with self._cond:
                self._wait(lambda: not self._inflight)
        except _CancelRequested:
            self._cancel_done.wait(self.hold_timeout * 3 + self.response_timeout)
            # The reset dropped the planner's moves: resume from before them, never after
            # (lines before N are re-run harmlessly, the preamble restoring the state at N).
            self._acked = max(start_line, self._acked - self._unexecuted)
            raise self._failed(self._cancelled(self._acked, f"cancelled after line {self._acked}"),
                               on_progress) from None
        except DriverError as exc:
            raise self._failed(exc, on_progress) from None
        if self._error and stop_on_error:
            ev, index = self._error
            raise self._failed(FirmwareError(ev.code, ev.meaning, index), on_progress)
        progress = self._progress()
        if on_progress:
            on_progress(progress)
        return StreamResult(progress.lines_acked, self._bytes_sent, time.monotonic() - t0,
                            {"errors": [self._error[1]] if self._error else []})

    def _pop_blank_after_answer(self) -> None:
        while self._inflight and self._inflight[0].nbytes == 0:
            sent = self._inflight.popleft()
            if sent.index is not None:
                self._acked = sent.index + 1

    def _failed(self, exc: DriverError, on_progress: ProgressCallback | None) -> DriverError:
        exc.lines_acked = self._acked  # type: ignore[attr-defined]
        if on_progress:
            on_progress(self._progress())
        return exc

    def _progress(self) -> Progress:
        with self._cond:
            st = self._status
            pos = None
            if st and st.mpos:
                pos = {a: round(v - (self._wco[i] if i < len(self._wco) else 0.0), 3)
                       for i, (a, v) in enumerate(zip("XYZABC", st.mpos, strict=False))}
            elif st and st.wpos:
                pos = {a: v for a, v in zip("XYZABC", st.wpos, strict=False)}
            state = None
            if st:
                state = st.state + (f":{st.substate}" if st.substate is not None else "")
            return Progress(self._acked, self._total, self._bytes_sent, state, pos, None)

    def status(self) -> Progress | None:
        return self._progress() if self._status else None

    def close(self) -> None:
        self._closed.set()
        with self._cond:  # a stream still running ends at once instead of waiting for a timeout
            self._disconnected = self._disconnected or DisconnectedError("driver closed")
            self._cond.notify_all()
        if self._link is not None:
            self._link.close()
        if self._poller is not None and self._poller is not threading.current_thread():
            self._poller.join(1.0)


class _CancelRequested(Exception):
    """Internal: the stream loop saw cancel(); it waits for the safe stop, then raises Cancelled."""
