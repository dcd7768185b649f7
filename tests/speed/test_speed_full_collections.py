"""Full garbage collections paused while a file is analysed or prepared (`slicing.full_collections`):
young collections go on, a large drawing's reader leftovers are collected once, and the
process's thresholds come back whatever happens."""

from __future__ import annotations

import gc
import threading
import weakref
from collections.abc import Iterator

import numpy as np
import pytest

from slicing.full_collections import NEVER, collect_after_reading, full_collections_paused


@pytest.fixture
def collections() -> Iterator[list[int]]:
    """The generation of every collection the interpreter runs meanwhile."""
    seen: list[int] = []

    def note(phase: str, info: dict) -> None:
        if phase == "start":
            seen.append(info["generation"])

    gc.callbacks.append(note)
    try:
        yield seen
    finally:
        gc.callbacks.remove(note)


class Node:
    def __init__(self) -> None:
        self.me = self  # a cycle: only the collector frees it


def _churn(n: int = 400_000) -> list[Node]:
    """Garbage and survivors (kept ones are what makes a full collection due)."""
    kept = []
    for k in range(n):
        node = Node()
        if k % 2:
            kept.append(node)
    return kept


def test_no_full_collection_inside_young_ones_go_on(collections: list[int]) -> None:
    before = gc.get_threshold()
    with full_collections_paused():
        assert gc.get_threshold() == (before[0], before[1], NEVER)
        kept = _churn()
        inside = list(collections)
    assert gc.get_threshold() == before
    assert 0 in inside and 1 in inside and 2 not in inside, inside
    del kept


def test_overlapping_threads_restore_the_thresholds_once() -> None:
    before = gc.get_threshold()
    entered, leave_first = threading.Barrier(2), threading.Event()

    def first() -> None:
        with full_collections_paused():
            entered.wait()
            leave_first.wait(5)

    t = threading.Thread(target=first)
    t.start()
    with full_collections_paused():
        entered.wait()
        leave_first.set()  # the first leaves while this one is still inside
        t.join(5)
        assert gc.get_threshold()[2] == NEVER
    assert gc.get_threshold() == before


def test_thresholds_come_back_after_an_error() -> None:
    before = gc.get_threshold()
    with pytest.raises(RuntimeError), full_collections_paused():
        raise RuntimeError("a pass failed")
    assert gc.get_threshold() == before


def test_a_large_drawings_reader_leftovers_are_collected(collections: list[int]) -> None:
    with full_collections_paused():
        leftover = Node()
        alive = weakref.ref(leftover)
        gc.collect(1)  # still held: moved to the oldest generation, where a reader's document ends up
        del leftover
        gc.collect(1)  # young collections do not reach it
        assert alive() is not None
        seen = len(collections)
        collect_after_reading(10)  # a small drawing: no full collection for it
        assert alive() is not None and 2 not in collections[seen:]
        collect_after_reading(5000)
        assert alive() is None


def test_analysis_and_prepare_run_paused(monkeypatch, tmp_path) -> None:
    """The two places a file is read and worked on hold the pause while they read it."""
    import slicing.analysis as analysis
    import slicing.prepare as prepare
    from jobqueue.machines import load_spec
    from slicing.geometry import Drawing, Path2D

    seen: list[int] = []
    square = Drawing(paths=[Path2D(points=np.array([[0.0, 0], [10, 0], [10, 10], [0, 10]]), closed=True, layer="0")])
    monkeypatch.setattr(analysis, "load_drawing", lambda *a: seen.append(gc.get_threshold()[2]) or (square, []))
    monkeypatch.setattr(prepare, "_load", lambda *a: seen.append(gc.get_threshold()[2]) or square)
    spec = load_spec()
    drawing_file = tmp_path / "square.svg"
    drawing_file.write_text("<svg/>")
    analysis.analyze_file(drawing_file, spec=spec, process="laser")
    prepare.prepare_program(drawing_file, spec.machine("laser-1"))
    assert seen == [NEVER, NEVER]
    assert gc.get_threshold()[2] != NEVER
