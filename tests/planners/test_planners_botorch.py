"""The botorch planner: constraints, failures, pools, batches, targets, several objectives, speed paths."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from planners import Categorical, Integer, Objective, Observation, Real, Space, gp_botorch, load, make_planner
from planners.gp_botorch import BotorchPlanner, checkpoint, fit_indices, subset_indices

FAST = {"num_restarts": 2, "raw_samples": 32}
SQUARE = Space([Real("a", 0, 1), Real("b", 0, 1)])


def bowl(point: dict) -> float:
    """A smooth maximum at (0.3, 0.7)."""
    return -((point["a"] - 0.3) ** 2) - (point["b"] - 0.7) ** 2


def planner(space: Space = SQUARE, objectives: list[Objective] | None = None, **options) -> BotorchPlanner:
    """A fast botorch planner (short initial design, cheap acquisition optimization)."""
    kwargs = {"seed": 0, "n_initial_points": 4, **FAST, **options}
    return make_planner("botorch", space, objectives=objectives or [Objective("v")], **kwargs)


def test_finds_the_maximum_of_a_smooth_function() -> None:
    bo = planner()
    for _ in range(12):
        (point,) = bo.ask(1)
        bo.tell(Observation(point, values={"v": bowl(point)}))
    assert bowl(bo.best().params) > -0.01


def test_constraints_with_log_and_integer_parameters_are_never_violated(cvd_space: Space) -> None:
    bo = planner(cvd_space, [Objective("quality")])
    for round_ in range(4):
        points = bo.ask(3)
        assert all(cvd_space.feasible(p) for p in points)
        # reward the constraint boundary so the optimizer pushes against it
        bo.tell(Observation(p, values={"quality": p["ch4_sccm"] + p["h2_sccm"] + round_}) for p in points)


def test_failed_region_is_avoided_and_failures_are_not_reproposed() -> None:
    bo = planner()
    for _ in range(10):
        (point,) = bo.ask(1)
        failed = point["a"] > 0.6 or point["b"] < 0.3
        bo.tell(Observation(point, failed=failed, values=None if failed else {"v": bowl(point)}))
    failed = [SQUARE.key(o.params) for o in bo.observations if o.failed]
    assert failed
    (best_next,) = bo.ask(1)
    assert best_next["a"] <= 0.6 and best_next["b"] >= 0.3  # exploits the feasible optimum
    batch = bo.ask(4)  # explores, but not next to a known failure
    assert min(math.dist(SQUARE.key(p), f) for p in batch for f in failed) > 0.1


def test_a_maximum_on_a_constraint_s_boundary_is_proposed_on_it() -> None:
    """The box-polished maximum (0.7, 0.7) violates a + b <= 1; the point is polished again under the constraint
    (SLSQP) to the boundary, not replaced by its unpolished start."""
    space = Space([Real("a", 0, 1), Real("b", 0, 1)], constraints=["a + b <= 1"])
    bo = planner(space)
    for _ in range(10):
        (point,) = bo.ask(1)
        assert space.feasible(point)
        bo.tell(Observation(point, values={"v": -((point["a"] - 0.7) ** 2) - (point["b"] - 0.7) ** 2}))
    modelled = [o.params["a"] + o.params["b"] for o in bo.observations[4:]]
    assert min(modelled) > 0.999


def test_only_failures_so_far_still_gives_valid_points() -> None:
    bo = planner()
    for _ in range(3):
        bo.tell(Observation(p, failed=True) for p in bo.ask(2))
    assert len(bo.ask(2)) == 2


def test_batches_are_distinct_and_avoid_pending_points() -> None:
    bo = planner()
    bo.tell(Observation(p, values={"v": bowl(p)}) for p in bo.ask(5))
    first = bo.ask(3)
    second = bo.ask(2)
    keys = [SQUARE.key(p) for p in first + second]
    assert len(set(keys)) == 5
    spread = min(math.dist(SQUARE.key(p), SQUARE.key(q)) for i, p in enumerate(first) for q in first[i + 1 :])
    assert spread > 1e-3


def test_pool_rows_are_chosen_by_the_model() -> None:
    frame = pd.DataFrame({"a": np.linspace(0, 1, 21), "b": 0.7})
    pool = SQUARE.candidates(frame)
    bo = planner()
    grid = SQUARE.decode([[u, v] for u in (0.1, 0.5, 0.9) for v in (0.2, 0.6, 0.9)])
    bo.tell(Observation(p, values={"v": bowl(p)}) for p in grid)
    chosen = bo.ask(2, candidates=pool)
    assert all(p in pool.points for p in chosen)
    assert bowl(chosen[0]) >= sorted(bowl(p) for p in pool.points)[-6]  # among the best rows


def test_target_objective_is_approached() -> None:
    space = Space([Real("x", 0, 2)])
    bo = planner(space, [Objective("gap", target=1.3)])
    for _ in range(10):
        (point,) = bo.ask(1)
        bo.tell(Observation(point, values={"gap": point["x"]}))
    assert abs(bo.best().params["x"] - 1.3) < 0.05


def test_noisy_repeats_of_one_point_are_fine() -> None:
    bo = planner()
    rng = np.random.default_rng(0)
    bo.tell(Observation(p, values={"v": bowl(p)}) for p in bo.ask(4))
    repeated = {"a": 0.5, "b": 0.5}
    bo.tell(Observation(repeated, values={"v": bowl(repeated) + 0.01 * rng.normal()}) for _ in range(5))
    assert all(SQUARE.feasible(p) for p in bo.ask(2))


def test_multi_objective_uses_hypervolume_and_spreads_over_the_front() -> None:
    objectives = [Objective("f"), Objective("g")]
    bo = planner(objectives=objectives)
    for _ in range(3):
        points = bo.ask(2)
        bo.tell(Observation(p, values={"f": p["a"], "g": 1 - p["a"] ** 2 + 0.1 * p["b"]}) for p in points)
    data = gp_botorch._Data.build(bo.space, bo.objectives, bo.training_observations())
    acq = bo._acquisition(data, bo._surrogate(data), np.empty((0, 2)), 1)
    assert type(acq).__name__ == "qLogNoisyExpectedHypervolumeImprovement"
    assert SQUARE.feasible(bo.ask(1)[0])
    assert gp_botorch.hypervolume_logei._C is None  # botorch's PyTorch code, not its C++ kernel compiled here


def test_mixed_categorical_and_integer_space() -> None:
    space = Space([Real("t", 0, 1), Integer("n", 1, 5), Categorical("s", ["Cu", "CuNi", "Ni"])])
    bo = planner(space)
    for _ in range(4):
        points = bo.ask(2)
        bo.tell(Observation(p, values={"v": p["t"] + p["n"] + (p["s"] == "Ni")}) for p in points)
    best = bo.ask(1)[0]
    assert isinstance(best["n"], int) and best["s"] in ("Cu", "CuNi", "Ni")


def test_categorical_only_space() -> None:
    space = Space([Categorical("s", ["a", "b", "c"]), Categorical("m", [1, 2])])
    bo = planner(space, n_initial_points=2)
    for _ in range(3):
        bo.tell(Observation(p, values={"v": float(p["m"])}) for p in bo.ask(1))
    assert bo.ask(1)[0]["s"] in ("a", "b", "c")


def test_hyperparameters_reused_between_checkpoints_stay_deterministic(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gp_botorch, "REFIT_ALWAYS_UNTIL", 6)
    monkeypatch.setattr(gp_botorch, "REFIT_GROWTH", 1.5)
    bo = planner()
    for _ in range(8):
        (point,) = bo.ask(1)
        bo.tell(Observation(point, values={"v": bowl(point)}))
    assert checkpoint(len(bo.observations)) == 6  # asks at 7 and 8 observations reuse the fit at 6
    assert bo._cache
    rebuilt = load(json.loads(json.dumps(bo.to_dict())))
    assert rebuilt.ask(2) == bo.ask(2)


def test_checkpoints_and_subsets() -> None:
    first = gp_botorch.REFIT_ALWAYS_UNTIL
    following = int(first * gp_botorch.REFIT_GROWTH)
    lengths = (1, first, first + 1, following - 1, following)
    assert [checkpoint(n) for n in lengths] == [1, first, first, first, following]
    assert checkpoint(2000) <= 2000 and checkpoint(2000) >= 2000 / gp_botorch.REFIT_GROWTH
    scores = np.random.default_rng(0).random(1200)
    keep = subset_indices(scores)
    assert len(keep) == gp_botorch.SUBSET_SIZE
    assert set(np.argsort(-scores)[: gp_botorch.SUBSET_BEST]) <= set(keep)
    assert set(range(1200 - gp_botorch.SUBSET_RECENT, 1200)) <= set(keep)
    assert list(subset_indices(scores[:100])) == list(range(100))


def test_hyperparameters_are_fitted_on_a_spread_subset(monkeypatch: pytest.MonkeyPatch) -> None:
    assert list(fit_indices(5)) == list(range(5))
    keep = fit_indices(gp_botorch.FIT_SIZE * 3)
    assert len(keep) == gp_botorch.FIT_SIZE and keep[0] == 0 and keep[-1] == gp_botorch.FIT_SIZE * 3 - 1
    monkeypatch.setattr(gp_botorch, "FIT_SIZE", 8)
    fitted = []
    monkeypatch.setattr(gp_botorch, "_fit", lambda x, y, space, zero_mean=False: fitted.append(len(y))
                        or gp_botorch._gp(x, y, space))
    bo = planner()
    points = SQUARE.decode(np.random.default_rng(3).random((20, 2)))
    bo.tell(Observation(p, values={"v": bowl(p)}) for p in points)
    data = gp_botorch._Data.build(bo.space, bo.objectives, bo.training_observations())
    model, _ = bo._surrogate(data)
    assert fitted == [8] and len(model.train_targets) == 20  # fitted on 8 rows, conditioned on all 20
    assert SQUARE.feasible(bo.ask(1)[0])


def test_large_histories_switch_to_the_subset_model(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gp_botorch, "EXACT_LIMIT", 30)
    monkeypatch.setattr(gp_botorch, "SUBSET_SIZE", 20)
    monkeypatch.setattr(gp_botorch, "SUBSET_BEST", 5)
    monkeypatch.setattr(gp_botorch, "SUBSET_RECENT", 5)
    bo = planner()
    points = SQUARE.decode(np.random.default_rng(1).random((40, 2)))
    bo.tell(Observation(p, values={"v": bowl(p)}) for p in points)
    data = gp_botorch._Data.build(bo.space, bo.objectives, bo.training_observations())
    assert len(data.objective_rows()[0]) == 20
    assert SQUARE.feasible(bo.ask(1)[0])


def test_options_are_validated_and_stored() -> None:
    with pytest.raises(ValueError, match="num_restarts must be a positive integer"):
        planner(num_restarts=0)
    with pytest.raises(ValueError, match=r"raw_samples \(4\) must be at least num_restarts \(8\)"):
        planner(num_restarts=8, raw_samples=4)
    with pytest.raises(ValueError, match="n_initial_points must be a positive integer"):
        planner(n_initial_points=True)
    assert planner().options() == {"n_initial_points": 4, **FAST}
    default = make_planner("botorch", SQUARE, objectives=[Objective("v")], seed=0)
    assert default.options()["n_initial_points"] == gp_botorch.INITIAL_POINTS
    first = default.ask(gp_botorch.INITIAL_POINTS)  # the initial design, then the model
    default.tell(Observation(p, values={"v": bowl(p)}) for p in first)
    assert default._modelled()


def test_warm_start_from_an_overlapping_space() -> None:
    other = Space([Real("a", 0, 2), Real("b", 0, 1), Real("c", 0, 1)])
    history = [Observation(p, values={"v": bowl(p)}) for p in other.decode(np.random.default_rng(2).random((12, 3)))]
    history.append(Observation({"a": 0.1}, values={"v": 0.0}))  # lacks b: cannot be placed
    bo = planner()
    kept = bo.warm_start(history)
    assert kept == sum(o.params.get("a", 9) <= 1 and "b" in o.params for o in history)
    assert bo.observations == () and len(bo.prior_observations) == kept
    assert set(bo.prior_observations[0].params) == {"a", "b"}
    first = bo.ask(1)  # enough prior data: the model is used from the first ask
    assert bo._modelled()
    state = json.loads(json.dumps(bo.to_dict()))
    assert len(state["warm_start"]) == kept
    rebuilt = load(state)
    assert rebuilt.prior_observations == bo.prior_observations
    assert rebuilt.ask(1) == bo.ask(1)
    assert first != bo.ask(1)
    with pytest.raises(ValueError, match="warm-start observation 0: expected an Observation"):
        bo.warm_start([{"a": 0.1}])


@pytest.mark.parametrize(
    ("observation", "message"),
    [
        (Observation({"a": 0.1, "b": 0.2, "z": 1.0}, values={"v": 1.0}), "unknown parameter 'z'"),
        (Observation({"a": 1.5, "b": 0.2}, values={"v": 1.0}), r"parameter 'a': 1.5 is outside the bounds"),
        (Observation({"a": float("nan"), "b": 0.2}, values={"v": 1.0}), "parameter 'a' must be finite"),
        (Observation({"a": 0.1, "b": 0.2}, values={"w": 1.0}), "missing a value for objective 'v'"),
    ],
)
def test_bad_observations_name_the_field(observation: Observation, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        planner().tell(observation)


def test_nan_values_and_bad_spaces_name_the_field() -> None:
    with pytest.raises(ValueError, match="objective 'v' must be finite"):
        Observation({"a": 0.1, "b": 0.2}, values={"v": float("nan")})
    with pytest.raises(ValueError, match="at least one parameter"):
        Space([])
    with pytest.raises(ValueError, match=r"parameter 'a': low \(1.0\) must be smaller than high \(1.0\)"):
        Real("a", 1, 1)
