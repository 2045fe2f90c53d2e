"""Local conditions: a point of a run sees a shared parameter scaled by its place in the run (``LocalScale``), and
the botorch planner models the local values, so what one slot teaches carries to every recipe."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import torch

from planners import Categorical, LocalScale, Objective, Observation, Real, Space, load, make_planner
from planners.local_conditions import LocalConditions

AMBIENT = 25.0
PROFILE = {"hot": 1.0, "cool": 0.9}  # a slot in the flat zone and one in the fall-off
BEST_LOCAL_C = 920.0


def slot_space(local: bool = True) -> Space:
    scales = [LocalScale("temperature_c", "slot", PROFILE, AMBIENT),
              LocalScale("precursor_mg", "slot", {"hot": 1.0, "cool": 0.5})] if local else []
    return Space([Real("temperature_c", 900, 1070), Real("precursor_mg", 1, 30, log=True),
                  Categorical("slot", list(PROFILE))], shared=["temperature_c", "precursor_mg"], local=scales)


def local_temperature(point: dict) -> float:
    return AMBIENT + (point["temperature_c"] - AMBIENT) * PROFILE[point["slot"]]


def quality(point: dict) -> float:
    return math.exp(-(((local_temperature(point) - BEST_LOCAL_C) / 30.0) ** 2))


@pytest.mark.parametrize(("scale", "message"), [
    (LocalScale("slot", "slot", PROFILE), "must name a shared Real parameter"),
    (LocalScale("growth_min", "slot", PROFILE), "must name a shared Real parameter"),
    (LocalScale("temperature_c", "substrate", PROFILE), "by='substrate' must name a categorical parameter that is not"),
    (LocalScale("temperature_c", "slot", {"hot": 1.0}), r"one factor for each choice of 'slot' \['hot', 'cool'\]"),
    (LocalScale("precursor_mg", "slot", PROFILE, pivot=-20.0), "log scale, so its local values must stay > 0"),
])
def test_a_local_scale_that_does_not_fit_the_space_is_refused(scale: LocalScale, message: str) -> None:
    parameters = [Real("temperature_c", 900, 1070), Real("precursor_mg", 1, 30, log=True),
                  Categorical("substrate", ["Cu", "CuNi"]), Categorical("slot", list(PROFILE))]
    with pytest.raises(ValueError, match=message):
        Space(parameters, shared=["temperature_c", "precursor_mg", "substrate"], local=[scale])


@pytest.mark.parametrize(("factors", "message"), [({"hot": 1.0, "cool": 0.0}, "factors must be > 0"),
                                                  ({"hot": 1.0, "cool": math.nan}, "finite"), ({}, "must map")])
def test_bad_factors_are_refused(factors: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        LocalScale("temperature_c", "slot", factors)


def test_a_space_with_local_scales_round_trips_through_its_dict() -> None:
    space = Space([Real("t", 0, 1), Categorical("slot", [1, 2])], shared=["t"],
                  local=[LocalScale("t", "slot", {1: 1.0, 2: 0.5}, pivot=0.25)])
    again = Space.from_dict(space.as_dict())
    assert again == space and again.local[0].factors == {1: 1.0, 2: 0.5} and again.local[0].pivot == 0.25
    assert space != Space(space.parameters, shared=["t"])


def test_a_planner_on_local_conditions_resumes_from_its_state() -> None:
    planner = make_planner("botorch", slot_space(), objectives=[Objective("quality")], seed=1)
    run = planner.ask(2)
    planner.tell([Observation(p, values={"quality": quality(p)}) for p in run])
    again = load(planner.to_dict())
    assert again.space == planner.space and again.space.local == planner.space.local
    assert again.ask(2) == planner.ask(2)


def test_the_model_sees_each_point_s_local_values_and_not_its_slot() -> None:
    space = slot_space()
    points = [{"temperature_c": 1000.0, "precursor_mg": 8.0, "slot": "hot"},
              {"temperature_c": 1000.0, "precursor_mg": 8.0, "slot": "cool"},
              {"temperature_c": 1070.0, "precursor_mg": 30.0, "slot": "cool"}]
    features = LocalConditions(space).transform(torch.as_tensor(space.encode(points)))
    assert features.shape == (3, 2)  # the slot column is gone
    local_low, local_high = AMBIENT + (900 - AMBIENT) * 0.9, 1070.0
    expected_t = [(t - local_low) / (local_high - local_low) for t in (1000.0, 902.5, 965.5)]
    expected_p = [(math.log(mg) - math.log(0.5)) / (math.log(30) - math.log(0.5)) for mg in (8.0, 4.0, 15.0)]
    np.testing.assert_allclose(features[:, 0].numpy(), expected_t, atol=1e-12)
    np.testing.assert_allclose(features[:, 1].numpy(), expected_p, atol=1e-12)


def test_what_one_slot_teaches_carries_to_another_at_the_same_local_temperature() -> None:
    """Every sample so far grew in the cool slot (best at setpoint ~994 °C there) and one in the hot slot far
    from the best; among hot-slot recipes the planner picks the setpoint that gives the hot slot the best local
    temperature (920 °C), not the cool slot's best setpoint. Modelling the raw slot, it picks ~985 °C."""
    picks = {}
    for local in (True, False):
        space = slot_space(local)
        planner = make_planner("botorch", space, objectives=[Objective("quality")], seed=0, n_initial_points=2)
        setpoints = np.linspace(900, 1070, 9)
        seen = [{"temperature_c": float(t), "precursor_mg": 5.0, "slot": "cool"} for t in setpoints]
        seen.append({"temperature_c": 900.0, "precursor_mg": 5.0, "slot": "hot"})
        planner.tell([Observation(p, values={"quality": quality(p)}) for p in seen])
        pool = pd.DataFrame({"temperature_c": np.arange(905.0, 990.0, 5.0), "precursor_mg": 5.0, "slot": "hot"})
        (pick,) = planner.ask(1, candidates=space.candidates(pool))
        picks[local] = pick["temperature_c"]
    assert abs(picks[True] - BEST_LOCAL_C) <= 10.0, picks
    assert abs(picks[False] - BEST_LOCAL_C) > 10.0, picks  # the raw slot does not carry it
