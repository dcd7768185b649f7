"""The time model of a prepared program started beside its checks and preview.

After the slicer ends, `prepare` reads the program once (words, modal state) and then runs
three independent passes over it: the checks, the preview and the time model the prepare
task stores with the program. They are numpy passes that release the interpreter lock, so
the time model runs in a thread of its own while the checks and the preview run, on the
core the slicer has just left. `estimate_program` asked later for the same lines, machine
and words takes that result (or its exception) instead of computing it again.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gcode_reader.tokens import Words
    from slicing.machine_spec import Machine
    from slicing.motion.estimate import ProgramEstimate

_KEY = "estimate_ahead"


def start(lines: Sequence[str], machine: Machine, words: Words, compute: Callable[[], ProgramEstimate]) -> None:
    """Run `compute` (the estimate of `lines` on `machine` from `words`) in a thread."""
    future: Future[ProgramEstimate] = Future()

    def run() -> None:
        try:
            future.set_result(compute())
        except BaseException as exc:  # noqa: BLE001 - handed to whoever asks for the estimate
            future.set_exception(exc)

    words.memo[_KEY] = (lines, machine, future)
    threading.Thread(target=run, name="time-model", daemon=True).start()


def taken(lines: Sequence[str], machine: Machine, words: Words | None) -> ProgramEstimate | None:
    """The estimate started for these very lines, machine and words, waited for; None when
    none was started for them."""
    entry: Any = words.memo.get(_KEY) if words is not None else None
    if entry is None or entry[0] is not lines or entry[1] is not machine:
        return None
    return entry[2].result()
