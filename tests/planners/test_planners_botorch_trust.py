"""The botorch planner's trust region around suggested (literature) points: proposals stay near known-good
recipes, follow the best one, and never break the space's constraints."""

from __future__ import annotations

import numpy as np

from planners import Categorical, Integer, Objective, Observation, Real, Space, make_planner
from planners.gp_botorch import TRUST_REGION, BotorchPlanner

FAST = {"num_restarts": 2, "raw_samples": 32}
SPACE = Space([Real("t", 600, 950), Real("flow", 20, 200, log=True), Integer("minutes", 5, 30),
               Categorical("promoter", ["none", "NaCl"])], constraints=["t + 2 * flow <= 1200"])
RECIPE = {"t": 700.0, "flow": 75.0, "minutes": 15, "promoter": "none"}


def quality(point: dict) -> float:
    """Grows only near 720 C, 60 sccm; best there."""
    return float(np.exp(-(((point["t"] - 720) / 40) ** 2) - np.log(point["flow"] / 60) ** 2))


def within_region(centre: dict, point: dict) -> bool:
    u, c = SPACE.encode([point])[0], SPACE.encode([centre])[0]
    return bool(np.all(np.abs(u - c) <= TRUST_REGION / 2 + 0.02))  # integers snap to the nearest minute


def campaign(planner: BotorchPlanner, experiments: int) -> None:
    for _ in range(experiments):
        (point,) = planner.ask(1)
        assert SPACE.feasible(point)
        value = quality(point)
        failed = value < 0.2
        planner.tell(Observation(point, failed=failed, values=None if failed else {"q": value}))


def test_proposals_stay_next_to_the_best_recipe_after_suggestions() -> None:
    bo = make_planner("botorch", SPACE, objectives=[Objective("q")], seed=1, **FAST)
    bo.suggest([RECIPE])
    campaign(bo, 8)
    assert bo.observations[0].params == RECIPE
    own = [o.params for o in bo.observations[1:]]
    assert all(within_region(RECIPE, p) or any(within_region(o.params, p) for o in bo.observations if not o.failed)
               for p in own)
    assert sum(o.failed for o in bo.observations[1:]) <= 2
    assert quality(bo.best().params) > quality(RECIPE)


def test_a_failed_literature_recipe_still_centres_the_search() -> None:
    bo = make_planner("botorch", SPACE, objectives=[Objective("q")], seed=0, **FAST)
    bo.suggest([RECIPE])
    (first,) = bo.ask(1)
    bo.tell(Observation(first, failed=True))
    for point in bo.ask(3):
        assert within_region(RECIPE, point)


def test_without_suggestions_the_whole_space_is_searched() -> None:
    bo = make_planner("botorch", SPACE, objectives=[Objective("q")], seed=0, n_initial_points=8, **FAST)
    bo.tell(Observation(RECIPE, values={"q": quality(RECIPE)}))
    points = bo.ask(7)
    assert not all(within_region(RECIPE, p) for p in points)
