"""Fixtures for the driver tests: simulators behind real pseudo-terminals, drivers on them."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from drivers import open_driver
from drivers.sim import SimHandle, start_simulator

FAST = 400.0  # speed factor: motion 400 times faster than real, the link stays at its baud rate


@pytest.fixture
def make_sim() -> Iterator[Callable[..., SimHandle]]:
    sims: list[SimHandle] = []

    def make(firmware: str, **options: object) -> SimHandle:
        options.setdefault("speed_factor", FAST)
        sim = start_simulator(firmware, **options)  # type: ignore[arg-type]
        sims.append(sim)
        return sim

    yield make
    for sim in sims:
        sim.stop()


@pytest.fixture
def make_driver() -> Iterator[Callable[..., object]]:
    drivers = []

    def make(name: str, sim: SimHandle, connect: bool = True, **options: object):  # noqa: ANN202
        driver = open_driver(name, sim.port, sim.baud, **options)
        drivers.append(driver)
        if connect:
            driver.connect(timeout=5)
        return driver

    yield make
    for d in drivers:
        d.close()
