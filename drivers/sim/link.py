"""A pseudo-terminal that behaves like a serial wire at a given baud rate.

A pty has no baud rate: whatever the host writes lands at once in the kernel's buffer. Here
that kernel buffer plays the part of the host's UART transmit buffer, and this class is the
wire: it pulls bytes out of it no faster than baud/10 bytes per second (8N1), and writes the
firmware's replies back at the same pace. Flow control is read from the termios flags the
host (pyserial) set on the slave side: with IXON the host's transmitter stops while the
firmware's last flow byte was XOFF; with CRTSCTS it stops while the firmware holds CTS low.
Without either, the wire keeps going and the firmware must drop what it has no room for.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import struct
import termios
import time
import tty
from pathlib import Path

XON, XOFF = 0x11, 0x13
BITS_PER_BYTE = 10  # start + 8 data + stop


class PacedPty:
    """The master side of a pty, paced to `baud`. Not thread-safe: one simulator thread uses it."""

    def __init__(self, baud: int, link_path: str | None = None):
        if baud <= 0:
            raise ValueError("baud must be positive")
        self.baud = baud
        self.byte_rate = baud / BITS_PER_BYTE
        # At most ~3 ms of wire time is caught up after the simulator thread was held up.
        self.burst = max(4.0, self.byte_rate * 0.003)
        self.master, self._slave = os.openpty()
        tty.setraw(self._slave)
        os.set_blocking(self.master, False)
        self.port = os.ttyname(self._slave)
        self.link_path = Path(link_path) if link_path else None
        if self.link_path:
            self.link_path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.link_path.with_name(f".{self.link_path.name}.{os.getpid()}.tmp")
            tmp.unlink(missing_ok=True)
            tmp.symlink_to(self.port)
            os.replace(tmp, self.link_path)  # atomic: a waiting launcher never sees a half-made link
        self._now = time.monotonic()
        self._in_clock = self._out_clock = self._now
        self._in_idle = self._out_idle = True
        self._in_backlog = self._out_backlog = 0
        self._flags_checked = 0.0
        self.host_ixon = False
        self.host_rtscts = False
        self.xoff_on_wire = False  # the last flow byte the host received was XOFF
        self.closed = False
        self.bytes_in = 0
        self.bytes_out = 0

    # -- pacing -------------------------------------------------------------------------------
    # Each direction has a clock: the time its last byte finished crossing the wire. Bytes are
    # moved only once the clock says they could have arrived, and a wire that went idle starts
    # again from the moment new data is seen, so an idle period never buys a free burst.
    def advance(self, now: float) -> None:
        """Let wire time pass up to `now`."""
        self._now = now
        if now - self._flags_checked > 0.05:
            self._flags_checked = now
            self._read_host_flags()

    def _read_host_flags(self) -> None:
        with contextlib.suppress(OSError, termios.error):
            iflag, _o, cflag, *_ = termios.tcgetattr(self._slave)
            self.host_ixon = bool(iflag & termios.IXON)
            self.host_rtscts = bool(cflag & termios.CRTSCTS)

    def host_may_send(self, cts: bool) -> bool:
        """Whether the host's transmitter runs now, given the firmware's CTS line."""
        if self.host_ixon and self.xoff_on_wire:
            return False
        return not (self.host_rtscts and not cts)

    def _budget(self, clock: float, backlog: int) -> tuple[float, int]:
        # A UART keeps shifting out what waits in its buffer while the simulator's thread is held
        # up (a busy host): the bytes known to be waiting at the last step may all have crossed
        # since. Beyond them, a stalled thread catches up only a little (`burst`): bytes written
        # during the stall have no known time, and an idle wire never buys a free burst.
        clock = max(clock, self._now - max(self.burst, backlog) / self.byte_rate)
        return clock, int((self._now - clock) * self.byte_rate)

    def _waiting(self) -> int:
        """Bytes the host has written that have not crossed yet (its transmit buffer)."""
        try:
            return struct.unpack("i", fcntl.ioctl(self.master, termios.FIONREAD, b"\0\0\0\0"))[0]
        except OSError:
            return 0

    def read(self, cts: bool = True) -> bytes:
        """The bytes that reached the firmware's UART since the last call (may be empty)."""
        if self.closed or not self.host_may_send(cts):
            self._in_idle = True
            return b""
        if self._in_idle:  # data may be waiting: its first byte starts crossing now
            self._in_idle = False
            self._in_clock = self._now
            self._in_backlog = self._waiting()
            return b""
        self._in_clock, n = self._budget(self._in_clock, self._in_backlog)
        if n <= 0:
            return b""
        try:
            data = os.read(self.master, n)
        except OSError:  # nothing waiting (EAGAIN), or EIO once the slave side is gone
            data = b""
        self._in_clock += len(data) / self.byte_rate
        if len(data) < n:
            self._in_idle = True  # the host ran dry: the wire idles from here
            self._in_backlog = 0
        else:
            self._in_backlog = self._waiting()
        self.bytes_in += len(data)
        return data

    def write(self, pending: bytearray) -> None:
        """Move what the wire allows from `pending` to the host; removes what was sent."""
        if self.closed or not pending:
            self._out_idle = True
            return
        if self._out_idle:
            self._out_idle = False
            self._out_clock = self._now
            return
        self._out_clock, n = self._budget(self._out_clock, self._out_backlog)
        n = min(n, len(pending))
        if n <= 0:
            return
        try:
            sent = os.write(self.master, bytes(pending[:n]))
        except OSError:  # EAGAIN: the host does not read and the kernel buffer is full
            sent = 0
        for b in pending[:sent]:
            if b == XOFF:
                self.xoff_on_wire = True
            elif b == XON:
                self.xoff_on_wire = False
        del pending[:sent]
        self._out_backlog = len(pending)  # still in the firmware's transmit buffer: crosses even if we stall
        self._out_clock += sent / self.byte_rate
        self.bytes_out += sent

    def seconds_per_byte(self) -> float:
        return 1.0 / self.byte_rate

    # -- life ----------------------------------------------------------------------------------
    def unplug(self) -> None:
        """A USB cable pulled: the host's next read or write fails, and the device node goes away."""
        self.close()

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        if self.link_path:
            with contextlib.suppress(OSError):
                if self.link_path.is_symlink() and os.readlink(self.link_path) == self.port:
                    self.link_path.unlink()
        for fd in (self.master, self._slave):
            with contextlib.suppress(OSError):
                os.close(fd)
