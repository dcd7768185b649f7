"""The simulator's thread: moves bytes between the paced pty and the firmware model, runs the
firmware's clock, and fires injected faults."""

from __future__ import annotations

import logging
import select
import threading
import time

from drivers.sim.faults import ON_DEMAND, Faults
from drivers.sim.firmware import Firmware
from drivers.sim.link import PacedPty

log = logging.getLogger(__name__)
IDLE_WAIT_S = 0.05
BUSY_WAIT_S = 0.0008


class SimEngine(threading.Thread):
    def __init__(self, firmware: Firmware, pty: PacedPty, faults: Faults):
        super().__init__(daemon=True, name=f"sim-{firmware.name}")
        self.firmware = firmware
        self.pty = pty
        self.faults = faults
        self.lock = threading.RLock()  # held while the firmware state changes; tests read under it
        self._stop_event = threading.Event()
        self._pending: list[str] = []
        self._fired: set[str] = set()
        self._host_line = 1  # the host line whose bytes are on the wire now
        self._corrupt_next = self._drop_next = False
        self._noisy_line = 0
        self.disconnected = False
        self.error: BaseException | None = None

    # -- control from other threads ---------------------------------------------------------------
    def inject(self, fault: str) -> None:
        if fault not in ON_DEMAND:
            raise ValueError(f"unknown fault {fault!r}; one of {', '.join(ON_DEMAND)}")
        with self.lock:
            self._pending.append(fault)

    def stop(self, timeout: float = 5.0) -> None:
        self._stop_event.set()
        if self.is_alive() and threading.current_thread() is not self:
            self.join(timeout)
        self.pty.close()

    # -- the loop ---------------------------------------------------------------------------------
    def run(self) -> None:
        try:
            with self.lock:
                self.firmware.boot(time.monotonic())
            while not self._stop_event.is_set():
                self._step()
        except BaseException as exc:  # pragma: no cover - kept for tests to see, and logged
            self.error = exc
            log.exception("simulator crashed")

    _wake_due: float | None = None

    def _step(self) -> None:
        fw, pty = self.firmware, self.pty
        now = time.monotonic()
        # How late this step runs past the wake-up it asked for: the host OS held the thread up
        # (a busy machine), time a real firmware would have spent running.
        fw.late_s = max(0.0, now - self._wake_due) if self._wake_due is not None else 0.0
        pty.advance(now)
        with self.lock:
            self._run_pending(now)
            data = b"" if self.disconnected else pty.read(cts=fw.cts)
            if data:
                fw.receive(self._byte_faults(data), now)
            fw.tick(now)
            self._line_faults(now)
            if not self.disconnected:
                pty.write(fw.out)
            out_pending = bool(fw.out)
            nxt = fw.next_event(now)
        if self.disconnected:
            self._wake_due = None
            self._stop_event.wait(IDLE_WAIT_S)
            return
        if data or out_pending:
            self._wake_due = time.monotonic() + BUSY_WAIT_S
            time.sleep(BUSY_WAIT_S)
            return
        timeout = IDLE_WAIT_S if nxt is None else min(max(nxt, 0.0), IDLE_WAIT_S)
        self._wake_due = time.monotonic() + timeout
        if pty.host_may_send(fw.cts):
            try:
                select.select([pty.master], [], [], timeout)
            except (OSError, ValueError):
                self._stop_event.wait(timeout)
        else:
            self._stop_event.wait(min(timeout, 0.005))

    # -- faults -----------------------------------------------------------------------------------
    def _byte_faults(self, data: bytes) -> bytes:
        f = self.faults
        out = bytearray()
        for b in data:
            line = self._host_line
            if b == 0x0A:
                self._host_line += 1
            else:
                if (f.drop_byte_line == line and f"drop{line}" not in self._fired) or self._drop_next:
                    self._fired.add(f"drop{line}")
                    self._drop_next = False
                    continue
                if f.drop_rate and f.rng.random() < f.drop_rate:
                    continue
                if (f.corrupt_line == line and f"corrupt{line}" not in self._fired) or self._corrupt_next:
                    self._fired.add(f"corrupt{line}")
                    self._corrupt_next = False
                    b ^= 0x04
                elif f.corrupt_rate and self._noisy_line != line and f.rng.random() < f.corrupt_rate:
                    # At most one flipped bit per line: Marlin's XOR checksum catches any single
                    # flip, while two flips of the same bit in one line pass unseen (as on real
                    # hardware); the tests want every injected error to be detectable.
                    self._noisy_line = line
                    b ^= 1 << f.rng.randrange(5)  # low bits: printable stays printable, never a newline
            out.append(b)
        return bytes(out)

    def _line_faults(self, now: float) -> None:
        f, n = self.faults, self.firmware.lines_processed
        for name in ("reset", "disconnect", "alarm", "thermal_runaway", "hang"):
            at = getattr(f, f"{name}_at_line")
            if at is not None and n >= at and name not in self._fired:
                self._fired.add(name)
                self._do(name, now)
        self.firmware.fault_due = False  # fired: the firmware takes lines again (if it still can)

    def _run_pending(self, now: float) -> None:
        while self._pending:
            self._do(self._pending.pop(0), now)

    def _do(self, fault: str, now: float) -> None:
        fw = self.firmware
        if fault == "reset":
            fw.reset(now)
        elif fault == "disconnect":
            self.disconnected = True
            self.pty.unplug()
        elif fault == "hang":
            fw.hung = True
        elif fault == "lost_ok":
            fw.lose_next_ok()
        elif fault == "corrupt":
            self._corrupt_next = True
        elif fault == "drop":
            self._drop_next = True
        else:
            fw.inject(fault, now)
