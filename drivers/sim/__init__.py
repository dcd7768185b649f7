"""Firmware simulators behind a pseudo-terminal, for the demo and the tests.

`start_simulator("grbl")` opens a pty, starts the firmware model in a background *thread* of
the calling process (the `fablab simulate` command runs one in its own process), and returns
a handle whose `port` any pyserial client opens like a serial port. The link is paced to the
baud rate, buffers have their real sizes, motion takes time divided by `speed_factor`.

Options (keyword arguments, also accepted by `fablab simulate` where it has a flag):
- every firmware: `rx_buffer` (bytes), and the fault fields of `drivers.sim.faults.Faults`
  (`corrupt_line`, `lost_ok_line`, `reset_at_line`, `hang_at_line`, ... , `seed`);
- grbl: `planner_blocks` (15), `version` ("1.1h");
- marlin: `advanced_ok` (True), `bufsize` (4 command slots), `planner_blocks` (16),
  `keepalive_s` (2.0), `emergency_parser` (True);
- hpgl: `buffer` bytes, flow control follows what the host sets on the port (XON/XOFF or RTS/CTS).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from drivers.sim.engine import SimEngine
from drivers.sim.faults import Faults
from drivers.sim.firmware import Firmware
from drivers.sim.link import PacedPty


def _firmware_factory(firmware: str) -> Callable[..., Firmware]:
    if firmware == "grbl":
        from drivers.sim.grbl import GrblFirmware

        return GrblFirmware
    if firmware == "marlin":
        from drivers.sim.marlin import MarlinFirmware

        return MarlinFirmware
    if firmware == "hpgl":
        from drivers.sim.hpgl import HpglFirmware

        return HpglFirmware
    raise ValueError(f"unknown firmware {firmware!r}: grbl, marlin or hpgl")


DEFAULT_RX = {"grbl": 128, "marlin": 128, "hpgl": 1024}


@dataclass
class SimHandle:
    """A running simulator. `port` is the pty slave path; `state()` a snapshot for tests."""

    firmware_name: str
    port: str
    link_path: str | None
    baud: int
    speed_factor: float
    engine: SimEngine = field(repr=False)

    @property
    def firmware(self) -> Firmware:
        return self.engine.firmware

    def state(self) -> dict:
        """Counters, position, modal state... taken under the simulator's lock."""
        with self.engine.lock:
            snap = self.engine.firmware.snapshot()
        snap["bytes_in"] = self.engine.pty.bytes_in
        snap["bytes_out"] = self.engine.pty.bytes_out
        snap["disconnected"] = self.engine.disconnected
        return snap

    def received_lines(self) -> list[str]:
        with self.engine.lock:
            return list(self.engine.firmware.received)

    def inject(self, fault: str) -> None:
        """Fire a fault now: reset, disconnect, alarm, thermal_runaway, hang, lost_ok, corrupt, drop."""
        self.engine.inject(fault)

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Wait (bounded) until the firmware has nothing left to move or read."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.engine.lock:
                if self.engine.firmware.is_idle():
                    return True
            time.sleep(0.01)
        return False

    @property
    def running(self) -> bool:
        return self.engine.is_alive()

    def stop(self) -> None:
        """Stop the thread, close the pty and remove the symlink (idempotent)."""
        self.engine.stop()

    def __enter__(self) -> SimHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_simulator(
    firmware: str,
    *,
    link_path: str | None = None,
    baud: int = 115200,
    speed_factor: float = 20.0,
    **options: object,
) -> SimHandle:
    """Start a firmware simulator in a background thread; see the module docstring for options."""
    factory = _firmware_factory(firmware)
    if speed_factor <= 0:
        raise ValueError("speed_factor must be positive")
    faults = Faults.from_options(options)
    fault_names = set(Faults.__dataclass_fields__)
    fw_options = {k: v for k, v in options.items() if k not in fault_names and v is not None}
    fw_options.setdefault("rx_buffer", DEFAULT_RX[firmware])
    fw = factory(speed_factor=speed_factor, faults=faults, **fw_options)
    pty = PacedPty(baud, str(link_path) if link_path else None)
    engine = SimEngine(fw, pty, faults)
    engine.start()
    return SimHandle(firmware, pty.port, str(link_path) if link_path else None, baud, speed_factor, engine)


__all__ = ["SimHandle", "start_simulator", "Faults"]
