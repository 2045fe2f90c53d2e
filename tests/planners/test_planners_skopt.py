"""Behaviour specific to the scikit-optimize GP planner."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from planners import Categorical, Integer, Objective, Observation, Real, Space, load, make_planner
from planners.gp_skopt import SkoptPlanner

SQUARE = Space([Real("x", 0, 1), Real("y", 0, 1)])


def bowl(point: dict) -> float:
    """A smooth 2-D function with its maximum (0) at (0.62, 0.41)."""
    return -((point["x"] - 0.62) ** 2 + (point["y"] - 0.41) ** 2)


def distance(a: dict, b: dict) -> float:
    return math.hypot(a["x"] - b["x"], a["y"] - b["y"])


def optimize(name: str, seed: int, evaluations: int) -> float:
    """The best value ``name`` finds on a smooth 2-D function within ``evaluations`` asks."""
    space = Space([Real("x", -2, 2), Real("y", -1, 3)])
    planner = make_planner(name, space, objectives=[Objective("v")], seed=seed)
    for _ in range(evaluations):
        (point,) = planner.ask(1)
        value = -((point["x"] - 0.7) ** 2 + 2 * (point["y"] - 1.3) ** 2) + 0.3 * math.sin(3 * point["x"])
        planner.tell(Observation(point, values={"v": value}))
    best = planner.best()
    assert best is not None
    return best.values["v"]


def test_skopt_beats_random_on_a_smooth_function() -> None:
    seeds = range(3)
    skopt = np.mean([optimize("skopt", seed, 25) for seed in seeds])
    random = np.mean([optimize("random", seed, 25) for seed in seeds])
    assert skopt > random + 0.05
    assert skopt > 0.28  # the maximum is about 0.2823


def test_failed_points_are_not_proposed_again() -> None:
    for seed in range(3):
        planner = make_planner("skopt", SQUARE, objectives=[Objective("v")], seed=seed, n_initial_points=5)
        for _ in range(12):
            (point,) = planner.ask(1)
            planner.tell(Observation(point, values={"v": bowl(point)}))
        (proposed,) = planner.ask(1)
        planner.tell(Observation(proposed, failed=True))
        state = planner.to_dict()
        (after_failure,) = planner.ask(1)
        # Control: the same history without the failure proposes (almost) the same point again.
        state["observations"] = state["observations"][:-1]
        (without_failure,) = load(state).ask(1)
        assert distance(without_failure, proposed) < 0.05
        assert distance(after_failure, proposed) > 0.05


def test_only_failures_so_far_still_gives_valid_points() -> None:
    planner = make_planner("skopt", SQUARE, objectives=[Objective("v")], seed=0, n_initial_points=3)
    for _ in range(4):
        planner.tell(Observation(planner.ask(1)[0], failed=True))
    points = planner.ask(2)
    assert all(SQUARE.validate(p) == p for p in points)
    assert distance(*points) > 0


def test_batches_and_pending_points_spread_out() -> None:
    planner = make_planner("skopt", SQUARE, objectives=[Objective("v")], seed=1, n_initial_points=5)
    for _ in range(8):
        (point,) = planner.ask(1)
        planner.tell(Observation(point, values={"v": bowl(point)}))
    batch = planner.ask(4)
    later = planner.ask(1)  # the batch is still pending
    points = batch + later
    assert min(distance(a, b) for i, a in enumerate(points) for b in points[i + 1 :]) > 1e-3


def test_log_and_integer_parameters_use_their_scales() -> None:
    space = Space([Real("flow", 1, 10_000, log=True), Integer("cycles", 1, 1000, log=True), Real("z", 0, 1)])
    planner = make_planner("skopt", space, objectives=[Objective("v")], seed=0, n_initial_points=20)
    points = planner.ask(20)
    # On a linear scale about 1 % of the points would fall below 100 (flow) or 32 (cycles).
    assert sum(p["flow"] < 100 for p in points) >= 5
    assert sum(p["cycles"] < 32 for p in points) >= 5
    assert all(type(p["cycles"]) is int and 1 <= p["cycles"] <= 1000 for p in points)
    planner.tell(Observation(p, values={"v": -(math.log(p["flow"] / 300) ** 2)}) for p in points)
    assert all(space.validate(p) == p for p in planner.ask(2))


def test_pool_rows_are_scored_by_expected_improvement() -> None:
    planner = make_planner("skopt", SQUARE, objectives=[Objective("v")], seed=0, n_initial_points=5)
    grid = [{"x": x, "y": y} for x in np.linspace(0.05, 0.95, 5) for y in np.linspace(0.05, 0.95, 5)]
    planner.tell(Observation(p, values={"v": bowl(p)}) for p in grid)
    pool = SQUARE.candidates(pd.DataFrame({"x": np.linspace(0, 1, 11), "y": [0.4] * 11}))
    first, second = planner.ask(2, candidates=pool)
    assert first == pool.points[6]  # x = 0.6: the row nearest the optimum
    assert second in pool.points and second != first


def test_categorical_only_space() -> None:
    space = Space([Categorical("substrate", ["Cu", "CuNi", "Ni"]), Categorical("anneal", [0, 10, 30])])
    planner = make_planner("skopt", space, objectives=[Objective("v")], seed=0, n_initial_points=3)
    for _ in range(4):
        (point,) = planner.ask(1)
        value = float(point["substrate"] == "Ni") + point["anneal"] / 30
        planner.tell(Observation(point, values={"v": value}))
    points = planner.ask(2)
    assert all(space.validate(p) == p for p in points)
    assert all(type(p["anneal"]) is int for p in points)


def test_too_narrow_constraints_fail_fast() -> None:
    sliver = Space([Real("x", 0, 1), Real("y", 0, 1)], constraints=["x + y <= 1e-9"])
    planner = make_planner("skopt", sliver, objectives=[Objective("v")], seed=0)
    with pytest.raises(ValueError, match=r"constraints are infeasible in practice.*'x \+ y <= 1e-9'"):
        planner.ask(1)
    assert planner.pending == ()


def test_n_initial_points_option() -> None:
    assert make_planner("skopt", SQUARE, objectives=[Objective("v")]).n_initial_points == 5
    planner = make_planner("skopt", SQUARE, objectives=[Objective("v")], n_initial_points=3)
    assert isinstance(planner, SkoptPlanner)
    assert planner.options() == {"n_initial_points": 3}
    assert load(planner.to_dict()).n_initial_points == 3
    with pytest.raises(ValueError, match="n_initial_points must be a positive integer"):
        make_planner("skopt", SQUARE, objectives=[Objective("v")], n_initial_points=0)
