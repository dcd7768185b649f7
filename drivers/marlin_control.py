"""Marlin control from the job worker's thread: pause (stop sending), resume, cancel (quick
stop `M410` when the emergency parser is there, then heaters, fan and motors off) and `M112`.

A mixin of `drivers.marlin.MarlinDriver`, kept apart as `drivers.grbl_control` is for GRBL:
this file is what another thread may do to a running stream; marlin.py is the streaming.
"""

from __future__ import annotations

import logging
import time
from collections import deque

from drivers.base import DriverError
from drivers.control import StreamFlags

log = logging.getLogger("drivers.marlin")
CANCEL_LINES = ("M104 S0", "M140 S0", "M107", "M84")
CANCEL_ACTIONS = ("hotend_off", "bed_off", "fan_off", "motors_off")  # what each line did (the job's reason says)


class MarlinControl(StreamFlags):
    # -- control from other threads -------------------------------------------------------------
    def pause(self) -> None:
        """Stop sending; what Marlin already holds (a few commands, the planner) still runs."""
        self._set_flags(paused=True)

    def resume(self) -> None:
        self._set_flags(paused=False)

    def cancel(self) -> None:
        """Stop the stream, quick-stop the planner, then heaters, fan and motors off."""
        self._cancel_with(self._safe_stop)

    def _take_back_unsent(self) -> None:
        """Numbers given to lines never sent are taken back (under `_cond`, after the cancel flag)."""
        if self._to_send:
            first_unsent = min(n for n in self._to_send if n >= (max(self._inflight) + 1 if self._inflight else 0))
            for n in range(first_unsent, self._next_n):
                self._history.pop(n, None)
            self._next_n = first_unsent
            self._to_send = deque(n for n in self._to_send if n < first_unsent)

    def _safe_stop(self) -> None:
        with self._cond:
            self._take_back_unsent()
            if self._planner_free is not None:
                self._unexecuted = max(0, self._max_planner_free - self._planner_free)
        if self._link is None or self._disconnected is not None or self._fatal is not None:
            return
        try:
            with self._cond:
                if self.capabilities.get("EMERGENCY_PARSER"):
                    self._add("M410", None)  # acted on as it arrives, ahead of the queue
                    self._pump(force=True)
                deadline = time.monotonic() + self.command_timeout
                while self._inflight and time.monotonic() < deadline:
                    self._check()
                    self._cond.wait(0.05)
            if self.capabilities.get("EMERGENCY_PARSER"):
                self.command("M410")  # moves planned by the commands that were queued before it
                self._did("quick_stop")
            for line, action in zip(CANCEL_LINES, CANCEL_ACTIONS, strict=True):
                self.command(line)
                self._did(action)
        except DriverError as exc:
            log.warning("marlin: cancel sequence incomplete: %s", exc)

    def emergency_stop(self) -> None:
        """M112: immediate kill (heaters and motors off at once); the printer then needs a reset."""
        if self._link is not None:
            self._link.write(b"M112\n")
