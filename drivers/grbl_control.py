"""GRBL control from the job worker's thread: pause (feed hold), resume (cycle start), cancel
(feed hold, wait for Hold, soft reset, spindle off) and the `$C` check-mode dry run.

A mixin of `drivers.grbl.GrblDriver`, kept apart so each file holds one idea: this one is what
another thread may do to a running stream; grbl.py is the streaming itself.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence

from drivers import grbl_protocol as gp
from drivers.base import DriverError, FirmwareError, ProgressCallback
from drivers.control import StreamFlags

log = logging.getLogger("drivers.grbl")


class GrblControl(StreamFlags):
    # -- control from other threads ------------------------------------------------------------------
    def pause(self) -> None:
        """Feed hold: motion decelerates and stops; nothing more is sent until resume()."""
        self._set_flags(paused=True)
        self._realtime(b"!")

    def resume(self) -> None:
        self._realtime(b"~")
        self._set_flags(paused=False)

    def cancel(self) -> None:
        """Stop now and leave the machine safe: feed hold, wait for Hold, soft reset, spindle off."""
        self._cancel_with(self._safe_stop)

    def emergency_stop(self) -> None:
        """Soft reset (0x18) now: GRBL stops motion, spindle and laser at once and drops its buffers."""
        if self._link is not None:
            self._realtime(b"\x18")

    def _safe_stop(self) -> None:
        if self._link is None or self._disconnected is not None:
            return
        deadline = time.monotonic() + self.hold_timeout
        self._realtime(b"!")
        self._did("feed_hold")
        with self._cond:
            seq = self._status_seq
            while time.monotonic() < deadline and self._disconnected is None:
                st = self._status
                if self._status_seq > seq and st and (st.state in ("Idle", "Alarm") or (st.state == "Hold" and st.substate == 0)):
                    break
                self._cond.wait(0.05)
            st = self._status
            capacity = max(self.planner_blocks or 0, self._watch.max_planner_free)
            if st is not None and st.planner_free is not None and capacity:
                # moves GRBL acknowledged but had not run yet: the reset drops them
                self._unexecuted = max(0, capacity - st.planner_free)
            self._expect_reset = True
            banners = self._banners
        try:
            self._realtime(b"\x18")
            self._did("soft_reset")
            with self._cond:
                self._cond.wait_for(lambda: self._banners > banners or self._disconnected is not None,
                                    timeout=self.hold_timeout)
                seq = self._status_seq
                self._cond.wait_for(lambda: self._status_seq > seq, timeout=1.0)
                in_alarm = bool(self._status and self._status.state == "Alarm")
        finally:
            with self._cond:
                self._expect_reset = False
        if not in_alarm:
            try:
                self.command("M5", timeout=self.hold_timeout)  # laser / spindle off, belt and braces
                self._did("spindle_off")
            except DriverError as exc:
                log.warning("M5 after cancel: %s", exc)

    def check_program(self, lines: Sequence[str], on_progress: ProgressCallback | None = None) -> list[FirmwareError]:
        """Dry run in GRBL's check mode (`$C`): every line parsed, nothing moves; returns the errors."""
        errors: list[FirmwareError] = []
        self.command("$C")
        try:
            with self._cond:
                self._error = None
            original = self._answer

            def collect(ev: gp.Ok | gp.Error) -> None:
                head = self._inflight[0] if self._inflight else None
                if isinstance(ev, gp.Error) and head is not None and head.index is not None:
                    errors.append(FirmwareError(ev.code, ev.meaning, head.index))
                original(ev)

            self._answer = collect  # type: ignore[method-assign]
            self.stream(lines, 0, on_progress, stop_on_error=False)
        finally:
            self._answer = original  # type: ignore[method-assign]
            with self._cond:
                self._expect_reset = True
                banners = self._banners
            try:
                self.command("$C", raise_on_error=False)  # leaving check mode soft-resets GRBL
                with self._cond:
                    self._cond.wait_for(lambda: self._banners > banners, timeout=self.hold_timeout)
            finally:
                with self._cond:
                    self._expect_reset = False
        return errors
