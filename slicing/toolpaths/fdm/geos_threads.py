"""GEOS work on arrays of layers, shared between threads.

shapely's vectorised functions release the GIL while GEOS works, so an array cut in pieces
runs on as many cores as there are threads (PrusaSlicer slices its layers on every core
too). The pieces are balanced by vertex count, which is what GEOS time goes with; the
result is the same array as one call would give, element by element.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import shapely

from slicing.free_cores import free_cores

MIN_VERTICES = 20_000  # below this a split costs more than it saves
_pool: ThreadPoolExecutor | None = None
_pool_pid = 0  # a forked child (rq's work horse) has the pool object but none of its threads


def thread_count() -> int:
    """FABLAB_SLICER_THREADS, else one thread per core no other task is running on now (at most
    4, at least 1). Measured at load 5 on 2 cores, two threads made the walls' buffers 10-60 %
    slower in wall time than one (same CPU, waiting for a core); with a core free they share the
    work (`free_cores`)."""
    wanted = os.environ.get("FABLAB_SLICER_THREADS", "")
    if wanted.isdigit() and int(wanted) > 0:
        return int(wanted)
    return min(free_cores(), 4)


def _executor(threads: int) -> ThreadPoolExecutor:
    global _pool, _pool_pid
    if _pool is None or _pool_pid != os.getpid() or _pool._max_workers != threads:  # noqa: SLF001 - its size
        _pool = ThreadPoolExecutor(threads, thread_name_prefix="fablab-geos")
        _pool_pid = os.getpid()
    return _pool


def _pieces(geoms: np.ndarray, threads: int) -> list[slice]:
    if len(geoms) < 2:
        return [slice(0, len(geoms))]
    counts = shapely.get_num_coordinates(geoms)
    weight = np.cumsum(counts.reshape(len(geoms), -1).sum(axis=1))  # rows of a 2-D array weigh together
    if weight[-1] < MIN_VERTICES:
        return [slice(0, len(geoms))]
    cuts = np.searchsorted(weight, weight[-1] * np.arange(1, threads) / threads)
    bounds = [0, *sorted(set(int(c) + 1 for c in cuts if 0 <= c < len(geoms) - 1)), len(geoms)]
    return [slice(a, b) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]


def vmap(fn: Callable[..., np.ndarray], geoms: np.ndarray, *more: object, **kwargs: object) -> np.ndarray:
    """fn(geoms, *more, **kwargs) for a shapely vectorised `fn`, run piecewise in threads.
    Arrays in `more` as long as `geoms` are cut alike; anything else is passed whole."""
    geoms = np.asarray(geoms, dtype=object)
    threads = thread_count()
    pieces = _pieces(geoms, threads) if threads > 1 else [slice(0, len(geoms))]
    if len(pieces) == 1:
        return fn(geoms, *more, **kwargs)

    def run(part: slice) -> np.ndarray:
        args = [m[part] if isinstance(m, np.ndarray) and len(m) == len(geoms) else m for m in more]
        return fn(geoms[part], *args, **kwargs)

    return np.concatenate(list(_executor(threads).map(run, pieces)))
