"""Freed memory handed back to the system between the big passes of a mesh analysis.

glibc keeps the memory of freed arrays below its (self-raising) mmap threshold in the heap;
the next pass's arrays, of other sizes, then land beside that free memory rather than in it,
and the resident size climbs from pass to pass although the live arrays do not (`fablab
analyze` on a 1.3 M-triangle STL peaked at 188 MB, 180 MB with these calls). `malloc_trim(0)`
returns the free pages inside the heap, not only at its top; it takes well under a
millisecond. An analysis worker, which lives on after a big file, gives its pages back too.
Elsewhere than glibc (musl, macOS) nothing is done.
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable


def _malloc_trim() -> Callable[[int], int] | None:
    try:
        return ctypes.CDLL(None).malloc_trim  # the C library the interpreter runs on
    except (OSError, AttributeError):  # not glibc: nothing to hand back this way
        return None


_TRIM = _malloc_trim()


def give_back() -> None:
    """Return the heap's free pages to the system (between passes, not inside a loop)."""
    if _TRIM is not None:
        _TRIM(0)
