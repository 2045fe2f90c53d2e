"""Runs: parameters shared by every point of an ask (one furnace recipe for several substrates whose positions
differ). Every planner proposes a run whose shared values agree and whose positions are distinct."""

from __future__ import annotations

import math

import numpy as np
import pytest

from planners import Categorical, Objective, Observation, Point, Real, Space, load, make_planner
from planners.random import RandomPlanner

SLOTS = ["a", "b", "c", "d", "e"]
SHARED = ["temperature_c", "ch4_sccm"]


def run_space() -> Space:
    return Space([Real("temperature_c", 900, 1070), Real("ch4_sccm", 0.5, 50, log=True),
                  Categorical("slot", SLOTS)], shared=SHARED)


def quality(point: dict) -> float:
    """A toy world: the best local temperature is 1000 °C, and slots further along run cooler."""
    local = point["temperature_c"] - 15.0 * SLOTS.index(point["slot"])
    return math.exp(-(((local - 1000.0) / 40.0) ** 2)) / (1.0 + abs(math.log(point["ch4_sccm"] / 5.0)))


def test_every_planner_proposes_runs_that_share_the_recipe_and_differ_in_position(planner_name: str) -> None:
    options = {"n_initial_points": 4} if planner_name in ("botorch", "skopt") else {}
    planner = make_planner(planner_name, run_space(), objectives=[Objective("quality")], seed=3, **options)
    for _ in range(3):
        run = planner.ask(4)
        assert len({tuple(p[name] for name in SHARED) for p in run}) == 1, run
        assert len({p["slot"] for p in run}) == 4, run
        planner.tell([Observation(p, values={"quality": quality(p)}) for p in run])
    assert len(planner.observations) == 12 and planner.pending == ()


def test_a_single_point_ask_and_a_space_without_shared_parameters_are_unchanged() -> None:
    plain = Space([Real("temperature_c", 900, 1070), Real("ch4_sccm", 0.5, 50, log=True),
                   Categorical("slot", SLOTS)])
    assert plain.shared == () and "shared" not in plain.as_dict()
    one = make_planner("sobol", run_space(), objectives=[Objective("quality")], seed=1).ask(1)
    assert one == make_planner("sobol", plain, objectives=[Objective("quality")], seed=1).ask(1)
    spread = make_planner("random", plain, objectives=[Objective("quality")], seed=1).ask(4)
    assert len({p["temperature_c"] for p in spread}) == 4


def test_the_shared_parameters_survive_the_planner_state() -> None:
    planner = make_planner("random", run_space(), objectives=[Objective("quality")], seed=2)
    planner.tell([Observation(p, values={"quality": quality(p)}) for p in planner.ask(3)])
    rebuilt = load(planner.to_dict())
    assert rebuilt.space.shared == tuple(SHARED)
    assert rebuilt.ask(3) == planner.ask(3)


def test_a_suggested_recipe_leads_its_run() -> None:
    planner = make_planner("botorch", run_space(), objectives=[Objective("quality")], seed=0)
    planner.suggest([{"temperature_c": 1030.0, "ch4_sccm": 5.0, "slot": "c"}])
    run = planner.ask(3)
    assert run[0] == {"temperature_c": 1030.0, "ch4_sccm": 5.0, "slot": "c"}
    assert {(p["temperature_c"], p["ch4_sccm"]) for p in run} == {(1030.0, 5.0)}


@pytest.mark.parametrize(("shared", "says"), [(["nope"], "shared parameter 'nope' is not in the space"),
                                              (["temperature_c", "ch4_sccm", "slot"], "at least one parameter"),
                                              ("slot", "a list of parameter names")])
def test_bad_shared_declarations_are_refused(shared: object, says: str) -> None:
    with pytest.raises(ValueError, match=says):
        Space([Real("temperature_c", 900, 1070), Real("ch4_sccm", 0.5, 50), Categorical("slot", SLOTS)],
              shared=shared)  # type: ignore[arg-type]


def test_a_run_longer_than_the_positions_left_is_refused() -> None:
    planner = make_planner("random", run_space(), objectives=[Objective("quality")], seed=0)
    with pytest.raises(ValueError, match="a run of 6 points needs 6 distinct values of the parameters it does not "
                                         r"share \(slot\); only 5 are left"):
        planner.ask(6)


class Stubborn(RandomPlanner):
    """Proposes one recipe again and again, unless its run is pending (as a model stuck on its incumbent would)."""

    name = "stubborn"

    def _propose(self, n: int, rng: np.random.Generator) -> list[Point]:
        fixed = {"temperature_c": 1000.0, "ch4_sccm": 5.0, "slot": "a"}
        if any(p["temperature_c"] == 1000.0 for p in self.pending):
            return super()._propose(n, rng)
        return [fixed]


def test_a_proposal_whose_run_is_used_up_is_proposed_anew_with_that_run_pending() -> None:
    planner = Stubborn(run_space(), [Objective("quality")], seed=0)
    first = planner.ask(5)
    assert {p["temperature_c"] for p in first} == {1000.0}
    planner.tell([Observation(p, values={"quality": quality(p)}) for p in first])
    second = planner.ask(4)
    assert len({p["temperature_c"] for p in second}) == 1 and second[0]["temperature_c"] != 1000.0
    assert planner.pending == tuple(second)
