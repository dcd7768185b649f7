"""What every simulated firmware shares: a bounded RX buffer filled byte by byte from the wire,
an output queue, counters a test can read, and the hooks the engine calls.

The engine calls `receive()` with the bytes that crossed the wire, then `tick()`; the firmware
takes complete lines out of `rx` only when it would (planner or queue space), so a host that
does not respect the buffer finds its bytes dropped at the door, as on real hardware.
"""

from __future__ import annotations

from collections import deque

from drivers.sim.faults import Faults

RECEIVED_LOG_LIMIT = 200_000


class Firmware:
    name = "base"
    newline = b"\n"

    def __init__(self, *, speed_factor: float, rx_buffer: int, faults: Faults | None = None):
        if rx_buffer < 16:
            raise ValueError("rx_buffer must be at least 16 bytes")
        self.speed_factor = speed_factor
        self.rx = bytearray()
        self.rx_capacity = rx_buffer
        self.out = bytearray()
        self.faults = faults or Faults()
        self.lines_received = 0  # complete lines taken out of the RX buffer
        self.lines_processed = 0  # lines answered (ok or error)
        self.errors_sent = 0
        self.bytes_dropped = 0  # lost to RX overflow
        self.received: deque[str] = deque(maxlen=RECEIVED_LOG_LIMIT)  # lines taken, as received
        self.hung = False
        self.dead = False  # killed (Marlin kill(), thermal runaway): answers nothing until reset
        self.cts = True  # the firmware's clear-to-send line (RTS/CTS flow control)
        self._late_s = 0.0
        self._lose_next_ok = False
        # A line fault ("reset after answering 50 lines") is due: take no further line until the
        # engine has fired it, so it fires at exactly that count however many lines one tick
        # could handle (a slow, loaded tick used to let an answer or two more slip out first).
        self.fault_due = False

    @property
    def late_s(self) -> float:
        """How late the engine's current step runs (its thread held up by the host OS)."""
        return self._late_s

    @late_s.setter
    def late_s(self, value: float) -> None:
        self._late_s = value
        planner = getattr(self, "planner", None)
        if planner is not None:
            planner.late_s = value

    # -- wire ----------------------------------------------------------------------------------
    def receive(self, data: bytes, now: float) -> None:
        for b in data:
            if self.realtime(b, now):
                continue
            if len(self.rx) >= self.usable_rx():
                self.make_room(now)
            if len(self.rx) < self.usable_rx():
                self.rx.append(b)
            else:
                self.bytes_dropped += 1
        self.after_feed(now)

    def make_room(self, now: float) -> None:
        """The RX buffer is full: take out the lines the main loop would have taken by now (a
        burst of bytes reaches `receive` at once after the simulator's thread was held up)."""

    def usable_rx(self) -> int:
        return self.rx_capacity

    def realtime(self, byte: int, now: float) -> bool:
        """Handle a byte picked off in the UART interrupt (GRBL `?`, `!`...); True if consumed."""
        return False

    def after_feed(self, now: float) -> None:
        """Flow control hook (XOFF, CTS), called after bytes arrived."""

    def take_line(self) -> bytes | None:
        """Pop one complete line out of the RX buffer, without its terminator (\r or \n)."""
        if self.fault_due:
            return None
        for i, b in enumerate(self.rx):
            if b in (0x0A, 0x0D):
                line = bytes(self.rx[:i])
                del self.rx[: i + 1]
                self.lines_received += 1
                self.received.append(line.decode("latin-1"))
                return line
        return None

    def send(self, text: str) -> None:
        if self.hung or self.dead:
            return
        self.out += text.encode("latin-1") + self.newline

    def answer(self, text: str = "ok") -> None:
        """The reply that acknowledges one line; the lost-ok fault swallows it."""
        self.lines_processed += 1
        self.fault_due = self.faults.line_fault_at(self.lines_processed)
        if text.startswith("error") or text.startswith("Error"):
            self.errors_sent += 1
        lost = self._lose_next_ok or self.faults.lost_ok_line == self.lines_processed
        self._lose_next_ok = False
        if not lost:
            self.send(text)

    def lose_next_ok(self) -> None:
        self._lose_next_ok = True

    def is_idle(self) -> bool:
        """Nothing left to read, say or do."""
        return not self.rx and not self.out

    # -- engine hooks ---------------------------------------------------------------------------
    def boot(self, now: float) -> None:
        """Power on: print the banner."""

    def tick(self, now: float) -> None:
        """Run the firmware's main loop up to `now`."""

    def next_event(self, now: float) -> float | None:
        """Seconds until tick() has something to do without new input; None: only on input."""
        return None

    def reset(self, now: float) -> None:
        """Reboot: buffers cleared, banner printed."""
        self.rx.clear()
        self.hung = False
        self.dead = False
        self.boot(now)

    def inject(self, fault: str, now: float) -> None:
        """Alarm / thermal runaway as this firmware shows them; others are handled by the engine."""
        raise ValueError(f"{self.name} simulator cannot inject {fault!r}")

    def snapshot(self) -> dict:
        """Observable state for tests: counters, position, modal state."""
        return {
            "lines_received": self.lines_received,
            "lines_processed": self.lines_processed,
            "errors_sent": self.errors_sent,
            "bytes_dropped": self.bytes_dropped,
            "rx_used": len(self.rx),
            "hung": self.hung,
            "planner_starved_s": round(getattr(getattr(self, "planner", None), "starved_s", 0.0), 6),
            "planner_starvations": getattr(getattr(self, "planner", None), "starvations", 0),
            "planner_starved_stall_s": round(getattr(getattr(self, "planner", None), "starved_stall_s", 0.0), 6),
            "dead": self.dead,
        }
