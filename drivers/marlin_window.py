"""The numbered-line window of the Marlin driver: which lines are in flight, what an `ok`,
`ok N` or `Resend:` acknowledges or rewinds, the guard against resend storms, and the
recovery from a lost `ok`. A mixin of `drivers.marlin.MarlinDriver`; every method here runs
with the driver's `_cond` held.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections import deque
from dataclasses import dataclass, field

from drivers import marlin_protocol as mp
from drivers.base import DriverError, DriverTimeout

log = logging.getLogger("drivers.marlin")
# Bytes of the RX buffer left free: a line the firmware echoes or a byte of noise never overflows it.
RX_MARGIN = 8


@dataclass
class _Line:
    text: str
    index: int | None  # program line, None for the driver's own
    waiter: _Waiter | None = None
    size: int = 0  # bytes on the wire, once sent


@dataclass
class _Waiter:
    done: threading.Event = field(default_factory=threading.Event)
    messages: list = field(default_factory=list)
    ok: mp.Ok | None = None


class NumberedWindow:
    _timeouts_in_row = 0
    _held = 0  # lines acknowledged by a `Resend:` whose own `ok` has not come yet
    _held_below = 0
    max_in_flight = 0  # most lines unanswered at once (the benchmark and tests read it)

    def _release_held(self, ok_line: int) -> None:
        """An `ok N`: a line held since a resend is done, or (N past them) all of them are."""
        if self._held:
            self._held = self._held - 1 if ok_line < self._held_below else 0

    def _ack_upto(self, n: int, ok: mp.Ok) -> None:
        while self._inflight and self._inflight[0] <= n:
            done = self._inflight.popleft()
            line = self._history.get(done)
            if line is None:
                continue
            if line.index is not None:
                self._acked = max(self._acked, line.index + 1)
            if line.waiter:
                line.waiter.ok = ok if done == n else mp.Ok()
                line.waiter.done.set()
            self._timeouts_in_row = 0
        self._prune()

    def _prune(self) -> None:
        oldest = self._inflight[0] if self._inflight else (self._to_send[0] if self._to_send else self._next_n)
        for n in [n for n in self._history if n < oldest - 64]:
            del self._history[n]

    def _on_resend(self, r: int) -> None:
        """`Resend: r`: the firmware has every line before r and discarded the rest."""
        if self._reset_seen or r < self._base_n:
            return  # asked by a firmware that restarted, about numbers from before the last M110
        if self._inflight:
            # Lines before r that the firmware still holds unprocessed keep their command slots
            # until their own `ok N` comes (after this request): count them in the window.
            held = sum(1 for n in self._inflight if n < r)
            if held:
                self._held, self._held_below = held, r
            self._ack_upto(r - 1, mp.Ok())
        if r >= self._next_n:
            return  # asks for a line not sent yet (after a reset): nothing to resend
        if r == self._last_rewind and self._stale > 0:
            self._stale -= 1  # echo of a line that was already on the wire when we rewound
            return
        if r not in self._history:
            self._failure = DriverError(f"Marlin asked to resend line {r}, which is no longer kept")
            return
        self._same_resends = self._same_resends + 1 if r == self._last_rewind else 1
        if self._same_resends > self.resend_limit:
            self._failure = DriverError(f"resend storm: Marlin asked for line {r} {self._same_resends} times in a "
                                        "row (bad cable or interference?)")
            return
        self.resends += 1
        self._stale = max(0, len([n for n in self._inflight if n > r]))
        self._inflight.clear()
        self._to_send = deque(range(r, self._next_n))
        self._last_rewind = r

    def _recover_lost_ok(self) -> None:
        """No answer in time: send the oldest unanswered line again, with its number."""
        self.timeouts += 1
        self._timeouts_in_row += 1
        if self._timeouts_in_row > self.max_timeouts:
            raise DriverTimeout(f"Marlin on {self.port} has not answered for "
                                f"{self.response_timeout * self._timeouts_in_row:.0f} s")
        log.warning("marlin: no answer for %.1f s, sending line %d again", self.response_timeout, self._inflight[0])
        first = self._inflight[0]
        self._stale = len(self._inflight) - 1
        self._last_rewind = first
        self._inflight.clear()
        self._to_send = deque(range(first, self._next_n))
        self._last_activity = time.monotonic()

    def _add(self, text: str, index: int | None, waiter: _Waiter | None = None) -> None:
        n = self._next_n
        self._next_n += 1
        self._history[n] = _Line(text, index, waiter)
        if text.startswith("M110"):
            self._base_n = n
        self._to_send.append(n)

    def _room_for(self, size: int) -> bool:
        """Whether the next line (`size` bytes on the wire) may go now. The oldest unanswered lines
        hold the firmware's command slots (BUFSIZE: `_window`); any line beyond them waits in
        its RX buffer, so with ADVANCED_OK those may fill the RX buffer too (`rx_buffer` bytes,
        less a margin). Without ADVANCED_OK (a plain `ok` names no line) one line at a time."""
        if not self.advanced_ok:
            return not self._inflight
        slots = self._window - self._held
        if len(self._inflight) < slots:
            return True
        waiting = sum(self._history[k].size for k in itertools.islice(self._inflight, max(0, slots), None))
        return waiting + size <= self.rx_buffer - RX_MARGIN

    def _wire_text(self, line: _Line) -> str:
        # After cancel() no program line goes out, not even a resend: its number is kept
        # (Marlin wants them in sequence) with a command that does nothing.
        return "M117" if self._cancel and line.index is not None else line.text

    def _pump(self, force: bool = False) -> None:
        """Write queued lines while the window allows (under `_cond`)."""
        assert self._link is not None
        while self._to_send:
            line = self._history[self._to_send[0]]
            data = None
            if not force:
                data = (mp.numbered(self._to_send[0], self._wire_text(line)) + "\n").encode("latin-1", errors="replace")
                if not self._room_for(len(data)):
                    return
            if self._paused and line.index is not None and not self._cancel and not force:
                return  # paused: program lines wait, the driver's own commands still go
            n = self._to_send.popleft()
            if data is None:
                data = (mp.numbered(n, self._wire_text(line)) + "\n").encode("latin-1", errors="replace")
            if not self._inflight:
                self._last_activity = time.monotonic()
            self._inflight.append(n)
            self.max_in_flight = max(self.max_in_flight, len(self._inflight))
            line.size = len(data)
            mark = self.sent_mark if line.index is not None and not self._cancel else None
            if mark is not None:
                mark.sending(n, line.index)
            self._link.write(data)
            if mark is not None:
                mark.sent(n, line.index)
            self._bytes_sent += len(data)
            if force:
                return
