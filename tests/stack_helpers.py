"""Helpers for tests that drive real processes: bounded polling and their logs.

Imported as `from stack_helpers import ...` (tests/ is on sys.path through tests/conftest.py);
kept out of conftest.py because several test folders have a conftest of their own.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest


def wait_until(predicate: Callable[[], object], timeout: float, interval: float = 0.1, what: str = "condition"):  # noqa: ANN201
    """Poll `predicate` until it returns something truthy; fail the test after `timeout` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")


def log_tail(tmp_path: Path) -> str:
    out = []
    for f in sorted((tmp_path / "logs").glob("*.log")):
        out.append(f"--- {f.name}\n{f.read_text(errors='replace')[-3000:]}")
    return "\n".join(out)


def gone(pid: int) -> bool:
    """The process is neither running nor left as a zombie (it ended and was waited for)."""
    import os

    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False
