"""Tests of the hidden-truth TMD growth physics (simulators/tmd.py)."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import norm

from simulators.tmd import (
    GROWTH_DETECTION_COVERAGE,
    STANDARD_SPACE,
    TmdConditions,
    TmdRecipe,
    TmdSample,
    TmdTruth,
    expected_quality,
    find_optimum,
    grow,
    growth_rates,
    growth_step,
    recipe_quality,
    sample_recipes,
    success_probability,
)
from simulators.tmd_spectra import TmdSpot

TRUTH = TmdTruth.draw(0)
SEEDS = (0, 1, 2, 3)
TYPICAL = TmdConditions(growth_c=730.0, chalcogen_c=145.0)  # AP, Ar 75 sccm, 10 mg MoO3, no promoter, SiO2/Si
TYPICAL_S = 900.0


@pytest.fixture(params=SEEDS)
def truth(request: pytest.FixtureRequest) -> TmdTruth:
    """Literature facts must hold in every world, not just in one."""
    return TmdTruth.draw(request.param)


def cond(**changes: object) -> TmdConditions:
    return replace(TYPICAL, **changes)


def best_temperature(truth: TmdTruth, **changes: object) -> float:
    """Growth temperature (5 °C grid) with the highest success probability."""
    temperatures = np.arange(500.0, 1000.0, 5.0)
    chances = [success_probability(truth, cond(growth_c=t, **changes), TYPICAL_S) for t in temperatures]
    return float(temperatures[int(np.argmax(chances))])


# ---- success and no-growth ---------------------------------------------------------------------------


def test_success_rates_match_the_literature_over_many_worlds() -> None:
    truths = [TmdTruth.draw(seed) for seed in range(20)]

    def rate(low: float, high: float) -> float:
        return float(np.mean([success_probability(t, cond(growth_c=c), TYPICAL_S)
                              for t in truths for c in np.linspace(low, high, 4)]))

    assert 0.6 <= rate(700.0, 749.0) <= 0.9  # literature ≈ 74 %
    assert 0.05 <= rate(900.0, 975.0) <= 0.2  # literature 9–17 %
    assert rate(500.0, 550.0) < 0.1  # too cold without a promoter
    assert 700.0 <= np.median([best_temperature(t) for t in truths[:8]]) <= 770.0  # literature median ≈ 730 °C


def test_success_is_a_reproducible_per_run_outcome(truth: TmdTruth) -> None:
    def run(run_seed: int) -> TmdSample:
        sample = TmdSample(activity=truth.draw_activity(np.random.default_rng(run_seed)))
        for _ in range(15):
            sample = growth_step(sample, TYPICAL, 60.0, truth)
        return sample

    outcomes = [run(seed).grew for seed in range(300)]
    assert outcomes == [run(seed).grew for seed in range(300)]
    assert np.mean(outcomes) == pytest.approx(success_probability(truth, TYPICAL, TYPICAL_S), abs=0.08)
    assert 0 < sum(outcomes) < len(outcomes)  # both outcomes occur at typical settings


def test_success_probability_is_the_share_of_runs_above_the_activity_threshold() -> None:
    p = success_probability(TRUTH, TYPICAL, TYPICAL_S)
    assert 0.0 < p < 1.0
    threshold = math.exp(TRUTH.activity_sigma * norm.isf(p))
    assert grow(TRUTH, TYPICAL, TYPICAL_S, threshold * 1.01).coverage >= GROWTH_DETECTION_COVERAGE
    assert grow(TRUTH, TYPICAL, TYPICAL_S, threshold * 0.99).coverage < GROWTH_DETECTION_COVERAGE
    assert success_probability(TRUTH, cond(chalcogen_c=25.0), TYPICAL_S) < 1e-5


def test_nothing_grows_without_chalcogen_oxide_or_heat(truth: TmdTruth) -> None:
    for conditions in (cond(chalcogen_c=25.0), cond(precursor_mg=0.0), cond(growth_c=400.0)):
        assert grow(truth, conditions, 3600.0, activity=10.0) == TmdSample(activity=10.0)
    assert TmdSample().coverage == 0.0 and not TmdSample().grew


def test_growth_stops_when_the_furnace_cools(truth: TmdTruth) -> None:
    film = grow(truth, TYPICAL, 300.0)
    assert 0.05 < film.coverage < 0.99
    cooled = film
    for t in np.linspace(730.0, 25.0, 1800):
        cooled = growth_step(cooled, cond(growth_c=float(t)), 1.0, truth)
    assert film.coverage < cooled.coverage < film.coverage + 0.2
    frozen = growth_step(cooled, cond(growth_c=550.0), 3600.0, truth)
    assert frozen.coverage == cooled.coverage
    assert frozen.nucleation_density_um2 == cooled.nucleation_density_um2


def test_promoter_shifts_the_window_down(truth: TmdTruth) -> None:
    assert 50.0 <= truth.promoter_shift_c <= 100.0
    shift = truth.promoter_shift_c
    for t in (600.0, 650.0, 700.0):
        promoted = success_probability(truth, cond(growth_c=t, promoter=True), TYPICAL_S)
        assert promoted == pytest.approx(success_probability(truth, cond(growth_c=t + shift), TYPICAL_S), abs=1e-6)
    cold = success_probability(truth, cond(growth_c=560.0), TYPICAL_S)
    assert success_probability(truth, cond(growth_c=560.0, promoter=True), TYPICAL_S) > max(0.4, 2.0 * cold)
    assert best_temperature(truth, promoter=True) == pytest.approx(best_temperature(truth) - shift, abs=5.0)


def test_the_sulfur_zone_must_be_hot_and_selenium_needs_more_heat_and_h2(truth: TmdTruth) -> None:
    def success(**changes: object) -> float:
        return success_probability(truth, cond(**changes), TYPICAL_S)

    assert success(chalcogen_c=80.0) < 0.1
    assert min(success(chalcogen_c=c) for c in (130.0, 145.0, 200.0)) > 0.5
    se = {"chalcogen_se_fraction": 1.0}
    assert success(chalcogen_c=275.0, h2_sccm=10.0, **se) > 0.6
    assert success(chalcogen_c=145.0, h2_sccm=10.0, **se) < 0.05
    assert success(chalcogen_c=275.0, **se) < 0.5 * success(chalcogen_c=275.0, h2_sccm=10.0, **se)


# ---- film properties ----------------------------------------------------------------------------------


def test_a_typical_run_grows_a_mostly_monolayer_film_of_triangles(truth: TmdTruth) -> None:
    film = grow(truth, TYPICAL, TYPICAL_S)
    assert film.coverage > 0.5
    assert 10.0 < film.domain_size_um < 100.0
    assert film.monolayer_fraction > 0.75
    assert 1e12 < film.defect_density_cm2 < 1e13
    assert film.x_w == 0.0 and film.y_se == 0.0
    total = film.monolayer_fraction + film.bilayer_fraction + film.multilayer_fraction
    assert total == pytest.approx(1.0)


def test_coverage_follows_jmak_under_constant_conditions(truth: TmdTruth) -> None:
    rates = growth_rates(truth, TYPICAL)
    for seconds in (60.0, 300.0, 900.0):
        film = grow(truth, TYPICAL, seconds)
        n, v = rates.nucleation_eq_um2, rates.edge_velocity_um_s
        assert film.nucleation_density_um2 == pytest.approx(n)
        assert film.coverage == pytest.approx(1.0 - math.exp(-math.pi * n * v**2 * seconds**2), rel=1e-9)


def test_hotter_growth_gives_fewer_larger_domains(truth: TmdTruth) -> None:
    films = [grow(truth, cond(growth_c=t), TYPICAL_S) for t in (700.0, 730.0, 760.0)]
    assert all(np.diff([f.nucleation_density_um2 for f in films]) < 0)
    assert all(np.diff([f.domain_size_um for f in films]) > 0)
    sapphire = grow(truth, cond(substrate="sapphire"), TYPICAL_S)
    assert sapphire.nucleation_density_um2 > 1.5 * films[1].nucleation_density_um2


def test_high_supply_grows_bilayers_and_multilayers(truth: TmdTruth) -> None:
    def thick(**changes: object) -> float:
        return 1.0 - grow(truth, cond(**changes), TYPICAL_S).monolayer_fraction

    by_zone = [thick(chalcogen_c=c) for c in (130.0, 145.0, 170.0, 200.0)]
    by_load = [thick(precursor_mg=m) for m in (3.0, 10.0, 30.0)]
    for series in (by_zone, by_load):
        assert all(np.diff(series) > 0), series
    assert thick() < 0.25  # a median run at typical settings is mostly monolayer (> 75 %)
    assert by_load[-1] > 0.5
    assert by_zone[-1] > 3.0 * by_zone[1]
    heavy = grow(truth, cond(chalcogen_c=200.0, precursor_mg=30.0), TYPICAL_S)
    assert heavy.multilayer_fraction > 0.5
    layers = [spot.layers for spot in heavy.spots(500, np.random.default_rng(1))]
    assert layers.count(3) > layers.count(1)


def test_tungsten_content_rises_with_wo3_share_and_growth_temperature(truth: TmdTruth) -> None:
    def x_w(w: float, t: float) -> float:
        return growth_rates(truth, cond(precursor_w_fraction=w, growth_c=t)).x_w

    assert x_w(0.0, 800.0) == 0.0 and x_w(1.0, 800.0) == 1.0
    by_share = [x_w(w, 800.0) for w in (0.2, 0.5, 0.8)]
    by_temperature = [x_w(0.5, t) for t in (700.0, 800.0, 900.0)]
    assert all(np.diff(by_share) > 0) and all(np.diff(by_temperature) > 0)
    assert by_temperature[0] < 0.5 * 0.5  # WO3 is far less volatile than MoO3
    film = grow(truth, cond(precursor_w_fraction=0.5, growth_c=800.0), TYPICAL_S)
    assert film.x_w == pytest.approx(x_w(0.5, 800.0))
    assert best_temperature(truth, precursor_w_fraction=1.0) >= best_temperature(truth) + 50.0


def test_selenium_content_rises_with_se_share_and_chalcogen_zone_temperature(truth: TmdTruth) -> None:
    def y_se(f: float, t: float) -> float:
        return growth_rates(truth, cond(chalcogen_se_fraction=f, chalcogen_c=t, h2_sccm=10.0)).y_se

    assert y_se(0.0, 250.0) == 0.0 and y_se(1.0, 250.0) == 1.0
    by_share = [y_se(f, 250.0) for f in (0.5, 0.9, 0.99, 0.999)]
    by_zone = [y_se(0.99, t) for t in (150.0, 200.0, 250.0, 300.0)]
    assert all(np.diff(by_share) > 0) and all(np.diff(by_zone) > 0)
    assert all(y < f for y, f in zip(by_share, (0.5, 0.9, 0.99, 0.999), strict=True))  # S is more volatile
    film = grow(truth, cond(chalcogen_se_fraction=0.99, chalcogen_c=300.0, h2_sccm=10.0), TYPICAL_S)
    assert film.y_se == pytest.approx(y_se(0.99, 300.0))


def test_vacancies_rise_at_low_chalcogen_supply_and_at_extreme_temperatures(truth: TmdTruth) -> None:
    def vacancies(**changes: object) -> float:
        return grow(truth, cond(**changes), TYPICAL_S, activity=5.0).defect_density_cm2  # a run that grows

    by_zone = [vacancies(chalcogen_c=c) for c in (125.0, 145.0, 200.0)]
    assert all(np.diff(by_zone) < 0)
    assert by_zone[0] > 1.5 * by_zone[1]
    by_growth = [vacancies(growth_c=t) for t in (640.0, 740.0, 900.0)]
    assert by_growth[0] > by_growth[1] < 0.3 * by_growth[2]


# ---- time stepping ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "conditions",
    [TYPICAL, cond(growth_c=820.0, precursor_w_fraction=0.6, chalcogen_c=180.0),
     cond(chalcogen_se_fraction=0.999, chalcogen_c=280.0, h2_sccm=15.0, promoter=True, substrate="sapphire"),
     cond(pressure_torr=10.0, ar_sccm=40.0, precursor_mg=2.0)],
)
def test_one_long_step_equals_many_one_second_steps(conditions: TmdConditions) -> None:
    fast = grow(TRUTH, conditions, 600.0, activity=2.0)
    slow = TmdSample(activity=2.0)
    for _ in range(600):
        slow = growth_step(slow, conditions, 1.0, TRUTH)
    assert fast.grew
    for name in ("coverage", "nucleation_density_um2", "domain_size_um", "bilayer_fraction", "multilayer_fraction",
                 "x_w", "y_se", "defect_density_cm2"):
        assert getattr(slow, name) == pytest.approx(getattr(fast, name), rel=1e-9, abs=1e-12), name


def _furnace_run(dt_s: float) -> TmdSample:
    """Both zones ramp at 10 °C/min, growth zone first; chalcogen on its way up, hold, then cooling."""
    sample, t = TmdSample(activity=1.5), 0.0
    while t < 3600.0 - 1e-9:
        growth_c = min(400.0 + t / 6.0, 760.0) if t < 3000.0 else 760.0 - (t - 3000.0) / 6.0
        chalcogen_c = min(25.0 + max(0.0, t - 1500.0) / 6.0, 160.0)
        conditions = cond(growth_c=growth_c, chalcogen_c=chalcogen_c, precursor_w_fraction=0.3)
        sample = growth_step(sample, conditions, dt_s, TRUTH)
        t += dt_s
    return sample


def test_ramping_conditions_converge_with_the_step_size() -> None:
    coarse, fine = _furnace_run(2.0), _furnace_run(0.25)
    assert fine.grew and 0.0 < fine.x_w < 0.3
    for name in ("coverage", "nucleation_density_um2", "domain_size_um", "bilayer_fraction", "x_w",
                 "defect_density_cm2"):
        assert getattr(coarse, name) == pytest.approx(getattr(fine, name), rel=1e-2), name


def test_step_of_zero_seconds_changes_nothing() -> None:
    film = grow(TRUTH, TYPICAL, 600.0)
    assert growth_step(film, TYPICAL, 0.0, TRUTH) == film


conditions_strategy = st.builds(
    TmdConditions,
    growth_c=st.floats(20.0, 1100.0),
    chalcogen_c=st.floats(20.0, 400.0),
    pressure_torr=st.floats(0.0, 800.0),
    ar_sccm=st.floats(0.0, 500.0),
    h2_sccm=st.floats(0.0, 100.0),
    precursor_w_fraction=st.floats(0.0, 1.0),
    chalcogen_se_fraction=st.floats(0.0, 1.0),
    precursor_mg=st.floats(0.0, 100.0),
    promoter=st.booleans(),
    substrate=st.sampled_from(["SiO2/Si", "sapphire"]),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(conditions_strategy, st.floats(0.0, 3600.0)), min_size=1, max_size=6),
       st.floats(0.01, 100.0))
def test_any_schedule_keeps_the_state_physical(schedule: list[tuple[TmdConditions, float]], activity: float) -> None:
    sample = TmdSample(activity=activity)
    for conditions, dt in schedule:
        sample = growth_step(sample, conditions, dt, TRUTH)
        assert 0.0 <= sample.coverage <= 1.0
        fractions = (sample.monolayer_fraction, sample.bilayer_fraction, sample.multilayer_fraction)
        assert all(0.0 <= f <= 1.0 for f in fractions) and sum(fractions) == pytest.approx(1.0)
        assert 0.0 <= sample.x_w <= 1.0 + 1e-12 and 0.0 <= sample.y_se <= 1.0 + 1e-12
        assert sample.defect_density_cm2 >= 0.0 and sample.domain_size_um >= 0.0
        assert 0.0 <= expected_quality(sample) <= 1.0


# ---- spots and the objective --------------------------------------------------------------------------


def test_spots_follow_the_film_fractions_and_composition() -> None:
    film = grow(TRUTH, cond(precursor_w_fraction=0.5, growth_c=780.0, chalcogen_c=200.0, substrate="sapphire"), 200.0,
                activity=3.0)
    assert 0.2 < film.coverage < 0.95 and film.bilayer_fraction > 0.05 and film.multilayer_fraction > 0.02
    spots = film.spots(20_000, np.random.default_rng(3))
    assert all(isinstance(s, TmdSpot) and s.substrate == "sapphire" for s in spots)
    layers = np.array([s.layers for s in spots])
    theta = film.coverage
    expected = (1.0 - theta, theta * film.monolayer_fraction, theta * film.bilayer_fraction,
                theta * film.multilayer_fraction)
    for n_layers, share in enumerate(expected):
        assert np.mean(layers == n_layers) == pytest.approx(share, abs=0.012), n_layers
    bare = [s for s in spots if s.layers == 0]
    assert all(s.defect_density_cm2 == 0.0 and s.x_w == 0.0 for s in bare)
    covered = [s for s in spots if s.layers > 0]
    assert {(s.x_w, s.y_se) for s in covered} == {(film.x_w, film.y_se)}
    density = np.array([s.defect_density_cm2 for s in covered])
    assert density.mean() == pytest.approx(film.defect_density_cm2, rel=0.02)
    assert np.std(np.log(density)) == pytest.approx(0.35, rel=0.05)
    scores = [math.exp(-s.defect_density_cm2 / 1e13) if s.layers == 1 else 0.0 for s in spots]
    assert np.mean(scores) == pytest.approx(expected_quality(film), abs=0.01)


def test_bare_substrate_has_zero_quality_and_only_bare_spots() -> None:
    assert expected_quality(TmdSample()) == 0.0
    assert {s.layers for s in TmdSample().spots(50, np.random.default_rng(0))} == {0}


def test_optimum_beats_random_recipes_and_lies_in_the_space() -> None:
    best, value = find_optimum(TRUTH, n_random=150, seed=1, n_polish=1)
    assert value == pytest.approx(recipe_quality(TRUTH, best))
    random = [recipe_quality(TRUTH, r) for r in sample_recipes(150, np.random.default_rng(1))]
    assert max(random) <= value <= 1.0
    assert np.median(random) < 0.5 * value
    for name, (low, high, _) in STANDARD_SPACE.items():
        assert low <= getattr(best, name) <= high, name
    assert best.conditions().precursor_w_fraction == 0.0


# ---- seeds and bad input ------------------------------------------------------------------------------


def test_truth_and_results_are_deterministic_per_seed() -> None:
    assert TmdTruth.draw(7) == TmdTruth.draw(7)
    truths = [TmdTruth.draw(seed) for seed in range(10)]
    assert len(set(truths)) == len(truths)
    a = grow(TmdTruth.draw(7), TYPICAL, 900.0, TmdTruth.draw(7).draw_activity(np.random.default_rng(2)))
    b = grow(TmdTruth.draw(7), TYPICAL, 900.0, TmdTruth.draw(7).draw_activity(np.random.default_rng(2)))
    assert a == b
    assert a.spots(20, np.random.default_rng(5)) == b.spots(20, np.random.default_rng(5))


@pytest.mark.parametrize(
    "kwargs",
    [
        {"growth_c": math.nan}, {"growth_c": -273.15}, {"growth_c": "700"}, {"chalcogen_c": math.inf},
        {"chalcogen_c": -300.0}, {"pressure_torr": -1.0}, {"ar_sccm": -1.0}, {"h2_sccm": math.nan},
        {"h2_sccm": True}, {"precursor_w_fraction": 1.1}, {"precursor_w_fraction": -0.1},
        {"chalcogen_se_fraction": 2.0}, {"precursor_mg": -1.0}, {"promoter": 1}, {"promoter": "yes"},
        {"substrate": "Sapphire"}, {"substrate": "Cu"},
    ],
)
def test_invalid_conditions_raise(kwargs: dict) -> None:
    with pytest.raises(ValueError, match=next(iter(kwargs))):
        cond(**kwargs)


def test_invalid_durations_and_counts_raise() -> None:
    with pytest.raises(ValueError, match="dt_s"):
        growth_step(TmdSample(), TYPICAL, -1.0, TRUTH)
    with pytest.raises(ValueError, match="growth_s"):
        grow(TRUTH, TYPICAL, math.nan)
    with pytest.raises(ValueError, match="activity"):
        grow(TRUTH, TYPICAL, 60.0, activity=-1.0)
    with pytest.raises(ValueError, match="n must be"):
        TmdSample().spots(-1, np.random.default_rng(0))


def test_numpy_scalars_are_accepted() -> None:
    conditions = TmdConditions(np.float64(730.0), np.float32(145.0), np.int64(760), promoter=np.bool_(False))
    assert grow(TRUTH, conditions, 600.0).coverage == pytest.approx(grow(TRUTH, TYPICAL, 600.0).coverage)


def test_recipe_conditions_carry_every_field() -> None:
    recipe = TmdRecipe(700.0, 150.0, 60.0, 5.0, 10, promoter=True, h2_sccm=5.0, precursor_w_fraction=0.2,
                       chalcogen_se_fraction=0.1, pressure_torr=20.0, substrate="sapphire")
    conditions = recipe.conditions()
    for name in ("growth_c", "chalcogen_c", "ar_sccm", "precursor_mg", "promoter", "h2_sccm",
                 "precursor_w_fraction", "chalcogen_se_fraction", "pressure_torr", "substrate"):
        assert getattr(conditions, name) == getattr(recipe, name), name
