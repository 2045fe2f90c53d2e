"""Behaviour every planner shares: validity, determinism, state round trips, pending points and pools."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest

from planners import Objective, Observation, Planner, Real, Space, load, make_planner


def cvd_quality(point: dict) -> float:
    """A smooth synthetic objective over the CVD space."""
    value = -(((point["temperature_c"] - 1030) / 80) ** 2) - math.log(point["ch4_sccm"] / 3) ** 2
    return value - ((point["growth_min"] - 20) / 30) ** 2 + (0.3 if point["substrate"] == "Cu" else 0.0)


def options(planner_name: str, n_initial_points: int = 4) -> dict:
    """Planner-specific options: a short initial design (and a cheap optimizer for botorch) so tests reach
    the model quickly."""
    if planner_name == "botorch":
        return {"n_initial_points": n_initial_points, "num_restarts": 2, "raw_samples": 32}
    return {"n_initial_points": n_initial_points} if planner_name == "skopt" else {}


def run(planner: Planner, rounds: int, batch: int = 1) -> None:
    """Ask/tell ``rounds`` times; every fifth point fails."""
    for _ in range(rounds):
        points = planner.ask(batch)
        planner.tell(
            [
                Observation(p, failed=True)
                if len(planner.observations) % 5 == 4
                else Observation(p, values={"quality": cvd_quality(p)})
                for p in points
            ]
        )


def assert_valid(space: Space, points: list[dict]) -> None:
    """Every point is a feasible point of ``space`` made of plain Python values."""
    for point in points:
        assert list(point) == list(space.names)
        assert space.validate(point) == point
        assert space.feasible(point), point
        assert [type(v) for v in point.values()] == [float, float, float, int, str]


def test_asks_are_valid_and_feasible(planner_name: str, cvd_space: Space, quality: Objective) -> None:
    planner = make_planner(planner_name, cvd_space, objectives=[quality], seed=3, **options(planner_name))
    run(planner, rounds=4, batch=2)  # past the initial design for skopt
    points = planner.ask(3)
    assert len(points) == 3
    assert_valid(cvd_space, points)
    assert_valid(cvd_space, [o.params for o in planner.observations])


@pytest.mark.parametrize("n", [0, -1, 1.5, True, "2"])
def test_ask_needs_a_positive_integer(planner_name: str, cvd_space: Space, quality: Objective, n) -> None:
    planner = make_planner(planner_name, cvd_space, objectives=[quality], seed=0)
    with pytest.raises(ValueError, match="n must be a positive integer"):
        planner.ask(n)


def test_same_seed_and_tells_give_same_asks(planner_name: str, cvd_space: Space, quality: Objective) -> None:
    first, second, other = (
        make_planner(planner_name, cvd_space, objectives=[quality], seed=seed, **options(planner_name, 3))
        for seed in (7, 7, 8)
    )
    for planner in (first, second, other):
        run(planner, rounds=3, batch=2)
    assert first.ask(2) == second.ask(2)
    assert [o.params for o in first.observations] != [o.params for o in other.observations]


def test_state_round_trip_gives_identical_next_asks(
    planner_name: str, cvd_space: Space, quality: Objective
) -> None:
    planner = make_planner(planner_name, cvd_space, objectives=[quality], seed=11, **options(planner_name))
    run(planner, rounds=3, batch=2)
    planner.ask(2)  # leave two points pending
    state = json.loads(json.dumps(planner.to_dict()))
    assert {"name", "space", "objectives", "seed", "observations", "pending"} <= set(state)
    assert state["name"] == planner_name
    rebuilt = load(state)
    assert type(rebuilt) is type(planner)
    assert rebuilt.observations == planner.observations
    assert rebuilt.pending == planner.pending
    assert rebuilt.to_dict() == planner.to_dict()
    assert rebuilt.ask(2) == planner.ask(2)
    again = make_planner.from_dict(json.loads(json.dumps(planner.to_dict())))
    assert again.ask(1) == planner.ask(1)


def test_suggested_points_are_asked_first_once_and_survive_a_state_round_trip(
    planner_name: str, cvd_space: Space, quality: Objective
) -> None:
    literature = {"temperature_c": 1035.0, "ch4_sccm": 5.0, "h2_sccm": 40.0, "growth_min": 20, "substrate": "Cu"}
    variant = {**literature, "substrate": "CuNi"}
    planner = make_planner(planner_name, cvd_space, objectives=[quality], seed=2, **options(planner_name))
    planner.suggest([literature, variant, literature])  # a repeat is asked once
    assert planner.ask(1) == [literature]
    rebuilt = load(json.loads(json.dumps(planner.to_dict())))
    assert rebuilt.suggested == (literature, variant, literature)
    batch = planner.ask(2)
    assert rebuilt.ask(2) == batch and batch[0] == variant and batch[1] not in (literature, variant)
    assert_valid(cvd_space, batch)
    planner.tell([Observation(literature, failed=True), *(Observation(p, values={"quality": cvd_quality(p)})
                                                           for p in batch)])
    run(planner, rounds=3)
    assert [o.params for o in planner.observations].count(literature) == 1  # a failed suggestion is not re-run
    assert [o.params for o in planner.observations].count(variant) == 1


def test_suggestions_are_checked(planner_name: str, cvd_space: Space, quality: Objective) -> None:
    planner = make_planner(planner_name, cvd_space, objectives=[quality], seed=0)
    point = {"temperature_c": 1000.0, "ch4_sccm": 5.0, "h2_sccm": 40.0, "growth_min": 20, "substrate": "Cu"}
    with pytest.raises(ValueError, match=r"suggested point 1: .*'temperature_c'"):
        planner.suggest([point, {**point, "temperature_c": 1200.0}])
    with pytest.raises(ValueError, match="suggested point 0 breaks a constraint"):
        planner.suggest([{**point, "ch4_sccm": 30.0, "h2_sccm": 40.0}])
    assert planner.suggested == ()


def test_unseeded_planner_records_its_seed(planner_name: str, cvd_space: Space, quality: Objective) -> None:
    planner = make_planner(planner_name, cvd_space, objectives=[quality])
    assert isinstance(planner.seed, int)
    rebuilt = load(json.loads(json.dumps(planner.to_dict())))
    assert rebuilt.ask(2) == planner.ask(2)


def test_pending_points_are_tracked(planner_name: str, cvd_space: Space, quality: Objective) -> None:
    planner = make_planner(planner_name, cvd_space, objectives=[quality], seed=5)
    first = planner.ask(2)
    assert planner.pending == tuple(first)
    planner.tell(Observation(first[1], values={"quality": 0.4}))
    assert planner.pending == (first[0],)
    second = planner.ask(2)
    assert not set(map(str, second)) & set(map(str, first))
    assert planner.pending == (first[0], *second)


def test_tell_validates_everything_before_recording(
    planner_name: str, cvd_space: Space, quality: Objective
) -> None:
    planner = make_planner(planner_name, cvd_space, objectives=[quality], seed=0)
    good = planner.ask(1)[0]
    cases = [
        (
            Observation(good | {"argon_sccm": 5.0}, values={"quality": 1.0}),
            r"observation 1: unknown parameter 'argon_sccm'",
        ),
        (
            Observation(good | {"growth_min": 90}, values={"quality": 1.0}),
            r"observation 1: parameter 'growth_min': 90",
        ),
        (
            Observation(good, values={"qualty": 1.0}),
            r"observation 1: missing a value for objective 'quality'",
        ),
        ({"params": good, "values": {"quality": 1.0}}, r"observation 1: expected an Observation, got dict"),
    ]
    for bad, match in cases:
        with pytest.raises(ValueError, match=match):
            planner.tell([Observation(good, values={"quality": 1.0}), bad])
        assert planner.observations == ()


def test_failed_observations_are_recorded_but_never_best(
    planner_name: str, cvd_space: Space, quality: Objective
) -> None:
    planner = make_planner(planner_name, cvd_space, objectives=[quality], seed=2)
    a, b, c = planner.ask(3)
    assert planner.best() is None
    planner.tell([Observation(a, failed=True), Observation(b, values={"quality": 0.2})])
    planner.tell(Observation(c, values={"quality": 0.9}, metadata={"run": 3}))
    assert [o.failed for o in planner.observations] == [True, False, False]
    assert planner.scores() == [None, 0.2, 0.9]
    assert planner.best() == Observation(c, values={"quality": 0.9}, metadata={"run": 3})
    assert_valid(cvd_space, planner.ask(2))


def test_several_objectives_work(planner_name: str, cvd_space: Space) -> None:
    objectives = [Objective("quality"), Objective("defects", maximize=False), Objective("gap", target=1.7)]
    planner = make_planner(planner_name, cvd_space, objectives=objectives, seed=4, **options(planner_name, 3))
    for i in range(3):
        points = planner.ask(2)
        planner.tell(
            Observation(p, values={"quality": cvd_quality(p), "defects": 0.1 * i + j, "gap": 1.5 + 0.1 * j})
            for j, p in enumerate(points)
        )
    dominant = planner.ask(2)[1]
    assert_valid(cvd_space, [dominant])
    planner.tell(Observation(dominant, values={"quality": 10.0, "defects": -1.0, "gap": 1.7}))
    assert planner.best() == planner.observations[-1]  # better than every other point in every objective
    assert_valid(cvd_space, planner.ask(2))


def test_planner_rejects_bad_setup(planner_name: str, cvd_space: Space, quality: Objective) -> None:
    with pytest.raises(ValueError, match="at least one Objective"):
        make_planner(planner_name, cvd_space, objectives=[])
    with pytest.raises(ValueError, match="duplicate objective name 'quality'"):
        make_planner(planner_name, cvd_space, objectives=[quality, Objective("quality", maximize=False)])
    with pytest.raises(ValueError, match="objectives must be a list of Objective"):
        make_planner(planner_name, cvd_space, objectives=quality)
    with pytest.raises(ValueError, match="seed must be a non-negative integer"):
        make_planner(planner_name, cvd_space, objectives=[quality], seed=-1)
    with pytest.raises(ValueError, match=r"space must be a planners\.Space"):
        make_planner(planner_name, [Real("a", 0, 1)], objectives=[quality])


# --- candidate pools --------------------------------------------------------------------------------------


def _grid(space: Space) -> pd.DataFrame:
    rows = [
        {"temperature_c": t, "ch4_sccm": c, "h2_sccm": 20.0, "growth_min": g, "substrate": s, "row_id": i}
        for i, (t, c, g, s) in enumerate(
            (t, c, g, s)
            for t in (940.0, 1000.0, 1040.0)
            for c in (1.0, 3.0, 5.0)
            for g in (10, 30)
            for s in ("Cu", "CuNi")
        )
    ]
    return pd.DataFrame(rows)


def test_pool_asks_return_unseen_pool_rows_until_exhausted(
    planner_name: str, cvd_space: Space, quality: Objective
) -> None:
    pool = cvd_space.candidates(
        _grid(cvd_space)
    )  # 3 * 3 * 2 * 2 = 36 rows; 940 C with 5 sccm CH4 is infeasible
    assert len(pool) == 32
    planner = make_planner(planner_name, cvd_space, objectives=[quality], seed=1, **options(planner_name))
    planner.tell(Observation(pool.points[0], values={"quality": cvd_quality(pool.points[0])}))
    seen = [pool.points[0]]
    while len(seen) < len(pool):
        batch = planner.ask(min(3, len(pool) - len(seen)), candidates=pool)
        assert_valid(cvd_space, batch)
        assert all(p in pool.points for p in batch)
        assert not [p for p in batch if p in seen]
        seen.extend(batch)
        planner.tell(
            Observation(p, failed=(i == 0), values={"quality": cvd_quality(p)}) for i, p in enumerate(batch)
        )
    assert sorted(map(str, seen)) == sorted(map(str, pool.points))
    with pytest.raises(
        ValueError, match=r"candidate pool exhausted: asked for 1 point\(s\) but only 0 of its 32"
    ):
        planner.ask(1, candidates=pool)


def test_pool_excludes_pending_rows_and_checks_size(
    planner_name: str, cvd_space: Space, quality: Objective
) -> None:
    pool = cvd_space.candidates(_grid(cvd_space).iloc[:6])
    planner = make_planner(planner_name, cvd_space, objectives=[quality], seed=1)
    first = planner.ask(4, candidates=pool)
    assert len({str(p) for p in first}) == 4
    with pytest.raises(ValueError, match=r"asked for 3 point\(s\) but only 2 of its 6 rows"):
        planner.ask(3, candidates=pool)
    rest = planner.ask(2, candidates=pool)
    assert sorted(map(str, first + rest)) == sorted(map(str, pool.points))
    assert pool.frame["row_id"].tolist() == list(range(6))
    assert sorted(pool.locate(p) for p in first + rest) == list(range(6))


def test_pool_must_match_the_space(planner_name: str, cvd_space: Space, quality: Objective) -> None:
    other = Space(cvd_space.parameters)  # same parameters, no constraints
    planner = make_planner(planner_name, cvd_space, objectives=[quality], seed=1)
    with pytest.raises(ValueError, match="built for a different space"):
        planner.ask(1, candidates=other.candidates(_grid(cvd_space)))
    with pytest.raises(ValueError, match=r"candidates must be a pool from Space\.candidates"):
        planner.ask(1, candidates=_grid(cvd_space))
