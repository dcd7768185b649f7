"""What is in flight on a GRBL link: each line sent and its answer's waiter, and telling an
answer lost on the link from a slow one by the status reports (GRBL has no line numbers).

Kept apart from drivers/grbl.py (the threads, sending and streaming), as drivers/marlin_window.py
is for Marlin.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field

from drivers import grbl_protocol as gp


@dataclass
class Sent:
    nbytes: int
    index: int | None  # program line, None for the driver's own commands
    waiter: Waiter | None = None
    slow: bool = False  # a dwell or homing: GRBL may show Idle with empty buffers before answering


SLOW = re.compile(r"G0*4(?![0-9.])|^\$H", re.IGNORECASE)


@dataclass
class Waiter:
    done: threading.Event = field(default_factory=threading.Event)
    messages: list = field(default_factory=list)
    result: gp.Ok | gp.Error | None = None


@dataclass
class LostAnswerWatch:
    """GRBL idle with empty buffers while lines are still counted in flight: an answer (or a
    whole line, merged into another by a lost newline) was lost on the link. Every answer is
    sent before a later status report, so two such reports, well after the last write, prove it.
    "Empty" is judged against the largest free counts seen (GRBL's own buffer sizes)."""

    max_planner_free: int = 0
    max_rx_free: int = 0
    idle_reports: int = 0

    def proven(self, st: gp.Status, unanswered: bool, quiet: bool, slow: bool) -> bool:
        """Whether this report makes two in a row showing a lost answer. `unanswered`: lines
        in flight; `quiet`: nothing written for two status intervals; `slow`: a dwell or homing
        in flight (it may be answered after an idle report)."""
        if st.planner_free is not None:
            self.max_planner_free = max(self.max_planner_free, st.planner_free)
        if st.rx_free is not None:
            self.max_rx_free = max(self.max_rx_free, st.rx_free)
        empty = (st.state == "Idle" and st.planner_free is not None and st.rx_free is not None
                 and st.planner_free >= self.max_planner_free and st.rx_free >= self.max_rx_free)
        if not (unanswered and empty and quiet) or slow:
            self.idle_reports = 0
            return False
        self.idle_reports += 1
        return self.idle_reports >= 2
