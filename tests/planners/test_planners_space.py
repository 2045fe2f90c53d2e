"""Space, parameters, linear constraints, encoding and candidate pools."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from planners import Categorical, Integer, LinearConstraint, Real, Space
from planners.space import parameter_from_dict

# --- parameters -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: Real("temp", 10, 10), r"'temp'.*low .* must be smaller than high"),
        (lambda: Real("temp", 20, 10), r"'temp'.*low .* must be smaller than high"),
        (lambda: Real("flow", 0, 10, log=True), r"'flow'.*log=True needs low > 0"),
        (lambda: Real("flow", -1, 10, log=True), r"'flow'.*log=True needs low > 0"),
        (lambda: Real("temp", float("nan"), 10), r"'temp': low must be finite"),
        (lambda: Real("temp", 0, float("inf")), r"'temp': high must be finite"),
        (lambda: Real("temp", "0", 10), r"'temp': low must be a real number"),
        (lambda: Integer("minutes", 5, 5), r"'minutes'.*must be smaller than high"),
        (lambda: Integer("minutes", 1.5, 5), r"'minutes': low must be an integer"),
        (lambda: Integer("minutes", 0, 5, log=True), r"'minutes'.*log=True needs low > 0"),
        (lambda: Categorical("substrate", []), r"'substrate': choices must not be empty"),
        (lambda: Categorical("substrate", ["Cu", "Cu"]), r"'substrate': duplicate choice 'Cu'"),
        (lambda: Categorical("substrate", "Cu"), r"'substrate': choices must be a list"),
        (lambda: Categorical("substrate", ["Cu", 1]), r"'substrate': choices must be all strings or all"),
        (lambda: Real("2temp", 0, 1), r"parameter name '2temp' must be a Python identifier"),
        (lambda: Real("T (C)", 0, 1), r"parameter name 'T \(C\)' must be a Python identifier"),
    ],
)
def test_parameter_validation_names_the_field(make, match) -> None:
    with pytest.raises(ValueError, match=match):
        make()


def test_integer_bounds_are_ints_and_inclusive() -> None:
    minutes = Integer("minutes", 1.0, 60)
    assert minutes.low == 1 and isinstance(minutes.low, int)
    assert minutes.validate(1) == 1 and minutes.validate(60) == 60
    assert minutes.validate(np.int64(7)) == 7 and type(minutes.validate(np.float64(7.0))) is int
    with pytest.raises(ValueError, match=r"'minutes': 61.0 is outside the bounds \[1, 60\]"):
        minutes.validate(61)
    with pytest.raises(ValueError, match=r"'minutes' must be an integer, got 7.5"):
        minutes.validate(7.5)


def test_parameter_dict_round_trip() -> None:
    for parameter in (Real("a", 0.5, 50, log=True), Integer("b", 1, 9), Categorical("c", [1.5, 2.5])):
        data = json.loads(json.dumps(parameter.as_dict()))
        assert parameter_from_dict(data) == parameter
    with pytest.raises(ValueError, match="unknown parameter type 'bool'"):
        parameter_from_dict({"type": "bool", "name": "x"})


# --- space validation -------------------------------------------------------------------------------------


def test_space_needs_parameters_and_unique_names() -> None:
    with pytest.raises(ValueError, match="at least one parameter"):
        Space([])
    with pytest.raises(ValueError, match="duplicate parameter name 'temp'"):
        Space([Real("temp", 0, 1), Integer("temp", 0, 3)])
    with pytest.raises(ValueError, match="must be Real, Integer or Categorical"):
        Space([("temp", 0, 1)])


@pytest.mark.parametrize(
    ("params", "match"),
    [
        (
            {"temperature_c": 950, "ch4_sccm": 5, "h2_sccm": 10, "growth_min": 5},
            r"missing parameter 'substrate'",
        ),
        (
            {"temperature_c": 950, "ch4_sccm": 5, "h2_sccm": 10, "growth_min": 5, "substrate": "Cu", "ar": 1},
            r"unknown parameter 'ar'",
        ),
        (
            {"temperature_c": 1100, "ch4_sccm": 5, "h2_sccm": 10, "growth_min": 5, "substrate": "Cu"},
            r"'temperature_c': 1100.0 is outside the bounds \[900.0, 1070.0\]",
        ),
        (
            {"temperature_c": math.nan, "ch4_sccm": 5, "h2_sccm": 10, "growth_min": 5, "substrate": "Cu"},
            r"'temperature_c' must be finite",
        ),
        (
            {"temperature_c": 950, "ch4_sccm": math.inf, "h2_sccm": 10, "growth_min": 5, "substrate": "Cu"},
            r"'ch4_sccm' must be finite",
        ),
        (
            {"temperature_c": 950, "ch4_sccm": 5, "h2_sccm": 10, "growth_min": 5.5, "substrate": "Cu"},
            r"'growth_min' must be an integer",
        ),
        (
            {"temperature_c": 950, "ch4_sccm": 5, "h2_sccm": 10, "growth_min": 5, "substrate": "Ni"},
            r"'substrate': 'Ni' is not one of \['Cu', 'CuNi'\]",
        ),
        (
            {"temperature_c": "hot", "ch4_sccm": 5, "h2_sccm": 10, "growth_min": 5, "substrate": "Cu"},
            r"'temperature_c' must be a real number",
        ),
    ],
)
def test_validate_names_the_field(cvd_space: Space, params, match) -> None:
    with pytest.raises(ValueError, match=match):
        cvd_space.validate(params)


def test_validate_returns_plain_python_values(cvd_space: Space) -> None:
    point = cvd_space.validate(
        {
            "substrate": np.str_("CuNi"),
            "growth_min": np.int64(12),
            "h2_sccm": np.float32(10.5),
            "ch4_sccm": 5,
            "temperature_c": np.float64(990.0),
        }
    )
    assert list(point) == list(cvd_space.names)
    assert [type(v) for v in point.values()] == [float, float, float, int, str]


# --- constraints ------------------------------------------------------------------------------------------


def _numeric_space() -> Space:
    return Space([Real("a", 0, 10), Real("b", 0, 10), Integer("c", 0, 10), Categorical("s", ["x", "y"])])


@pytest.mark.parametrize(
    ("text", "coefficients", "upper"),
    [
        ("a + b <= 10", {"a": 1.0, "b": 1.0}, 10.0),
        ("2*a - b >= -3", {"a": -2.0, "b": 1.0}, 3.0),
        ("a <= 0.5 * b", {"a": 1.0, "b": -0.5}, 0.0),
        ("(a + b) / 2 + 1 <= c - 1", {"a": 0.5, "b": 0.5, "c": -1.0}, -2.0),
        ("-(a - 2 * b) >= -4 + c * 3", {"a": 1.0, "b": -2.0, "c": 3.0}, 4.0),
        ("a + b - b <= 3", {"a": 1.0}, 3.0),
    ],
)
def test_constraint_parsing_normalizes_to_upper_bound(text, coefficients, upper) -> None:
    (constraint,) = Space(_numeric_space().parameters, constraints=[text]).constraints
    assert constraint == LinearConstraint(text, coefficients, upper)


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("a + d <= 1", r"'a \+ d <= 1': unknown parameter 'd'"),
        ("a * b <= 1", r"'a \* b <= 1': non-linear term 'a \* b'"),
        ("a / b <= 1", r"non-linear term 'a / b'"),
        ("a ** 2 <= 1", r"'a \*\* 2' is not allowed"),
        ("s + a <= 1", r"'s \+ a <= 1': parameter 's' is categorical"),
        ("a < 1", r"'a < 1': use '<=' or '>='"),
        ("0 <= a <= 1", r"must be exactly one comparison"),
        ("a + b", r"must be exactly one comparison"),
        ("a + <= 1", r"'a \+ <= 1' is not a valid expression"),
        ("__import__('os').getcwd() <= 1", r"is not allowed"),
        ("a - a <= 1", r"does not depend on any parameter"),
        ("a / 0 <= 1", r"division by zero"),
        ("a + b <= -1", r"'a \+ b <= -1' is infeasible"),
    ],
)
def test_bad_constraints_name_the_constraint(text, match) -> None:
    with pytest.raises(ValueError, match=match):
        Space(_numeric_space().parameters, constraints=[text])


def test_jointly_infeasible_constraints_are_rejected() -> None:
    with pytest.raises(ValueError, match="constraints are infeasible"):
        Space(_numeric_space().parameters, constraints=["a + b <= 4", "a + b >= 6"])


def test_feasible_checks_constraints(cvd_space: Space) -> None:
    point = {"temperature_c": 1000, "ch4_sccm": 5, "h2_sccm": 55, "growth_min": 5, "substrate": "Cu"}
    assert cvd_space.feasible(point)
    assert cvd_space.feasible(point | {"h2_sccm": 55.0, "ch4_sccm": 5.0})  # on the boundary: allowed
    assert not cvd_space.feasible(point | {"h2_sccm": 56})
    assert not cvd_space.feasible(point | {"temperature_c": 940})  # 940 < 10 * 5 + 900
    with pytest.raises(ValueError, match="unknown parameter 'argon'"):
        cvd_space.feasible(point | {"argon": 3})


def test_space_dict_round_trip(cvd_space: Space) -> None:
    data = json.loads(json.dumps(cvd_space.as_dict()))
    rebuilt = Space.from_dict(data)
    assert rebuilt == cvd_space
    assert rebuilt.constraints == cvd_space.constraints
    assert rebuilt != Space(cvd_space.parameters)


# --- encoding ---------------------------------------------------------------------------------------------


def test_log_real_encodes_on_log_scale() -> None:
    space = Space([Real("flow", 1, 10_000, log=True), Real("lin", 1, 10_000)])
    (point,) = space.decode([[0.5, 0.5]])
    assert point["flow"] == pytest.approx(100.0)  # geometric midpoint
    assert point["lin"] == pytest.approx(5000.5)
    assert space.encode([{"flow": 10.0, "lin": 1.0}]) == pytest.approx(np.array([[0.25, 0.0]]))


def test_integer_and_categorical_bins_are_equal_width() -> None:
    space = Space([Integer("n", 1, 4), Categorical("s", ["a", "b", "c"])])
    u = (np.arange(1000) + 0.5) / 1000
    points = space.decode(np.column_stack([u, u]))
    assert {v: sum(p["n"] == v for p in points) for v in range(1, 5)} == {1: 250, 2: 250, 3: 250, 4: 250}
    assert [sum(p["s"] == c for p in points) for c in "abc"] == [333, 334, 333]
    assert all(type(p["n"]) is int for p in points)


def test_encode_decode_round_trip(cvd_space: Space) -> None:
    points = cvd_space.decode(np.random.default_rng(0).random((50, len(cvd_space))))
    encoded = cvd_space.encode(points)
    assert encoded.shape == (50, 5) and encoded.min() >= 0 and encoded.max() <= 1
    for again, point in zip(cvd_space.decode(encoded), points, strict=True):
        assert (again["growth_min"], again["substrate"]) == (point["growth_min"], point["substrate"])
        for name in ("temperature_c", "ch4_sccm", "h2_sccm"):
            assert again[name] == pytest.approx(point[name], rel=1e-12)


def test_decode_clips_and_checks_shape(cvd_space: Space) -> None:
    (low,) = cvd_space.decode([[-1.0] * 5])
    (high,) = cvd_space.decode([[2.0] * 5])
    assert low == {
        "temperature_c": 900.0,
        "ch4_sccm": 0.5,
        "h2_sccm": 1.0,
        "growth_min": 1,
        "substrate": "Cu",
    }
    assert high == {
        "temperature_c": 1070.0,
        "ch4_sccm": 50.0,
        "h2_sccm": 100.0,
        "growth_min": 60,
        "substrate": "CuNi",
    }
    with pytest.raises(ValueError, match=r"shape \(n, 5\)"):
        cvd_space.decode([0.5] * 5)


# --- candidate pools --------------------------------------------------------------------------------------


def _pool_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "sample_id": ["s1", "s2", "s3", "s4", "s5"],
            "temperature_c": [1000.0, 1000.0, 1050.0, 1000.0, 960.0],
            "ch4_sccm": [5.0, 5.0, 2.0, 5.0, 1.0],
            "h2_sccm": [20.0, 59.0, 30.0, 20.0, 10.0],  # s2 breaks h2 + ch4 <= 60
            "growth_min": [10, 10, 30, 10, 5],  # s4 repeats s1
            "substrate": ["Cu", "Cu", "CuNi", "Cu", "Cu"],
        },
        index=[10, 11, 12, 13, 14],
    )


def test_pool_drops_infeasible_and_duplicate_rows(cvd_space: Space) -> None:
    pool = cvd_space.candidates(_pool_frame())
    assert len(pool) == 3
    assert list(pool.dropped) == [11, 13]
    assert list(pool.frame["sample_id"]) == ["s1", "s3", "s5"]
    assert pool.points[1] == {
        "temperature_c": 1050.0,
        "ch4_sccm": 2.0,
        "h2_sccm": 30.0,
        "growth_min": 30,
        "substrate": "CuNi",
    }
    assert type(pool.points[1]["growth_min"]) is int
    assert pool.locate(pool.points[2]) == 14
    with pytest.raises(ValueError, match="not in the candidate pool"):
        pool.locate(pool.points[2] | {"growth_min": 6})


def test_pool_rejects_missing_columns_and_bad_rows(cvd_space: Space) -> None:
    frame = _pool_frame()
    with pytest.raises(ValueError, match=r"missing column\(s\) \['growth_min'\]"):
        cvd_space.candidates(frame.drop(columns="growth_min"))
    bad = frame.copy()
    bad.loc[12, "temperature_c"] = 1200.0
    with pytest.raises(ValueError, match=r"candidate row 12: parameter 'temperature_c': 1200.0 is outside"):
        cvd_space.candidates(bad)
    bad = frame.copy()
    bad.loc[14, "substrate"] = "Ni"
    with pytest.raises(ValueError, match=r"candidate row 14: parameter 'substrate': 'Ni' is not one of"):
        cvd_space.candidates(bad)
    bad = frame.copy()
    bad.loc[10, "ch4_sccm"] = math.nan
    with pytest.raises(ValueError, match=r"candidate row 10: parameter 'ch4_sccm' must be finite"):
        cvd_space.candidates(bad)
    with pytest.raises(ValueError, match="no candidate row satisfies the constraints"):
        cvd_space.candidates(frame.loc[[11]])
    with pytest.raises(ValueError, match="must be a pandas DataFrame"):
        cvd_space.candidates(frame.to_dict("records"))
