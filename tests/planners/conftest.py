"""Shared fixtures for the planners tests."""

from __future__ import annotations

import pytest

from planners import Categorical, Integer, Objective, Real, Space

PLANNER_NAMES = ("random", "sobol", "skopt", "botorch")


@pytest.fixture
def cvd_space() -> Space:
    """A CVD-growth-like mixed space with a linear flow constraint."""
    return Space(
        [
            Real("temperature_c", 900, 1070),
            Real("ch4_sccm", 0.5, 50, log=True),
            Real("h2_sccm", 1, 100),
            Integer("growth_min", 1, 60),
            Categorical("substrate", ["Cu", "CuNi"]),
        ],
        constraints=["h2_sccm + ch4_sccm <= 60", "temperature_c >= 10 * ch4_sccm + 900"],
    )


@pytest.fixture
def quality() -> Objective:
    """A single maximized objective."""
    return Objective("quality", maximize=True)


@pytest.fixture(params=PLANNER_NAMES)
def planner_name(request: pytest.FixtureRequest) -> str:
    """Each registered planner in turn."""
    return request.param
