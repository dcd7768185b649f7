"""One test of "is a core free" for the slicer's threads and for reading PrusaSlicer's program
while it writes (`slicing.free_cores`): what runs now, not the last minute's load."""

from __future__ import annotations

import subprocess
import time

from slicing import slicer_stream
from slicing.free_cores import free_cores, usable_cores
from slicing.toolpaths.fdm import geos_threads


def test_free_cores_is_between_one_and_the_usable_cores() -> None:
    assert 1 <= free_cores() <= usable_cores()


def test_busy_cores_are_not_free(monkeypatch) -> None:
    """As many busy processes as usable cores: only the caller's own core is left, so the
    slicer runs one GEOS thread and PrusaSlicer's program is read once closed."""
    monkeypatch.delenv("FABLAB_SLICER_THREADS", raising=False)
    spinners = [subprocess.Popen(["sh", "-c", "while :; do :; done"]) for _ in range(min(usable_cores(), 64))]
    try:
        time.sleep(0.2)  # started and runnable
        seen = [free_cores() for _ in range(5)]
        assert max(seen) == 1, seen
        assert geos_threads.thread_count() == 1
        assert not slicer_stream.spare_core()
    finally:
        for p in spinners:
            p.kill()
        for p in spinners:
            p.wait()


def test_forced_thread_count_wins(monkeypatch) -> None:
    monkeypatch.setenv("FABLAB_SLICER_THREADS", "3")
    assert geos_threads.thread_count() == 3
