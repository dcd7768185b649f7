"""A drawing's contours are made once (its analysis asks for them twice) and every caller gets
its own copies: one caller's changes never reach another, and a drawing given more paths
gets its contours made again."""

from __future__ import annotations

import math
from dataclasses import fields

import numpy as np

from slicing.geometry import Drawing, Path2D
from slicing.toolpaths import contours as contours_module
from slicing.toolpaths.contours import contours_from


def _square(x: float) -> Path2D:
    return Path2D(points=np.array([[x, 0.0], [x + 10, 0.0], [x + 10, 10.0], [x, 10.0]]), closed=True, layer="0")


def test_contours_are_made_once_and_handed_out_as_copies(monkeypatch) -> None:  # noqa: ANN001
    made = []
    real = contours_module._made
    monkeypatch.setattr(contours_module, "_made", lambda d: made.append(d) or real(d))
    drawing = Drawing(paths=[_square(0), _square(20)])
    first = contours_from(drawing)
    first[0].points += 100.0  # a caller that moves its copy
    first[1].closed = False
    second = contours_from(drawing)
    assert len(made) == 1
    assert second[0].points.min() == 0.0 and second[1].closed
    assert [c.index for c in second] == [0, 1]


def test_a_drawing_given_another_path_gets_new_contours() -> None:
    drawing = Drawing(paths=[_square(0)])
    assert len(contours_from(drawing)) == 1
    drawing.paths.append(_square(20))
    assert len(contours_from(drawing)) == 2
    assert len(contours_from(drawing.scaled(2.0))) == 2


def _finish_one_by_one(i: int, pts: np.ndarray, path: Path2D, close_tol: float) -> tuple | None:
    """`_finish`'s rules on one cleaned path, as it applied them before they ran on arrays."""
    closed = bool(path.closed) or (len(pts) >= 4 and np.array_equal(pts[0], pts[-1]))
    if len(pts) >= 3 and math.hypot(*(pts[0] - pts[-1])) <= close_tol:
        pts, closed = pts[:-1], True
    if closed and len(pts) < 3:
        closed = False
    return i, pts.tobytes(), closed


def test_paths_finished_at_once_as_one_by_one() -> None:
    """Closing rules on arrays of ends give what they gave path by path: ends exactly at the
    closing tolerance, ends equal, two-point paths marked closed, NaN and repeated points."""
    rng = np.random.default_rng(7)
    tol = 0.02
    paths = []
    for k in range(3000):
        n = int(rng.integers(1, 7))
        pts = rng.uniform(0, 50, (n, 2)).round(int(rng.integers(0, 4)))
        kind = k % 6
        if kind == 1 and n >= 2:
            pts[-1] = pts[0]  # ends equal
        elif kind == 2 and n >= 2:
            pts[-1] = pts[0] + [tol, 0.0]  # ends exactly at the tolerance
        elif kind == 3 and n >= 2:
            pts[-1] = pts[0] + [0.0, tol * (1 + 1e-12)]  # just beyond it
        elif kind == 4 and n >= 3:
            pts[1] = pts[0]  # a repeated point
            pts[-1, 0] = np.nan
        paths.append(Path2D(points=pts, closed=bool(rng.integers(0, 2)), layer="0"))
    drawing = Drawing(paths=paths)
    cleaned = contours_module._cleaned(drawing)  # noqa: SLF001 - the two halves compared
    got = [(c.index, c.points.tobytes(), c.closed) for c in contours_module._finished_all(cleaned, drawing, tol)]  # noqa: SLF001
    want = [_finish_one_by_one(i, pts, paths[i], tol) for i, pts in zip(cleaned.kept.tolist(), cleaned.pieces, strict=True)]
    assert got == want
    assert any(closed for _, _, closed in got) and not all(closed for _, _, closed in got)


def test_a_copy_keeps_every_field_and_owns_its_points() -> None:
    original = contours_module.Contour(3, np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0]]), True, _square(0), 2, 7.5)
    copy = original.copied()
    for f in fields(contours_module.Contour):  # a field added later must be copied too
        a, b = getattr(original, f.name), getattr(copy, f.name)
        assert np.array_equal(a, b) if isinstance(a, np.ndarray) else a == b, f.name
    assert not np.shares_memory(copy.points, original.points)
