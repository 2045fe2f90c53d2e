"""Objectives, observations and scalarization."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from planners import Objective, Observation, scalarize


def test_objective_directions_and_utility() -> None:
    assert Objective("quality").direction == "maximize"
    assert Objective("defects", maximize=False).direction == "minimize"
    bandgap = Objective("bandgap_ev", target=1.70)
    assert bandgap.direction == "target"
    assert Objective("quality").utility(0.7) == 0.7
    assert Objective("defects", maximize=False).utility(0.7) == -0.7
    assert bandgap.utility(1.5) == pytest.approx(-0.2)
    assert bandgap.utility(1.9) == pytest.approx(-0.2)
    assert bandgap.utility(1.70) == 0.0


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: Objective(""), "objective name must be a non-empty string"),
        (lambda: Objective("gap", target=math.nan), r"objective 'gap': target must be finite"),
        (lambda: Objective("gap", target="1.7"), r"objective 'gap': target must be a number"),
        (
            lambda: Objective("gap", maximize=False, target=1.7),
            r"objective 'gap': give either maximize=False",
        ),
        (lambda: Objective("gap", maximize="yes"), r"objective 'gap': maximize must be True or False"),
    ],
)
def test_objective_validation_names_the_field(make, match) -> None:
    with pytest.raises(ValueError, match=match):
        make()


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"values": {"quality": math.nan}}, r"objective 'quality' must be finite"),
        ({"values": {"quality": 0.5, "yield": -math.inf}}, r"objective 'yield' must be finite"),
        ({"values": {"quality": "good"}}, r"objective 'quality' must be a number"),
        ({}, r"needs values for its objectives, or failed=True"),
        ({"values": {}}, r"needs values for its objectives, or failed=True"),
        ({"failed": True, "metadata": {"when": object()}}, r"metadata must be JSON-serializable"),
        ({"failed": "yes"}, r"failed must be True or False"),
    ],
)
def test_observation_validation_names_the_field(kwargs, match) -> None:
    with pytest.raises(ValueError, match=match):
        Observation({"a": 1.0}, **kwargs)


def test_observation_converts_numpy_values_and_round_trips() -> None:
    observation = Observation(
        {"a": 1.0}, values={"quality": np.float32(0.5)}, metadata={"run": "r-17", "operator": "kim"}
    )
    assert type(observation.values["quality"]) is float
    data = json.loads(json.dumps(observation.as_dict()))
    assert Observation.from_dict(data) == observation
    failed = Observation({"a": 2.0}, failed=True)
    assert failed.values == {}
    assert Observation.from_dict(json.loads(json.dumps(failed.as_dict()))) == failed


def test_objective_round_trip() -> None:
    for objective in (Objective("q"), Objective("d", maximize=False), Objective("gap", target=1.7)):
        assert Objective.from_dict(json.loads(json.dumps(objective.as_dict()))) == objective


def test_scalarize_single_objective_is_the_utility() -> None:
    rows = [{"gap": 1.2}, {"gap": 1.65}, {"gap": 2.0}]
    assert scalarize([Objective("gap", target=1.7)], rows) == pytest.approx([-0.5, -0.05, -0.3])
    assert scalarize([Objective("gap", maximize=False)], rows) == pytest.approx([-1.2, -1.65, -2.0])
    assert scalarize([Objective("gap")], []).shape == (0,)


def test_scalarize_several_objectives_is_augmented_chebyshev() -> None:
    objectives = [Objective("quality"), Objective("defects", maximize=False)]
    rows = [
        {"quality": 1.0, "defects": 1.0},  # best quality, worst defects -> normalized (1, 0)
        {"quality": 0.0, "defects": 0.0},  # worst quality, best defects -> (0, 1)
        {"quality": 0.6, "defects": 0.4},  # balanced -> (0.6, 0.6)
    ]
    scores = scalarize(objectives, rows)
    assert scores == pytest.approx([0.05, 0.05, 0.6 + 0.05 * 1.2])
    assert int(np.argmax(scores)) == 2
    constant = scalarize(objectives, [{"quality": 1.0, "defects": 0.2}, {"quality": 0.5, "defects": 0.2}])
    assert constant == pytest.approx([0.5 + 0.05 * 1.5, 0.0 + 0.05 * 0.5])
