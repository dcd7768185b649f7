"""How far did the firmware get? Asked on a fresh link after the sender died, before anything
resets the machine or its line numbers.

- Marlin numbers every line: a line with a number that cannot be next (`N0`) makes it answer
  `Error:Line Number is not Last Line Number+1, Last Line: L` and `Resend: L+1` (Marlin
  `queue.cpp` `gcode_line_error()`; the RX buffer is flushed with it, so nothing the dead
  sender left half-way is taken after it). Every line up to L is in Marlin's queue or done;
  `M400` then `M114` wait until they have all run (the position report comes once the moves
  are over). With the mark's number of the run's first program line, L is a program line.
- GRBL has no line numbers. It runs every line it has taken; status reports (`?`, a real-time
  byte that enters no buffer) show it `Idle` with its buffers still once it has run them all.
  Then every line the mark says was written has run, and nothing else did.

Either answer is exact only when the mark is certain (the sender did not die inside a write)
and the firmware answers in time; otherwise `None`, and the caller keeps its lower bound.
The moves the firmware had already taken run to their end first (a few seconds at most: its
buffers); then the caller does what cancel does.
"""

from __future__ import annotations

import logging
import queue
import time
from collections.abc import Callable

from drivers import grbl_protocol as gp
from drivers import marlin_protocol as mp
from drivers.base import DriverError
from drivers.sent_mark import MarkState
from drivers.serial_link import SerialLink

log = logging.getLogger(__name__)
SETTLE_S = 15.0
POLL_S = 0.1


Position = dict[str, float]


def settle(driver: str, port: str, baud: int, mark: MarkState, *, flow_control: str | None = "none",
           timeout: float = SETTLE_S, position_after: Callable[[int], Position | None] | None = None) -> int | None:
    """Program lines (from the start of the file) the firmware took and ran, or None.

    `position_after(n)`: where the program leaves the tool after its first n lines (work
    coordinates, mm); with it, a GRBL sender that died inside a write is settled by where the
    machine stopped: at the end of the line it was writing, or of the one before."""
    if driver not in ("grbl", "marlin"):
        return None
    events: queue.Queue = queue.Queue()
    try:
        link = SerialLink(port, baud, on_line=events.put, on_disconnect=lambda exc: events.put(None),
                          flow_control=flow_control, name=f"settle-{driver}")
    except DriverError as exc:
        log.warning("settle on %s: %s", port, exc)
        return None
    try:
        if driver == "grbl":
            return _grbl(link, events, mark, time.monotonic() + timeout, position_after)
        return _marlin(link, events, mark, time.monotonic() + timeout)
    except DriverError as exc:
        log.warning("settle on %s: %s", port, exc)
        return None
    finally:
        link.close()


def _next(events: queue.Queue, deadline: float) -> str | None:
    """The next line from the firmware (None when the link dropped); raises at the deadline."""
    left = deadline - time.monotonic()
    if left <= 0:
        raise DriverError("no answer in time")
    try:
        line = events.get(timeout=min(left, POLL_S))
    except queue.Empty:
        return ""
    if line is None:
        raise DriverError("link lost")
    return line


def _grbl(link: SerialLink, events: queue.Queue, mark: MarkState, deadline: float,
          position_after: Callable[[int], Position | None] | None) -> int | None:
    previous: tuple | None = None
    wco: tuple[float, ...] | None = None
    last_poll = 0.0
    while True:
        if time.monotonic() - last_poll >= POLL_S:
            link.write(b"?")
            last_poll = time.monotonic()
        text = _next(events, deadline)
        ev = gp.parse_line(text) if text else None
        if not isinstance(ev, gp.Status):
            continue
        wco = ev.wco or wco
        if ev.state in ("Alarm", "Door", "Sleep") or ev.state.startswith("Hold"):
            log.warning("settle: GRBL is %s: what it dropped cannot be told", ev.state)
            return None  # a reset, a limit, a hold someone else will end: not a clean drain
        now = (ev.state, ev.planner_free, ev.rx_free)
        if ev.state == "Idle" and now == previous:  # two reports alike: it has run all it took
            if mark.certain:
                done: int | None = mark.written
            elif ev.wpos is None and wco is None:
                continue  # the work offset comes every few reports: wait for it
            else:
                done = _by_position(ev, wco, mark, position_after)
            link.write(b"\x18")  # idle: the position stays; a half line a dead sender left is dropped
            return done
        previous = now


def _by_position(ev: gp.Status, wco: tuple[float, ...] | None, mark: MarkState,
                 position_after: Callable[[int], Position | None] | None) -> int | None:
    """The sender died writing line k: did GRBL run it? Where the machine stands says."""
    if position_after is None:
        return None
    if ev.wpos is not None:
        work = ev.wpos
    elif ev.mpos is not None and wco is not None:
        work = tuple(m - o for m, o in zip(ev.mpos, wco, strict=False))
    else:
        return None
    k = mark.sending_i

    def at(pos: Position | None) -> bool:
        return pos is not None and all(abs(work[i] - pos[a]) < 0.01 for i, a in enumerate("XYZ") if a in pos)

    after, before = at(position_after(k + 1)), at(position_after(k))
    if after != before:
        return k + 1 if after else k
    log.warning("settle: GRBL stands where lines %d and %d both leave it: cannot tell", k, k + 1)
    return None


def _marlin(link: SerialLink, events: queue.Queue, mark: MarkState, deadline: float) -> int | None:
    link.write(b"\n" + (mp.numbered(0, "M105") + "\n").encode())
    last = None
    while last is None:
        text = _next(events, deadline)
        ev = mp.parse_line(text) if text else None
        if isinstance(ev, mp.Resend):
            last = ev.line - 1
        elif isinstance(ev, mp.Fatal):
            return None
    link.write(b"M400\nM114\n")
    reported = False
    while True:  # the position report comes once the moves before it are done; then its `ok`
        text = _next(events, deadline)
        ev = mp.parse_line(text) if text else None
        if isinstance(ev, mp.Info) and ev.text.startswith("X:") and "Count" in ev.text:
            reported = True
        elif reported and isinstance(ev, mp.Ok):
            break
        elif isinstance(ev, mp.Fatal):
            return None
    if mark.n_first < 0 or last < mark.n_first - 1:
        return mark.start  # no program line of this run was taken (or the firmware restarted)
    return min(mark.start + last - mark.n_first + 1, mark.sending_i + 1)  # its checksum says the line was whole
