"""`ProgramEstimate`: the modelled duration of a program, line by line."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class ProgramEstimate:
    seconds: float  # modelled total: motion, dwells, heating waits
    naive_seconds: float  # Σ length / programmed feed, what a percentage-based guess would use
    lines: int
    cumulative_seconds: np.ndarray  # [lines]: modelled time at which each line is finished
    flavour: str = "grbl"
    motion_seconds: float = 0.0  # moves only
    dwell_seconds: float = 0.0  # G4
    heat_seconds: float = 0.0  # M109/M190 waits
    other_seconds: float = 0.0  # homing cycles (G28), pen lifts
    link_wait_seconds: float = 0.0  # GRBL waiting for lines the serial link has not delivered yet
    blocks: int = 0  # planner blocks (arcs split)
    unread_lines: list[int] = field(default_factory=list)  # lines the model could not read
    block_line: np.ndarray | None = field(default=None, repr=False)  # planner block -> its line
    block_seconds: np.ndarray | None = field(default=None, repr=False)

    def remaining_seconds(self, line_index: int, *, buffered_blocks: int = 0) -> float:
        """Modelled time left once line `line_index` (0-based) is finished; all of it before line 0.

        A firmware acknowledges a line when it is queued, not run: GRBL and Marlin hold up to 15
        planner blocks. `buffered_blocks=15` adds back the time of the blocks still queued
        behind the acknowledged line (the last 15 at or before it)."""
        if line_index < 0 or self.lines == 0:
            return self.seconds
        if line_index >= self.lines:
            return 0.0
        left = float(max(0.0, self.seconds - self.cumulative_seconds[line_index]))
        if buffered_blocks > 0 and self.block_line is not None and len(self.block_line):
            last = int(np.searchsorted(self.block_line, line_index, side="right"))
            left += float(self.block_seconds[max(0, last - buffered_blocks) : last].sum())
        return min(left, self.seconds)

    def to_dict(self) -> dict:
        return {"seconds": round(self.seconds, 3), "naive_seconds": round(self.naive_seconds, 3), "lines": self.lines}


def assemble(
    n_lines: int,
    block_line: np.ndarray,
    block_seconds: np.ndarray,
    extra_seconds: np.ndarray | None,
    naive_seconds: float,
    flavour: str,
    dwell_seconds: float = 0.0,
    heat_seconds: float = 0.0,
    unread: np.ndarray | None = None,
    link_bytes: np.ndarray | None = None,
    link_bytes_per_s: float | None = None,
) -> ProgramEstimate:
    """The estimate from block times (on their lines) and per-line extra seconds.

    With `link_bytes` and `link_bytes_per_s`, a line cannot run before the sender has got it
    through the serial link: finish[i] = max(finish[i-1], received[i]) + own[i], a max-plus
    recurrence solved like the planner's passes (`T + running max of (received - T_before)`).
    It is a floor: a starved planner also brakes, which this does not add."""
    per_line = np.bincount(block_line, weights=block_seconds, minlength=n_lines) if n_lines else np.zeros(0)
    if extra_seconds is not None:
        per_line = per_line + extra_seconds
    cumulative = np.cumsum(per_line)
    link_wait = 0.0
    if n_lines and link_bytes is not None and link_bytes_per_s:
        # The clock starts when the first line has arrived; each later one follows over the link.
        received = (np.cumsum(link_bytes) - link_bytes[0]) / link_bytes_per_s
        before = cumulative - per_line
        finished = cumulative + np.maximum(np.maximum.accumulate(received - before), 0.0)
        link_wait = float(finished[-1] - cumulative[-1])
        cumulative = finished
    total = float(cumulative[-1]) if n_lines else 0.0
    return ProgramEstimate(
        seconds=total,
        naive_seconds=float(naive_seconds),
        lines=n_lines,
        cumulative_seconds=cumulative,
        flavour=flavour,
        motion_seconds=float(block_seconds.sum()),
        dwell_seconds=float(dwell_seconds),
        heat_seconds=float(heat_seconds),
        other_seconds=max(0.0, total - float(block_seconds.sum()) - dwell_seconds - heat_seconds - link_wait),
        link_wait_seconds=link_wait,
        blocks=len(block_seconds),
        unread_lines=[] if unread is None else [int(i) for i in unread[:100]],
        block_line=block_line,
        block_seconds=block_seconds,
    )


def stops_before(block_line: np.ndarray, stop_lines: np.ndarray) -> np.ndarray:
    """True for the first block at or after each line that empties the planner (and block 0)."""
    if len(block_line) == 0:
        return np.zeros(0, dtype=bool)
    stops = np.sort(np.asarray(stop_lines, dtype=np.int64))
    passed = np.searchsorted(stops, block_line, side="right")
    out = np.empty(len(block_line), dtype=bool)
    out[0] = True
    out[1:] = passed[1:] > passed[:-1]
    return out
