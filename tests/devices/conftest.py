"""Fixtures for the device tests: clocks and the simulated twin."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from devices_fakes import FakeClock

from simulators.clock import VirtualClock
from simulators.twin import Twin
from simulators.worlds import GrapheneWorld


@pytest.fixture
def fake_clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sim_clock() -> VirtualClock:
    return VirtualClock()


@pytest.fixture
def twin(sim_clock: VirtualClock) -> Iterator[Twin]:
    """A fresh twin on virtual time (three gas lines: Ar, H2, CH4)."""
    yield Twin(GrapheneWorld.draw(0), sim_clock, seed=11)
