"""How many cores no other task is running on right now: the one test, in every place that
decides whether to spread work over threads or beside a command, of "is a core free".

The running-task count of /proc/loadavg is read at each call (it includes the caller). The
1-minute load average was the other test used here: it lags a minute behind, so it read the
previous job's load as this job's and the current one's too late.
"""

from __future__ import annotations

import os


def usable_cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def free_cores() -> int:
    """Usable cores minus the tasks running on them now other than the caller: the caller's
    own core counts as free (at least 1). Without /proc/loadavg: every usable core."""
    cores = usable_cores()
    try:
        with open("/proc/loadavg", encoding="ascii") as f:
            others = int(f.read().split()[3].split("/")[0]) - 1
    except (OSError, ValueError, IndexError):
        others = 0
    return max(1, cores - max(0, others))
