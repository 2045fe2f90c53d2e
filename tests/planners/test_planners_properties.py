"""Property-based tests over generated spaces and constraints (hypothesis)."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planners import Categorical, Integer, Objective, Observation, Real, Space, make_planner
from planners.space import Parameter

OBJECTIVES = [Objective("v")]


@st.composite
def parameters(draw: st.DrawFn, name: str) -> Parameter:
    kind = draw(st.sampled_from(["real", "log_real", "integer", "log_integer", "categorical"]))
    if kind == "real":
        low = draw(st.floats(-1e3, 1e3))
        return Real(name, low, low + draw(st.floats(1e-3, 1e3)))
    if kind == "log_real":
        low = draw(st.floats(1e-3, 1e2))
        return Real(name, low, low * draw(st.floats(1.01, 1e4)), log=True)
    if kind == "integer":
        low = draw(st.integers(-50, 50))
        return Integer(name, low, low + draw(st.integers(1, 100)))
    if kind == "log_integer":
        low = draw(st.integers(1, 20))
        return Integer(name, low, low + draw(st.integers(1, 500)), log=True)
    words = st.text("abcdefgh", min_size=1, max_size=4)
    choices = draw(
        st.lists(words, min_size=1, max_size=4, unique=True)
        | st.lists(st.integers(0, 9), min_size=1, max_size=4, unique=True)
    )
    return Categorical(name, choices)


@st.composite
def spaces(draw: st.DrawFn, max_constraints: int = 2) -> Space:
    """Mixed spaces with up to ``max_constraints`` linear constraints through the sampling median."""
    params = [draw(parameters(f"p{i}")) for i in range(draw(st.integers(1, 4)))]
    space = Space(params)
    median = space.decode([[0.5] * len(params)])[0]
    numeric = [p.name for p in params if not isinstance(p, Categorical)]
    constraints = []
    if numeric:
        for _ in range(draw(st.integers(0, max_constraints))):
            names = draw(st.lists(st.sampled_from(numeric), min_size=1, max_size=3, unique=True))
            coefficients = [draw(st.sampled_from([-3, -2, -1, -0.5, 0.5, 1, 2, 3])) for _ in names]
            lhs = " + ".join(f"{c!r} * {n}" for c, n in zip(coefficients, names, strict=True))
            upper = sum(c * median[n] for c, n in zip(coefficients, names, strict=True))
            spread = sum(
                abs(c) * (space[n].high - space[n].low) for c, n in zip(coefficients, names, strict=True)
            )
            upper += draw(st.floats(0.05, 0.5)) * spread  # keeps a good share of the samples feasible
            constraints.append(f"{lhs} <= {upper!r}")
    return Space(params, constraints)


def assert_valid(space: Space, points: list[dict]) -> None:
    for point in points:
        assert space.validate(point) == point
        assert space.feasible(point)
        for value, parameter in zip(point.values(), space.parameters, strict=True):
            if isinstance(parameter, Categorical):
                assert value in parameter.choices
            else:
                assert parameter.low <= value <= parameter.high
                assert type(value) is (int if isinstance(parameter, Integer) else float)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(space=spaces(), name=st.sampled_from(["random", "sobol"]), seed=st.integers(0, 2**31))
def test_model_free_planners_respect_the_space(space: Space, name: str, seed: int) -> None:
    planner = make_planner(name, space, objectives=OBJECTIVES, seed=seed)
    assert_valid(space, planner.ask(8))
    assert_valid(space, planner.ask(3))


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(space=spaces(), seed=st.integers(0, 2**31))
def test_skopt_respects_the_space(space: Space, seed: int) -> None:
    planner = make_planner("skopt", space, objectives=OBJECTIVES, seed=seed, n_initial_points=3)
    initial = planner.ask(3)
    assert_valid(space, initial)
    planner.tell(Observation(p, values={"v": float(i)}) for i, p in enumerate(initial))
    assert_valid(space, planner.ask(2))


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(space=spaces(), seed=st.integers(0, 2**31))
def test_botorch_respects_the_space(space: Space, seed: int) -> None:
    planner = make_planner(
        "botorch", space, objectives=OBJECTIVES, seed=seed, n_initial_points=3, num_restarts=2, raw_samples=16
    )
    initial = planner.ask(3)
    assert_valid(space, initial)
    planner.tell(Observation(p, values={"v": float(i)}) for i, p in enumerate(initial))
    assert_valid(space, planner.ask(2))


@settings(max_examples=60, deadline=None)
@given(space=spaces(), data=st.data())
def test_encode_decode_round_trip(space: Space, data: st.DataObject) -> None:
    unit = np.array(data.draw(st.lists(st.floats(0, 1), min_size=len(space), max_size=len(space))))
    (point,) = space.decode(unit[None, :])
    assert space.validate(point) == point
    encoded = space.encode([point])
    assert np.all((encoded >= 0) & (encoded <= 1))
    (again,) = space.decode(encoded)
    for parameter in space.parameters:
        if isinstance(parameter, Real):
            assert math.isclose(again[parameter.name], point[parameter.name], rel_tol=1e-9, abs_tol=1e-9)
        else:
            assert again[parameter.name] == point[parameter.name]


@settings(max_examples=100, deadline=None)
@given(
    left=st.lists(st.tuples(st.sampled_from(["a", "b", "c"]), st.integers(-5, 5)), min_size=1, max_size=4),
    right=st.lists(st.tuples(st.sampled_from(["a", "b", "c"]), st.integers(-5, 5)), max_size=3),
    constant=st.integers(-20, 20),
    op=st.sampled_from(["<=", ">="]),
    point=st.tuples(st.floats(0, 10), st.floats(0, 10), st.floats(0, 10)),
)
def test_constraint_parser_matches_direct_evaluation(left, right, constant, op, point) -> None:
    def side(terms: list[tuple[str, int]]) -> str:
        return " + ".join(f"{c} * {n}" for n, c in terms) or "0"

    text = f"{side(left)} {op} {side(right)} + {constant}"
    params = dict(zip("abc", point, strict=True))
    lhs = sum(c * params[n] for n, c in left)
    rhs = sum(c * params[n] for n, c in right) + constant
    names = {n for n, c in left + right}
    space = Space([Real(n, 0, 10) for n in "abc"])
    coefficient = {n: sum(c for m, c in left if m == n) - sum(c for m, c in right if m == n) for n in names}
    if all(value == 0 for value in coefficient.values()):
        return  # e.g. "a - a": rejected as constant, covered by test_bad_constraints_name_the_constraint
    try:
        (constraint,) = Space(space.parameters, [text]).constraints
    except ValueError as err:
        assert "infeasible" in str(err)
        return
    holds = lhs <= rhs if op == "<=" else lhs >= rhs
    if abs(lhs - rhs) > 1e-6:
        assert constraint.satisfied(params) == holds
    sign = 1 if op == "<=" else -1
    assert constraint.coefficients == {n: sign * c for n, c in coefficient.items() if c != 0}
