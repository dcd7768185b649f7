"""Shared fixtures for the toolpath tests: the demo inventory and generated designs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from slicing.machine_spec import FablabSpec

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO.parent / "shared" / "corpus"


@pytest.fixture(scope="session")
def spec() -> FablabSpec:
    return FablabSpec.model_validate(yaml.safe_load((REPO / "machines.yaml").read_text(encoding="utf-8")))


@pytest.fixture(scope="session")
def corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.skip("../shared/corpus is absent (only the project's own checkout has it)")
    return CORPUS


def square(x: float, y: float, size: float, clockwise: bool = False) -> np.ndarray:
    pts = np.array([[x, y], [x + size, y], [x + size, y + size], [x, y + size]], dtype=float)
    return pts[::-1].copy() if clockwise else pts


def circle(cx: float, cy: float, r: float, n: int = 64) -> np.ndarray:
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    return np.column_stack([cx + r * np.cos(t), cy + r * np.sin(t)])
