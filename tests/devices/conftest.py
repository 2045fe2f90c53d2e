"""Fixtures for the device tests: clocks and the simulated twin."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from devices_fakes import SPEEDUP, FakeClock

from simulators.clock import SimClock
from simulators.twin import Twin
from simulators.worlds import GrapheneWorld


@pytest.fixture
def fake_clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sim_clock() -> SimClock:
    return SimClock(SPEEDUP)


@pytest.fixture
def twin(sim_clock: SimClock) -> Iterator[Twin]:
    """A fresh twin on an accelerated clock (three gas lines: Ar, H2, CH4)."""
    yield Twin(GrapheneWorld.draw(0), sim_clock, seed=11)
