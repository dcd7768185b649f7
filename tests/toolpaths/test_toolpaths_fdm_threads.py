"""GEOS work cut in pieces for threads gives what one vectorised call gives, element by element."""

from __future__ import annotations

import numpy as np
import shapely
from shapely.geometry import Point

from slicing.toolpaths.fdm import geos_threads


def test_pieces_in_threads_equal_one_call(monkeypatch) -> None:
    monkeypatch.setenv("FABLAB_SLICER_THREADS", "3")
    rng = np.random.default_rng(2)
    discs = np.array([Point(x, y).buffer(r, quad_segs=80) for x, y, r in rng.uniform(1, 9, (90, 3))], dtype=object)
    assert len(geos_threads._pieces(discs, 3)) == 3  # noqa: SLF001 - enough vertices to be cut
    whole = shapely.buffer(discs, -0.3, join_style="mitre")
    assert shapely.equals_exact(geos_threads.vmap(shapely.buffer, discs, -0.3, join_style="mitre"), whole, 0).all()
    pairs = np.stack([discs, np.roll(discs, 1)], axis=1)
    pairs[::4, 1] = None
    got = geos_threads.vmap(shapely.union_all, pairs, axis=1)
    assert shapely.equals_exact(got, shapely.union_all(pairs, axis=1), 0).all()
    assert len(geos_threads.vmap(shapely.buffer, discs[:0], 1.0)) == 0
