"""A drawing's contours are made once (its analysis asks for them twice) and every caller gets
its own copies: one caller's changes never reach another, and a drawing given more paths
gets its contours made again."""

from __future__ import annotations

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
