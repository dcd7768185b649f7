"""HPGL cutter driver: chunked writes held back by XON/XOFF or RTS/CTS, paced to the link.

HPGL has no acknowledgements. Flow control is left to the serial layer (pyserial sets IXON /
CRTSCTS, the kernel then blocks writes while the cutter says stop); the driver writes in
small chunks, no faster than the link carries them, so that pause and cancel act between
chunks and little data waits ahead of the cutter. With no flow control, the driver asks the
cutter for its free buffer (`ESC.B`) before each chunk when it answers; otherwise it can only
pace by the link rate, which a cutter slower than its link will overflow (said in the error).

A program line counts as acknowledged once written: up to the cutter's buffer (1 KiB typical)
may still be uncut at that point. Cancel discards what the OS still holds, sends `ESC.K`
(abort: the cutter drops its buffer) and lifts the knife.
"""

from __future__ import annotations

import contextlib
import logging
import re
import threading
import time
from collections.abc import Sequence

from drivers.base import (
    DisconnectedError,
    Driver,
    DriverError,
    DriverTimeout,
    Progress,
    ProgressCallback,
    StreamResult,
)
from drivers.control import StreamFlags
from drivers.serial_link import SerialLink

log = logging.getLogger(__name__)
_CMD = re.compile(r"([A-Z]{2})([^;A-Z]*)", re.IGNORECASE)


def split_commands(line: str) -> list[tuple[str, list[float]]]:
    """`PU10,20;PD30,40;` -> [("PU", [10, 20]), ("PD", [30, 40])]. Unparseable numbers are dropped."""
    out = []
    for op, args in _CMD.findall(line):
        nums = []
        for v in re.split(r"[,\s]+", args.strip()):
            with contextlib.suppress(ValueError):
                nums.append(float(v))
        out.append((op.upper(), nums))
    return out


def resume_preamble(lines: Sequence[str], n: int) -> list[str]:
    """Tool, speed, force and knife position in force at line n, knife up."""
    if n <= 0:
        return []
    tool, speed, force, pos, absolute = None, None, None, None, True
    for line in lines[:n]:
        for op, nums in split_commands(line):
            if op == "IN":
                tool, speed, force, pos, absolute = None, None, None, (0.0, 0.0), True
            elif op == "SP" and nums:
                tool = int(nums[0])
            elif op == "VS" and nums:
                speed = nums[0]
            elif op == "FS" and nums:
                force = nums[0]
            elif op in ("PA", "PR", "PU", "PD"):
                if op in ("PA", "PR"):
                    absolute = op == "PA"
                for i in range(0, len(nums) - 1, 2):
                    x, y = nums[i], nums[i + 1]
                    if not absolute and pos is not None:
                        x, y = pos[0] + x, pos[1] + y
                    pos = (x, y)
    out = ["IN;"]
    if tool is not None:
        out.append(f"SP{tool};")
    if speed is not None:
        out.append(f"VS{speed:g};")
    if force is not None:
        out.append(f"FS{force:g};")
    if pos is not None:
        out.append(f"PU{pos[0]:g},{pos[1]:g};")
    if not absolute:
        out.append("PR;")
    return out


