"""A planner of timed moves: blocks take (distance / feed) / speed_factor seconds of real time.

Enough physics for a sender: a bounded number of blocks, motion that takes time so the
planner fills when the host sends faster than the machine moves, feed hold that freezes the
block in progress, and a position that is interpolated while a block runs.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

AXES = ("X", "Y", "Z", "E")


@dataclass
class Block:
    start: dict[str, float]
    target: dict[str, float]
    duration: float  # real seconds, already divided by the speed factor
    remaining: float


class Planner:
    def __init__(self, capacity: int, speed_factor: float, axes: tuple[str, ...] = AXES):
        if speed_factor <= 0:
            raise ValueError("speed_factor must be positive")
        self.capacity = capacity
        self.speed_factor = speed_factor
        self.axes = axes
        self.position = {a: 0.0 for a in axes}  # end of the last completed block
        self.blocks: deque[Block] = deque()
        self.held = False
        self._last = 0.0
        self.blocks_done = 0
        self.busy_until = 0.0  # dwell (G4) end time
        # Starvation: time the queue sat empty between one block's end and the next block's
        # arrival (never before the first block nor after the last): a sender too slow to keep
        # the machine moving shows here.
        self.starved_s = 0.0
        self.starvations = 0
        self.starved_stall_s = 0.0
        self.late_s = 0.0  # set by the firmware each step: how late the simulator's thread ran
        self._emptied_at: float | None = None

    @property
    def free(self) -> int:
        return self.capacity - len(self.blocks)

    @property
    def moving(self) -> bool:
        return bool(self.blocks) and not self.held

    @property
    def idle(self) -> bool:
        return not self.blocks

    def planned_end(self) -> dict[str, float]:
        return dict(self.blocks[-1].target) if self.blocks else dict(self.position)

    def add(self, target: dict[str, float], feed_mm_min: float, now: float) -> None:
        """Queue a straight move to `target`; the caller checks `free` first. A move that goes
        nowhere (`G1 F3000`, a G28 at the origin) is no block: GRBL's `plan_buffer_line` and
        Marlin's planner drop a move without steps, and an empty block would count as motion."""
        start = self.planned_end()
        full = {a: target.get(a, start[a]) for a in self.axes}
        if all(full[a] == start[a] for a in self.axes):
            return
        xyz = math.sqrt(sum((full[a] - start[a]) ** 2 for a in self.axes if a != "E"))
        dist = xyz if xyz > 0 else abs(full.get("E", 0.0) - start.get("E", 0.0))
        feed = max(feed_mm_min, 1e-6)
        duration = (dist / (feed / 60.0)) / self.speed_factor
        if not self.blocks:
            self._last = now
            if self._emptied_at is not None and not self.held and now > self._emptied_at:
                gap = now - self._emptied_at
                self.starved_s += gap
                self.starvations += 1
                # the part of the gap the simulator's own thread was held up by the host OS
                self.starved_stall_s += min(gap, self.late_s)
            self._emptied_at = None
        self.blocks.append(Block(start, full, duration, duration))

    def update(self, now: float) -> int:
        """Run the clock to `now`; returns how many blocks completed."""
        done = 0
        dt = max(0.0, now - self._last)
        self._last = now
        if self.held:
            return 0
        while self.blocks and dt >= 0:
            head = self.blocks[0]
            if head.remaining > dt:
                head.remaining -= dt
                break
            dt -= head.remaining
            self.position = dict(head.target)
            self.blocks.popleft()
            done += 1
            if not self.blocks:
                self._emptied_at = now - dt  # when the last block actually ended
        self.blocks_done += done
        return done

    def next_event(self, now: float) -> float | None:
        """Seconds until the running block ends, None when nothing moves."""
        if self.held or not self.blocks:
            return None
        return max(0.0, self.blocks[0].remaining - (now - self._last))

    def live_position(self) -> dict[str, float]:
        if not self.blocks:
            return dict(self.position)
        head = self.blocks[0]
        f = 1.0 - (head.remaining / head.duration if head.duration > 0 else 0.0)
        return {a: head.start[a] + (head.target[a] - head.start[a]) * f for a in self.axes}

    def hold(self, now: float) -> None:
        self.update(now)
        self.held = True

    def release(self, now: float) -> None:
        self._last = now
        if self._emptied_at is not None:
            self._emptied_at = now  # the hold was asked for: not starvation
        self.held = False

    def clear(self) -> None:
        """Drop every queued move (reset, quick stop): the machine stops where it is."""
        self.position = self.live_position()
        self.blocks.clear()
        self.held = False
        self._emptied_at = None  # a stop is not starvation
