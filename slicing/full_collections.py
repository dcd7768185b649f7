"""Python's full garbage collections paused while one file is analysed or prepared.

A full collection walks every object the process holds: ~0.1 s in a worker with its imports
warm, more once a reader has built its document. A 100,000-entity DXF met 25 of them during
its analysis, 7 s of 32; the short-lived objects the passes make are what triggers them, and
almost none of them are cycles (numpy arrays, tuples, shapely geometries). Young collections
go on as usual. What a reader leaves behind in cycles (ezdxf's document: ~100 MB on that
sheet) is collected once, right after reading a large drawing (`collect_after_reading`), so
the peak memory stays what it was.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

NEVER = 1 << 30  # young collections between full ones: more than any analysis makes
LARGE_DRAWING_PATHS = 1000  # below this a reader's leftovers are small; a full collection is not (0.1 s)

_lock = threading.Lock()
_paused = 0
_threshold: tuple[int, int, int] | None = None


@contextmanager
def full_collections_paused() -> Iterator[None]:
    """No automatic full collection inside; thresholds restored when the last caller leaves
    (counted, so threads that overlap do not restore each other's pause)."""
    global _paused, _threshold
    with _lock:
        if _paused == 0:
            _threshold = gc.get_threshold()
            gc.set_threshold(_threshold[0], _threshold[1], NEVER)
        _paused += 1
    try:
        yield
    finally:
        with _lock:
            _paused -= 1
            if _paused == 0 and _threshold is not None:
                gc.set_threshold(*_threshold)


def collect_after_reading(paths: int) -> None:
    """One full collection after a reader built a drawing of `paths` paths, when that is large:
    the reader's own document is garbage now, and with full collections paused it would stay."""
    if paths >= LARGE_DRAWING_PATHS:
        gc.collect()
