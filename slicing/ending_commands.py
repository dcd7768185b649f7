"""Commands that have published their result, left to end on their own.

PrusaSlicer renames its program into place as the last act of its export; its process then
takes another 4-18 ms to end (freeing its memory, unloading its libraries: measured on a
small part), and waiting for that made every `prepare` wait for it too (issue 15 item 3). A
thread here waits for the command's end instead (killing it when it hangs), so the caller
goes on with the program meanwhile. `wait_ended` waits for those threads: the prepare task
calls it before it returns, so a work horse that exits after its job leaves no command
behind, and it runs at exit for every other process.
"""

from __future__ import annotations

import atexit
import logging
import os
import select
import subprocess
import threading
import time

log = logging.getLogger(__name__)

ENDING_GRACE_S = 30.0  # a command still there this long after publishing its result hangs: killed
WAIT_AT_EXIT_S = ENDING_GRACE_S + 5.0
_waiting: set[threading.Thread] = set()
_lock = threading.Lock()


def let_end(proc: subprocess.Popen, what: str, within_s: float = ENDING_GRACE_S) -> None:
    """Wait for `proc` in the background (killed if it has not ended within `within_s`); a
    non-zero exit is logged, not raised: the result it published is complete."""
    deadline = time.monotonic() + within_s
    thread = threading.Thread(target=_wait_for, args=(proc, deadline, what), name=f"ending-{proc.pid}", daemon=True)
    with _lock:
        _waiting.add(thread)
    thread.start()


def _wait_for(proc: subprocess.Popen, deadline: float, what: str) -> None:
    try:
        if not _ends_by(proc, deadline):
            log.warning("%s (pid %s) still running after publishing its result: killed", what, proc.pid)
            proc.kill()
        code = proc.wait()
        if code != 0:
            log.warning("%s (pid %s) exited %s after publishing its result (result kept)", what, proc.pid, code)
    finally:
        with _lock:
            _waiting.discard(threading.current_thread())


def end_signal(pid: int) -> int | None:
    """A descriptor that becomes readable when `pid` ends (a Linux pidfd: woken at once, where
    `Popen.wait(timeout)` polls in sleeps growing to 50 ms); None where the system has none."""
    try:
        return os.pidfd_open(pid)
    except (AttributeError, OSError):
        return None


def _ends_by(proc: subprocess.Popen, deadline: float) -> bool:
    """Whether `proc` ends before `deadline`."""
    ended = end_signal(proc.pid)
    if ended is None:  # no pidfd here, or the process is reaped already
        try:
            proc.wait(timeout=max(0.0, deadline - time.monotonic()))
            return True
        except subprocess.TimeoutExpired:
            return False
    try:
        return bool(select.select([ended], [], [], max(0.0, deadline - time.monotonic()))[0])
    finally:
        os.close(ended)


def wait_ended(timeout: float | None = None) -> bool:
    """Wait until every command handed over here has ended; False if some still run after
    `timeout` seconds (None: as long as it takes, each bounded by its own deadline)."""
    with _lock:
        threads = list(_waiting)
    end = None if timeout is None else time.monotonic() + timeout
    for thread in threads:
        thread.join(None if end is None else max(0.0, end - time.monotonic()))
    return not any(thread.is_alive() for thread in threads)


def still_ending() -> int:
    """How many commands are still being waited for."""
    with _lock:
        return len(_waiting)


atexit.register(wait_ended, WAIT_AT_EXIT_S)
