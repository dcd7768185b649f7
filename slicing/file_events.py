"""Which files of a folder were finished (closed after writing) or renamed into it, told
the moment it happens.

A slicer's runner wants to act the moment its program is complete (`slicer_stream`), not at
its next look (every 20 ms, half a small part's slicing). Linux tells it through inotify
(`inotify_simple`, a thin ctypes layer over the system calls); where there is none, `open`
gives None and the caller keeps looking at the files itself.

One inotify instance per thread, kept: closing one waits for the kernel's grace period
(0.1-16 ms measured, as long as the work it was meant to save), where removing a watch
takes 0.05 ms. A thread watches one folder at a time; events of an earlier watch are
dropped by their watch number.
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)
_per_thread = threading.local()


def _instance() -> Any:
    """This thread's inotify instance (a forked child makes its own: a shared one would hand
    its events to whichever process reads first)."""
    from inotify_simple import INotify

    if getattr(_per_thread, "pid", None) != os.getpid():
        _per_thread.inotify, _per_thread.pid = INotify(nonblocking=True), os.getpid()
    return _per_thread.inotify


@dataclass
class FolderEvents:
    """The names finished or renamed into one folder since the last `read`."""

    _inotify: Any  # an inotify_simple.INotify
    _wd: int
    finished: set[str] = field(default_factory=set)
    arrived: set[str] = field(default_factory=set)

    @classmethod
    def open(cls, folder: Path) -> FolderEvents | None:
        """Watch `folder` (None where the system has no inotify, or it refuses: no watches left)."""
        try:
            from inotify_simple import flags

            inotify = _instance()
            inotify.read(timeout=0)  # what an earlier watch left (its removal, late events)
            return cls(inotify, inotify.add_watch(str(folder), flags.CLOSE_WRITE | flags.MOVED_TO))
        except (ImportError, AttributeError, OSError) as exc:  # not Linux (no such calls), or no watch left
            if not _per_thread.__dict__.get("warned"):
                log.warning("no inotify watch (%s): files are looked at every few ms instead", exc)
                _per_thread.warned = True
            return None

    def fileno(self) -> int:
        """For `select`: readable when something happened."""
        return self._inotify.fileno()

    def read(self) -> None:
        """Take in what happened since the last call (never blocks)."""
        from inotify_simple import flags

        for event in self._inotify.read(timeout=0):
            if event.wd == self._wd and event.name:
                (self.arrived if event.mask & flags.MOVED_TO else self.finished).add(event.name)

    def close(self) -> None:
        try:
            self._inotify.rm_watch(self._wd)
        except OSError:  # the folder is gone already: so is its watch
            pass
