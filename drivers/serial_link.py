"""The transport the serial drivers share: a pyserial port, a reader thread cutting the input
into lines, and a lock so that writes from the streaming thread and the control thread
(pause, cancel, status polls) never interleave inside a line.

Ports are opened with `serial.serial_for_url`, so `/dev/ttyUSB0`, `socket://host:port`,
`rfc2217://...` and pty paths all work.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable

import serial

from drivers.base import DisconnectedError

log = logging.getLogger(__name__)
READ_TIMEOUT_S = 0.05


class SerialLink:
    def __init__(
        self,
        port: str,
        baud: int,
        *,
        on_line: Callable[[str], None],
        on_disconnect: Callable[[BaseException], None],
        flow_control: str | None = "none",
        write_timeout: float = 10.0,
        name: str = "serial",
    ):
        flow = flow_control or "none"
        if flow not in ("none", "xonxoff", "rtscts"):
            raise ValueError(f"flow_control must be none, xonxoff or rtscts, got {flow!r}")
        try:
            self.ser = serial.serial_for_url(
                port, baudrate=baud, timeout=READ_TIMEOUT_S, write_timeout=write_timeout,
                xonxoff=flow == "xonxoff", rtscts=flow == "rtscts",
            )
        except (serial.SerialException, OSError, ValueError) as exc:
            raise DisconnectedError(f"cannot open {port}: {exc}") from exc
        self.port = port
        self.baud = baud
        self._on_line = on_line
        self._on_disconnect = on_disconnect
        self._write_lock = threading.Lock()
        self._closing = threading.Event()
        self.closed = False
        self.bytes_written = 0
        self.last_rx = time.monotonic()
        self._reader = threading.Thread(target=self._read_loop, daemon=True, name=f"{name}-reader")
        self._reader.start()

    def write(self, data: bytes) -> None:
        """Write all of `data` (bounded by write_timeout), or raise DisconnectedError."""
        if self.closed:
            raise DisconnectedError(f"{self.port} is closed")
        with self._write_lock:
            try:
                n = self.ser.write(data)
            except serial.SerialTimeoutException as exc:
                raise DisconnectedError(f"write to {self.port} timed out: flow control never released") from exc
            except (serial.SerialException, OSError) as exc:
                raise DisconnectedError(f"write to {self.port} failed: {exc}") from exc
            self.bytes_written += n or 0

    def _read_loop(self) -> None:
        buf = bytearray()
        while not self._closing.is_set():
            try:
                chunk = self.ser.read(max(1, self.ser.in_waiting))
            except (serial.SerialException, OSError, TypeError, AttributeError) as exc:
                if not self._closing.is_set():
                    self._on_disconnect(exc)
                return
            if not chunk:
                continue
            self.last_rx = time.monotonic()
            buf += chunk
            while True:
                idx = min((i for i in (buf.find(b"\n"), buf.find(b"\r")) if i >= 0), default=-1)
                if idx < 0:
                    break
                raw = bytes(buf[:idx])
                del buf[: idx + 1]
                text = raw.decode("latin-1").strip("\x00\x11\x13").strip()
                if text:
                    try:
                        self._on_line(text)
                    except Exception:  # a parser bug must not kill the reader silently
                        log.exception("handling line %r", text)
            if len(buf) > 4096:  # no terminator for 4 KiB: garbage, not a line
                buf.clear()

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        self._closing.set()
        if threading.current_thread() is not self._reader:
            self._reader.join(1.0)
        with contextlib.suppress(Exception):
            self.ser.close()
