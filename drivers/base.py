"""The one small interface every machine driver implements, and its typed errors.

A driver knows lines of a program and a connection, nothing about jobs, users or prices.
`stream()` blocks the calling thread until the program is done, cancelled or failed;
`pause()`, `resume()` and `cancel()` are called from another thread (the job worker's
control loop) and must be safe to call at any time.
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

# What a safe stop did, in order (the `done` parameter of a `driver.cancelled` reason).
SAFE_ACTIONS = ("feed_hold", "soft_reset", "quick_stop", "spindle_off", "hotend_off", "bed_off", "fan_off",
                "motors_off", "buffer_aborted", "knife_up", "print_cancelled")


class DriverError(Exception):
    """Base of every driver failure.

    What a person is shown is `reason` (a stable code, one per class) with `params` (numbers,
    line, the safety actions done), rendered by the web and the CLI in their language
    (`web/driver_reasons.py`); `str()` is the log line, English, for developers, and goes with
    the reason as its technical `detail`."""

    reason = "driver.error"

    def __init__(self, message: str = "", **params: Any) -> None:
        super().__init__(message)
        self.params = params

    def as_reason(self) -> tuple[str, dict[str, Any]]:
        """(code, parameters) for the job's stored reason."""
        params = dict(self.params)
        if str(self) and "detail" not in params:
            params["detail"] = str(self)
        return self.reason, params


class DisconnectedError(DriverError):
    """The port closed or the machine stopped answering at the link level."""

    reason = "driver.disconnected"


class FirmwareError(DriverError):
    """The firmware refused a line (`error:N` on GRBL, `Error:` on Marlin)."""

    reason = "driver.firmware_error"

    def __init__(self, code: str | int | None, meaning: str, line_index: int | None = None):
        self.code = code
        self.meaning = meaning
        self.line_index = line_index
        where = f" at line {line_index + 1}" if line_index is not None else ""
        super().__init__(f"firmware error {code}{where}: {meaning}" if code is not None else f"firmware error{where}: {meaning}",
                         code=code, line=line_index + 1 if line_index is not None else None, meaning=meaning)


class AlarmError(DriverError):
    """The machine went into alarm (`ALARM:N`, thermal runaway, kill()): it needs a human."""

    reason = "driver.alarm"

    def __init__(self, code: str | int | None, meaning: str):
        self.code = code
        self.meaning = meaning
        super().__init__(f"alarm {code}: {meaning}" if code is not None else f"alarm: {meaning}", code=code, meaning=meaning)


class DriverTimeout(DriverError):
    """A bounded wait ran out (no `ok`, no status, hung firmware)."""

    reason = "driver.timeout"


class Cancelled(DriverError):
    """The stream was cancelled on request; the machine was left safe. Parameters: `line` (the
    lines done), `done` (the `SAFE_ACTIONS` the stop carried out), `by` ("server" when the
    print was stopped from the OctoPrint server, not by us)."""

    reason = "driver.cancelled"

    def as_reason(self) -> tuple[str, dict[str, Any]]:
        return (self.reason, dict(self.params)) if self.params else super().as_reason()


@dataclass
class Progress:
    """One progress event. `lines_acked` counts program lines from the start of the file."""

    lines_acked: int
    lines_total: int
    bytes_sent: int
    state: str | None = None  # firmware state: Idle, Run, Hold, Alarm, printing ...
    position: dict[str, float] | None = None
    temperatures: dict[str, float] | None = None

    @property
    def percent(self) -> float:
        return 100.0 * self.lines_acked / self.lines_total if self.lines_total else 100.0


@dataclass
class StreamResult:
    lines_acked: int
    bytes_sent: int
    seconds: float
    extra: dict = field(default_factory=dict)


ProgressCallback = Callable[[Progress], None]


class Driver(abc.ABC):
    """connect, stream, pause, resume, cancel, status, close."""

    # Set by the caller before stream(): the serial drivers record there each program line they
    # write (drivers.sent_mark), for whoever must tell how far the machine got if this process dies.
    sent_mark = None

    @abc.abstractmethod
    def connect(self, timeout: float = 10.0) -> None:
        """Open the link and wait until the firmware is ready (banner / handshake)."""

    @abc.abstractmethod
    def stream(
        self,
        lines: Sequence[str],
        start_line: int = 0,
        on_progress: ProgressCallback | None = None,
    ) -> StreamResult:
        """Send `lines[start_line:]` (after restoring the modal state in force there)."""

    @abc.abstractmethod
    def pause(self) -> None: ...

    @abc.abstractmethod
    def resume(self) -> None: ...

    @abc.abstractmethod
    def cancel(self) -> None:
        """Stop streaming and leave the machine safe; `stream()` then raises `Cancelled`."""

    def emergency_stop(self) -> None:
        """Stop the machine at once (Marlin M112, GRBL soft reset). A protocol without such a
        command (HPGL, OctoPrint) gets the safe cancel."""
        self.cancel()

    @abc.abstractmethod
    def status(self) -> Progress | None: ...

    def telemetry(self) -> Progress | None:
        """State, position and temperatures of an idle machine, asked for at a modest rate by the
        machine worker's monitor (never while a program streams: the run publishes its own)."""
        return self.status()

    @abc.abstractmethod
    def close(self) -> None: ...

    @property
    def dropped_by_cancel(self) -> int | None:
        """Planner blocks the firmware had acknowledged but not run when the last cancel reset it
        (None when the driver cannot tell): a checkpoint steps back over them."""
        value = getattr(self, "_unexecuted", None)
        return int(value) if value is not None else None

    def __enter__(self) -> Driver:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class FirmwareResetError(DriverError):
    """The firmware rebooted mid-job (banner or `start` while streaming): the program's buffered
    lines are lost and the position can no longer be trusted; home before resuming."""

    reason = "driver.firmware_reset"
