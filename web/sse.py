"""Open Server-Sent Event streams per process, bounded (see web/server.py for why).

Under gunicorn's gthread worker an open stream holds one thread; `stream_slot()` lets at most
FABLAB_WEB_STREAMS streams run at once in this process, leaving the other threads to pages.
A stream that finds no slot sends its current state and `retry:`, and ends: the browser's
EventSource reconnects after that delay (and the job page also polls slowly).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

RETRY_MS = 10_000
_lock = threading.Lock()
_slots: threading.BoundedSemaphore | None = None


def _semaphore() -> threading.BoundedSemaphore:
    global _slots
    with _lock:
        if _slots is None:
            _slots = threading.BoundedSemaphore(int(os.environ.get("FABLAB_WEB_STREAMS") or 1000))
        return _slots


@contextmanager
def stream_slot() -> Iterator[bool]:
    """True while this stream holds a slot; False when every slot is taken (end the stream)."""
    sem = _semaphore()
    got = sem.acquire(blocking=False)
    try:
        yield got
    finally:
        if got:
            sem.release()
