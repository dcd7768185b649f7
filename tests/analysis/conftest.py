"""Fixtures for the analysis tests: the demo inventory and generated files, good and bad."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from jobqueue.machines import load_spec
from slicing.machine_spec import FablabSpec

REPO = Path(__file__).resolve().parents[2]
CORPUS = Path(os.environ.get("FABLAB_CORPUS") or REPO.parent / "shared" / "corpus")  # worktrees point it at shared/


@pytest.fixture(scope="session")
def spec() -> FablabSpec:
    return load_spec(REPO / "machines.yaml")


@pytest.fixture(scope="session")
def corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.skip("../shared/corpus is absent (only the project's own checkout has it)")
    return CORPUS
