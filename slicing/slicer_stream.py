"""A slicer command run while the program it writes is read, so reading overlaps slicing.

PrusaSlicer writes its G-code to `<out>.tmp` layer after layer (a tenth to a third of its
run on small models), then a post-processing pass adds its `M73` lines and renames the file.
Reading the program only after the command ends made `prepare` wait for all of it (issue 15
item 3). Here the growing file is read in pieces while the command runs (the open handle
keeps the first version even when the file is replaced), and `gcode_reader.reuse` takes
those words for the lines the final program shares with it. The caller reads the final file
as before: what was read early only spares reading its lines a second time.

The caller's own work that does not need the program (the mesh checks, the imports of what
reads the program) runs `alongside` the command, on the core the command leaves idle while
it starts and slices, instead of before it; when that work refuses the job, the command is
killed and waited for.

The folder is watched (`file_events`): the first version is read whole the moment it is
closed (while PrusaSlicer's post-processing pass runs), and the caller gets the program the
moment the final file is renamed into place (`published`), while the command still ends
(4-18 ms of PrusaSlicer tearing itself down on a small part); `ending_commands` waits for it.
"""

from __future__ import annotations

import logging
import os
import select
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from gcode_reader.tokens import Words, joined, tokenize
from slicing.ending_commands import ENDING_GRACE_S, end_signal, let_end
from slicing.file_events import FolderEvents
from slicing.free_cores import free_cores

log = logging.getLogger(__name__)

# How often the file is looked at (each wake-up costs a few hundred µs of CPU on a busy host;
# the end of the command wakes the runner at once): rarely while the slicer slices, more
# often once it has opened its output.
IDLE_POLL_S, WRITING_POLL_S = 0.1, 0.02
SLICER_WRITING_CORES = 2  # PrusaSlicer's G-code export runs on about two
PIECE_BYTES = 1 << 18  # read once this much has been written: ~10k lines, a small share of fixed costs


@dataclass
class GrowingProgram:
    """The complete lines of a file being written, and their words, read piece by piece."""

    path: Path
    lines: list[str] = field(default_factory=list)
    _parts: list[Words] = field(default_factory=list)
    _offsets: list[int] = field(default_factory=list)
    _handle: IO[bytes] | None = None
    _pending: bytearray = field(default_factory=bytearray)
    _failed: bool = False

    def read(self, last: bool = False) -> None:
        """Read what was written since; tokenize it when a piece is there (`last`: all of it).
        A failure here only loses the head start: the final file is read in full instead."""
        if self._failed:
            return
        try:
            self._read(last)
        except Exception:  # noqa: BLE001 - an optimisation must never fail the job
            log.exception("reading %s while it was written failed", self.path)
            self._failed = True
            self.lines, self._parts, self._offsets = [], [], []

    def _read(self, last: bool) -> None:
        if self._handle is None:
            if not os.path.exists(self.path):  # a stat: cheaper than a failed open every few ms
                return
            try:
                self._handle = open(self.path, "rb")  # noqa: SIM115 - held across calls, closed by close()
            except FileNotFoundError:
                return
        self._pending += self._handle.read()
        cut = len(self._pending) if last else self._pending.rfind(b"\n") + 1
        if not cut or (not last and cut < PIECE_BYTES):
            return
        piece = self._pending[:cut].decode("ascii", "replace")
        del self._pending[:cut]
        lines = piece.splitlines()
        if lines:
            self._offsets.append(len(self.lines))
            self._parts.append(tokenize(lines))
            self.lines += lines

    @property
    def started(self) -> bool:
        """The file is open: its writer has begun."""
        return self._handle is not None

    def words(self) -> Words:
        return joined(self._parts, self._offsets, len(self.lines)) if self._parts else tokenize([])

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None


@dataclass
class Finished:
    """A command that ended, or published its result (`returncode` None: still ending, see
    `run_reading`): its exit code and output, and the program as read while it ran."""

    returncode: int | None
    stdout: str
    stderr: str
    early_lines: list[str]
    early_words: Words


class Stopped:
    """The command was killed because the work done alongside it refused the job."""


STOPPED = Stopped()


def spare_core() -> bool:
    """Whether a core is free beside the slicer's while it writes its program: reading it then
    only helps with one. PrusaSlicer writes on ~2 cores (1.9 measured from /proc on organic 330k),
    so it takes three free ones; on a busier host the reading takes CPU the slicer wants (a 2-core
    host at load 5: the command 20 % slower, nothing gained) and the program is read whole once
    closed."""
    return free_cores() >= SLICER_WRITING_CORES + 1


def run_reading(cmd: list[str], cwd: Path, writing: Path | None, timeout: float,
                alongside: Callable[[], bool] | None = None, published: Path | None = None,
                pieces: bool = True) -> Finished | Stopped | None:
    """Run `cmd` in `cwd` while reading the file `writing` it writes (None: read nothing):
    whole the moment it is closed, and piece by piece while it grows if `pieces` (see
    `spare_core`). None after `timeout` seconds (the command is killed). `alongside` runs
    once the command has started; when it returns False (or raises) the command is killed and
    waited for, and STOPPED is returned (or the exception raised). `published`: the file the command renames
    into place as its last act; once it is there, Finished comes back at once (returncode
    None) and `ending_commands` waits for the command's end."""
    out_path, err_path = cwd / "slicer.stdout", cwd / "slicer.stderr"
    growing = GrowingProgram(writing or cwd / "slicer.nothing")
    events = FolderEvents.open(cwd) if writing is not None or published is not None else None
    proc = ended = None
    try:
        with open(out_path, "wb") as out, open(err_path, "wb") as err:
            proc = subprocess.Popen(cmd, stdout=out, stderr=err, cwd=cwd)
        deadline = time.monotonic() + timeout
        if alongside is not None and not alongside():
            return STOPPED  # killed and waited for below
        ended = end_signal(proc.pid)
        while not _ended(proc, ended, events, WRITING_POLL_S if growing.started else IDLE_POLL_S):
            if time.monotonic() > deadline:
                return None
            if events is not None:
                events.read()
            closed = events is not None and writing is not None and writing.name in events.finished
            if closed or (pieces and writing is not None):
                growing.read(last=closed)  # the same reading later costs the same, and nobody waits for it now
            if published is not None and (published.name in events.arrived if events is not None
                                          else published.exists()):
                let_end(proc, Path(cmd[0]).name, min(ENDING_GRACE_S, deadline - time.monotonic()))
                proc = None  # ending_commands' now
                return _finished(None, out_path, err_path, growing)
        growing.read(last=True)
        return _finished(proc.returncode, out_path, err_path, growing)
    finally:
        growing.close()
        if events is not None:
            events.close()
        if ended is not None:
            os.close(ended)
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait()


def _finished(code: int | None, out_path: Path, err_path: Path, growing: GrowingProgram) -> Finished:
    return Finished(code, out_path.read_text(errors="replace"), err_path.read_text(errors="replace"),
                    growing.lines, growing.words())


def _ended(proc: subprocess.Popen, ended: int | None, events: FolderEvents | None, wait_s: float) -> bool:
    """Whether the command ended, after waiting up to `wait_s` for it (or for a file event)."""
    if ended is not None:
        ready = select.select([ended] if events is None else [ended, events], [], [], wait_s)[0]
        if ended not in ready:
            return False
        proc.wait()
        return True
    if events is not None:  # woken by a file event or after `wait_s`
        select.select([events], [], [], wait_s)
        return proc.poll() is not None
    try:
        proc.wait(timeout=wait_s)
        return True
    except subprocess.TimeoutExpired:
        return False
