"""A durable "sent up to" mark: which program line a sender was writing, and which it had
written, when it died.

Why: the acknowledgements of the last lines sent go to the process holding the serial link.
Killed (`kill -9`, the OOM killer), it takes them along, and the next process cannot tell how
far the machine got from the acknowledgements alone. Written before and after each program
line's write (two `pwrite`s of 64 bytes into the page cache: a killed process's writes
survive it), the mark bounds what the firmware can have received; `drivers.settle` then asks
the firmware, on a fresh link, where in that range it is.

The mark knows nothing of jobs: `run` is an opaque number the caller chooses (the job id).
"""

from __future__ import annotations

import contextlib
import os
import struct
from dataclasses import dataclass
from pathlib import Path

_FMT = struct.Struct("<7q")  # run, start, n_first, sending_n, sending_i, sent_n, sent_i


@dataclass(frozen=True)
class MarkState:
    """A mark as read back. Line indexes are 0-based program lines; `n` are Marlin line numbers
    (-1 for a protocol without them)."""

    run: int
    start: int  # the program line the run started from
    n_first: int  # the line number the first program line of the run was sent with (-1: none yet)
    sending_n: int
    sending_i: int  # the program line being written (start - 1: none)
    sent_n: int
    sent_i: int  # the last program line whose write returned

    @property
    def written(self) -> int:
        """Program lines (from the start of the file) whose bytes were all handed to the link."""
        return self.sent_i + 1

    @property
    def certain(self) -> bool:
        """False when the sender died inside a write: that line may be on the wire in part."""
        return self.sending_i == self.sent_i


class SentMark:
    """The writer side, held by the driver while it streams (one file per machine)."""

    def __init__(self, path: str | os.PathLike, run: int, start_line: int):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        self._v = [run, start_line, -1, -1, start_line - 1, -1, start_line - 1]
        self._write()

    def _write(self) -> None:
        os.pwrite(self._fd, _FMT.pack(*self._v), 0)

    def sending(self, n: int, index: int) -> None:
        """About to write program line `index` (with line number `n`, -1 without)."""
        if self._v[2] < 0 <= n:
            self._v[2] = n
        self._v[3], self._v[4] = n, max(index, self._v[4])
        self._write()

    def sent(self, n: int, index: int) -> None:
        """The write of program line `index` returned: its bytes are the link's now."""
        self._v[5], self._v[6] = n, max(index, self._v[6])
        self._v[4] = max(self._v[4], self._v[6])
        self._write()

    def close(self) -> None:
        with contextlib.suppress(OSError):
            os.close(self._fd)


def read_mark(path: str | os.PathLike) -> MarkState | None:
    """The mark a sender left, or None (no file, cleared, or torn)."""
    try:
        data = Path(path).read_bytes()[:_FMT.size]
    except OSError:
        return None
    if len(data) < _FMT.size:
        return None
    state = MarkState(*_FMT.unpack(data))
    return state if state.run > 0 else None


def clear_mark(path: str | os.PathLike) -> None:
    """The run's end was recorded by a live sender or settled: nothing left to learn."""
    with contextlib.suppress(FileNotFoundError):
        Path(path).unlink()
