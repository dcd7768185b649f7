"""Pause / resume / cancel flags shared by the serial drivers.

The job worker calls these from its control thread while `stream()` runs in another; the
flags live under the driver's `_cond`, and every change wakes the streaming thread. Cancel
runs the driver's own safe-stop sequence in the caller's thread, then releases the stream,
which raises `Cancelled` once the machine is safe.
"""

from __future__ import annotations

from collections.abc import Callable

from drivers.base import Cancelled, DisconnectedError, DriverError, StreamResult


class StreamFlags:
    """Mixin: needs `_cond` (threading.Condition), `_cancel_done` (threading.Event), `_link`,
    `_stream_lock` (threading.Lock) and `_streaming`."""

    def _exclusive_stream(self, run: Callable[[], StreamResult]) -> StreamResult:
        """Run one stream at a time on a connected link; `_streaming` is cleared however it ends."""
        if self._link is None:
            raise DisconnectedError("not connected: call connect() first")
        if not self._stream_lock.acquire(blocking=False):
            raise DriverError("a stream is already running on this driver")
        try:
            return run()
        finally:
            with self._cond:
                self._streaming = False
            self._stream_lock.release()

    def _set_flags(self, **flags: bool) -> None:
        with self._cond:
            for name, value in flags.items():
                setattr(self, f"_{name}", value)
            self._cond.notify_all()

    def _cancel_with(self, safe_stop: Callable[[], None]) -> None:
        self._safe_done: list[str] = []
        self._set_flags(cancel=True)
        try:
            safe_stop()
        finally:
            self._cancel_done.set()
            with self._cond:
                self._cond.notify_all()

    def _did(self, action: str) -> None:
        """Record one safety action of the cancel (`drivers.base.SAFE_ACTIONS`)."""
        self._safe_done = [*getattr(self, "_safe_done", []), action]

    def _cancelled(self, line: int, message: str) -> Cancelled:
        """The `Cancelled` a stream raises: the lines done and what the safe stop did."""
        return Cancelled(message, line=line, done=list(getattr(self, "_safe_done", [])))
