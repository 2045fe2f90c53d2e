"""The model-free planners: uniform random and scrambled Sobol."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import qmc

from planners import Integer, Objective, Observation, Real, Space, make_planner

OBJECTIVES = [Objective("v")]


@pytest.mark.parametrize("name", ["random", "sobol"])
def test_log_scale_and_integer_endpoints(name: str) -> None:
    space = Space([Real("flow", 1, 10_000, log=True), Integer("n", 1, 3), Real("lin", 1, 10_000)])
    points = make_planner(name, space, objectives=OBJECTIVES, seed=0).ask(400)
    below = np.mean([p["flow"] < 100 for p in points])
    assert 0.4 < below < 0.6  # log-uniform: half the mass below the geometric midpoint
    assert np.mean([p["lin"] < 100 for p in points]) < 0.05
    counts = [sum(p["n"] == k for p in points) for k in (1, 2, 3)]
    assert min(counts) > 100


def test_sobol_follows_the_scrambled_sequence_across_asks() -> None:
    space = Space([Real("a", 0, 1), Real("b", 0, 1)], constraints=["a + b <= 1"])
    planner = make_planner("sobol", space, objectives=OBJECTIVES, seed=5)
    points = planner.ask(3) + planner.ask(2) + planner.ask(4)
    sequence = space.decode(qmc.Sobol(2, scramble=True, seed=5).random(64))
    expected = [p for p in sequence if p["a"] + p["b"] <= 1][:9]
    assert points == expected
    assert planner.to_dict()["sobol_position"] == sequence.index(expected[-1]) + 1


def test_model_free_planners_ignore_outcomes() -> None:
    space = Space([Real("a", 0, 1), Real("b", 0, 1)])
    for name in ("random", "sobol"):
        failing, succeeding = (make_planner(name, space, objectives=OBJECTIVES, seed=1) for _ in range(2))
        for planner, failed in ((failing, True), (succeeding, False)):
            for _ in range(3):
                planner.tell(Observation(p, failed=failed, values={"v": 1.0}) for p in planner.ask(2))
        assert failing.ask(2) == succeeding.ask(2)
        assert [o.failed for o in failing.observations] == [True] * 6


@pytest.mark.parametrize("name", ["random", "sobol"])
def test_infeasible_in_practice_raises_after_bounded_tries(name: str) -> None:
    space = Space([Real("a", 0, 1), Real("b", 0, 1)], constraints=["a + b <= 1e-9"])  # a sliver
    planner = make_planner(name, space, objectives=OBJECTIVES, seed=0)
    with pytest.raises(ValueError, match=r"constraints are infeasible in practice.*'a \+ b <= 1e-9'"):
        planner.ask(1)
    assert planner.pending == ()


def test_options_are_planner_specific() -> None:
    space = Space([Real("a", 0, 1)])
    with pytest.raises(TypeError, match="n_initial_points"):
        make_planner("random", space, objectives=OBJECTIVES, n_initial_points=3)