class HpglDriver(StreamFlags, Driver):
    def __init__(
        self,
        port: str,
        baud: int = 9600,
        *,
        flow_control: str | None = "xonxoff",
        chunk_size: int = 64,
        write_timeout: float = 30.0,
        drain_timeout: float = 60.0,
        progress_interval: float = 0.1,
        **_ignored: object,
    ):
        if chunk_size < 1:
            raise ValueError("chunk_size must be positive")
        self.port, self.baud = port, baud
        self.flow_control = flow_control or "none"
        self.chunk_size = chunk_size
        self.write_timeout = write_timeout
        self.drain_timeout = drain_timeout
        self.progress_interval = progress_interval
        self.buffer_size: int | None = None  # from ESC.B, when the cutter answers it
        self._link: SerialLink | None = None
        self._cond = threading.Condition()
        self._answers: list[str] = []
        self._disconnected: BaseException | None = None
        self._paused = False
        self._cancel = False
        self._streaming = False
        self._acked = 0
        self._total = 0
        self._bytes_sent = 0
        self._stream_lock = threading.Lock()
        self._cancel_done = threading.Event()

    # -- link -----------------------------------------------------------------------------------
    def connect(self, timeout: float = 10.0) -> None:
        self._link = SerialLink(self.port, self.baud, on_line=self._on_line, on_disconnect=self._on_disconnect,
                                flow_control=self.flow_control, write_timeout=self.write_timeout, name="hpgl")
        free = self.query_free(min(1.0, timeout))
        if free is not None:
            self.buffer_size = free

    def _on_line(self, text: str) -> None:
        with self._cond:
            self._answers.append(text)
            self._cond.notify_all()

    def _on_disconnect(self, exc: BaseException) -> None:
        with self._cond:
            self._disconnected = exc
            self._cond.notify_all()

    def query_free(self, timeout: float = 1.0) -> int | None:
        """`ESC.B`: free bytes in the cutter's buffer, or None if it does not answer."""
        with self._cond:
            self._answers.clear()
        self._write(b"\x1b.B")
        with self._cond:
            self._cond.wait_for(lambda: any(a.strip().isdigit() for a in self._answers) or self._disconnected,
                                timeout=timeout)
            for a in self._answers:
                if a.strip().isdigit():
                    return int(a.strip())
        return None

    def _write(self, data: bytes) -> None:
        if self._link is None:
            raise DisconnectedError("not connected")
        try:
            self._link.write(data)
        except DisconnectedError as exc:
            if "timed out" in str(exc):
                raise DriverTimeout(f"the cutter on {self.port} held flow control for more than "
                                    f"{self.write_timeout:.0f} s (hung, or out of material?)") from exc
            raise

    # -- streaming ------------------------------------------------------------------------------
    def stream(self, lines: Sequence[str], start_line: int = 0, on_progress: ProgressCallback | None = None) -> StreamResult:
        return self._exclusive_stream(lambda: self._stream(lines, start_line, on_progress))

    def _stream(self, lines: Sequence[str], start_line: int, on_progress: ProgressCallback | None) -> StreamResult:
        t0 = time.monotonic()
        with self._cond:
            self._streaming, self._cancel, self._paused = True, False, False
            self._cancel_done.clear()
            self._acked, self._total, self._bytes_sent = start_line, len(lines), 0
        items = [(p, None) for p in resume_preamble(lines, start_line)]
        items += [(lines[i], i) for i in range(start_line, len(lines))]
        rate = self.baud / 10.0
        clock = time.monotonic()
        last_emit = 0.0
        try:
            for text, index in items:
                data = text.strip().encode("latin-1", errors="replace")
                for off in range(0, len(data), self.chunk_size):
                    chunk = data[off: off + self.chunk_size]
                    self._wait_turn()
                    if self.flow_control == "none" and self.buffer_size:
                        self._wait_for_room(len(chunk))
                    # never more than a chunk ahead of the wire: pause and cancel act promptly
                    clock = max(clock, time.monotonic() - self.chunk_size / rate)
                    ahead = clock - time.monotonic()
                    if ahead > 0:
                        time.sleep(ahead)
                    self._write(chunk)
                    clock += len(chunk) / rate
                    self._bytes_sent += len(chunk)
                if index is not None:
                    with self._cond:
                        self._acked = index + 1
                if on_progress and time.monotonic() - last_emit >= self.progress_interval:
                    last_emit = time.monotonic()
                    on_progress(self._progress())
            self._drain()
        except DriverError as exc:
            exc.lines_acked = self._acked  # type: ignore[attr-defined]
            if on_progress:
                on_progress(self._progress())
            raise
        with self._cond:
            self._acked = len(lines)
        progress = self._progress()
        if on_progress:
            on_progress(progress)
        return StreamResult(progress.lines_acked, self._bytes_sent, time.monotonic() - t0,
                            {"flow_control": self.flow_control})

    def _wait_turn(self) -> None:
        with self._cond:
            while True:
                if self._cancel:
                    self._cond.wait_for(self._cancel_done.is_set, timeout=self.write_timeout)
                    raise self._cancelled(self._acked, f"cancelled after line {self._acked}")
                if self._disconnected is not None:
                    raise DisconnectedError(f"cutter on {self.port} disconnected: {self._disconnected}")
                if not self._paused:
                    return
                self._cond.wait(0.1)

    def _wait_for_room(self, n: int) -> None:
        deadline = time.monotonic() + self.write_timeout
        while True:
            free = self.query_free(1.0)
            if free is None:
                raise DriverTimeout(f"the cutter on {self.port} stopped answering ESC.B")
            if free >= n:
                return
            if time.monotonic() > deadline:
                raise DriverTimeout(f"the cutter's buffer stayed full for {self.write_timeout:.0f} s")
            self._wait_turn()
            time.sleep(0.05)

    def _drain(self) -> None:
        """Wait (bounded) until a cutter that answers ESC.B has emptied its buffer."""
        if not self.buffer_size:
            return
        deadline = time.monotonic() + self.drain_timeout
        while time.monotonic() < deadline:
            self._wait_turn()
            free = self.query_free(1.0)
            if free is None or free >= self.buffer_size:
                return
            time.sleep(0.05)
        raise DriverTimeout(f"the cutter did not finish its buffer within {self.drain_timeout:.0f} s")

    def _progress(self) -> Progress:
        with self._cond:
            state = "paused" if self._paused else ("cutting" if self._streaming else "idle")
            return Progress(self._acked, self._total, self._bytes_sent, state, None, None)

    # -- control --------------------------------------------------------------------------------
    def pause(self) -> None:
        """Stop writing between chunks; the cutter finishes what its buffer holds."""
        self._set_flags(paused=True)

    def resume(self) -> None:
        self._set_flags(paused=False)

    def cancel(self) -> None:
        self._cancel_with(self._abort_cutter)

    def _abort_cutter(self) -> None:
        if self._link is None or self._disconnected is not None:
            return
        with contextlib.suppress(Exception):
            self._link.ser.reset_output_buffer()  # what the OS still holds never reaches the cutter
        try:
            self._write(b"\x1b.K")
            self._did("buffer_aborted")
            self._write(b"PU;")
            self._did("knife_up")
        except DriverError as exc:
            log.warning("hpgl: cancel could not reach the cutter: %s", exc)

    def status(self) -> Progress | None:
        return self._progress()

    def close(self) -> None:
        with self._cond:  # a stream still running ends at once instead of waiting for a timeout
            self._disconnected = self._disconnected or DisconnectedError("driver closed")
            self._cond.notify_all()
        if self._link is not None:
            self._link.close()
