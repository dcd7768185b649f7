"""Machines for the time-model tests: the demo inventory, and variants built from it."""

from __future__ import annotations

from pathlib import Path

import pytest

from jobqueue.machines import load_spec
from slicing.machine_spec import FablabSpec, Machine

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO.parent / "shared" / "corpus"


@pytest.fixture(scope="session")
def motion_spec() -> FablabSpec:
    return load_spec(REPO / "machines.yaml")


@pytest.fixture(scope="session")
def laser(motion_spec: FablabSpec) -> Machine:
    """laser-1 (x, y: 24000 mm/min, 2000 mm/s², junction deviation 0.01) on a link so fast that
    line delivery never binds: the planner tests see the planner alone."""
    data = motion_spec.machine("laser-1").model_dump()
    data["connection"]["baud"] = 10**12
    return Machine.model_validate(data)


@pytest.fixture(scope="session")
def mk3(motion_spec: FablabSpec) -> Machine:
    return motion_spec.machine("prusa-mk3")


@pytest.fixture(scope="session")
def machine_variant():
    """`machine_variant(machine, acceleration_mm_s2={"y": 500})`: a copy with other limits."""
    return with_motion


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO


def with_motion(machine: Machine, **changes) -> Machine:
    """A copy of `machine` whose motion block has `changes` (nested dicts merged)."""
    data = machine.model_dump()
    for key, value in changes.items():
        if isinstance(value, dict):
            data["motion"][key] = {**(data["motion"].get(key) or {}), **value}
        else:
            data["motion"][key] = value
    return Machine.model_validate(data)
