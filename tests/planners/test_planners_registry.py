"""make_planner / load and the planner registry."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import planners
from planners import (
    DEFAULT_PLANNER,
    PLANNERS,
    Objective,
    PlannerRegistry,
    Real,
    Space,
    load,
    make_planner,
)
from planners.gp_botorch import BotorchPlanner
from planners.gp_skopt import SkoptPlanner
from planners.random import RandomPlanner, SobolPlanner

SPACE = Space([Real("a", 0, 1), Real("b", 0, 1)])
OBJECTIVES = [Objective("v")]


def test_registered_names_and_classes() -> None:
    assert make_planner.names() == ("random", "sobol", "skopt", "botorch")
    assert make_planner.planner_class("botorch") is BotorchPlanner
    assert make_planner.planner_class("random") is RandomPlanner
    assert make_planner.planner_class("sobol") is SobolPlanner
    assert make_planner.planner_class("skopt") is SkoptPlanner
    for name in PLANNERS:
        assert make_planner.planner_class(name).name == name


def test_default_planner_is_botorch() -> None:
    assert DEFAULT_PLANNER == make_planner.default == "botorch"
    assert isinstance(make_planner(space=SPACE, objectives=OBJECTIVES, seed=0), BotorchPlanner)
    assert isinstance(make_planner(None, SPACE, OBJECTIVES), BotorchPlanner)


def test_make_planner_errors() -> None:
    with pytest.raises(ValueError, match="unknown planner 'turbo'; choose one of: random, sobol, skopt, botorch"):
        make_planner("turbo", SPACE, objectives=OBJECTIVES)
    with pytest.raises(TypeError, match="needs a space"):
        make_planner("random", objectives=OBJECTIVES)
    with pytest.raises(TypeError, match="needs objectives"):
        make_planner("random", SPACE)


def test_load_and_from_dict_pick_the_class_from_the_state() -> None:
    for name in PLANNERS:
        planner = make_planner(name, SPACE, objectives=OBJECTIVES, seed=3)
        planner.ask(2)
        state = json.loads(json.dumps(planner.to_dict()))
        for restore in (load, make_planner.from_dict, type(planner).from_dict):
            rebuilt = restore(state)
            assert type(rebuilt) is type(planner)
            assert rebuilt.to_dict() == planner.to_dict()


def test_bad_states_are_rejected() -> None:
    state = make_planner("random", SPACE, objectives=OBJECTIVES, seed=3).to_dict()
    with pytest.raises(ValueError, match="has no 'name'"):
        load({k: v for k, v in state.items() if k != "name"})
    with pytest.raises(ValueError, match="unknown planner 'gpyopt'"):
        load(state | {"name": "gpyopt"})
    with pytest.raises(ValueError, match="unsupported planner state version 99"):
        load(state | {"version": 99})
    with pytest.raises(ValueError, match=r"state is for planner 'random', not 'sobol'; use planners\.load"):
        SobolPlanner.from_dict(state)


def test_registry_entries_are_checked() -> None:
    with pytest.raises(ValueError, match="default planner 'turbo' is not registered"):
        PlannerRegistry(PLANNERS, "turbo")
    registry = PlannerRegistry(
        {**PLANNERS, "fast": "planners.random:RandomPlanner", "space": "planners:Space"}, "sobol"
    )
    assert isinstance(registry(space=SPACE, objectives=OBJECTIVES), SobolPlanner)
    with pytest.raises(TypeError, match="entry 'fast' points to RandomPlanner, whose name is 'random'"):
        registry("fast", SPACE, OBJECTIVES)
    with pytest.raises(TypeError, match=r"entry 'space' .* is not a Planner subclass"):
        registry("space", SPACE, OBJECTIVES)


def test_public_names_are_exported() -> None:
    for name in (
        "Space",
        "Real",
        "Integer",
        "Categorical",
        "Objective",
        "Observation",
        "make_planner",
        "load",
    ):
        assert name in planners.__all__ and hasattr(planners, name)


def test_planners_is_a_pure_library_with_lazy_backends() -> None:
    code = (
        "import sys, planners; "
        "print(sorted(m for m in ('lab', 'devices', 'simulators', 'skopt', 'torch', 'botorch') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
