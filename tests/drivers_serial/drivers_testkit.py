"""Helpers for the driver tests (a module with a unique name, importable from the test files)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


def wait_until(predicate: Callable[[], object], timeout: float, what: str = "condition") -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.01)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


class StreamThread(threading.Thread):
    """Runs driver.stream() in its own thread, as the job worker does; keeps result or error."""

    def __init__(self, driver, lines, start_line: int = 0):  # noqa: ANN001
        super().__init__(daemon=True)
        self.driver, self.lines, self.start_line = driver, lines, start_line
        self.result = None
        self.error: BaseException | None = None
        self.progress = []

    def run(self) -> None:
        try:
            self.result = self.driver.stream(self.lines, self.start_line, on_progress=self.progress.append)
        except BaseException as exc:  # noqa: BLE001 - the test inspects it
            self.error = exc

    def finish(self, timeout: float = 30.0):  # noqa: ANN201
        self.join(timeout)
        assert not self.is_alive(), "stream() did not end in time"
        return self
