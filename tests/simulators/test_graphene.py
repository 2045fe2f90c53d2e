"""Tests of the hidden-truth graphene growth physics (simulators/graphene.py)."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulators.graphene import (
    ANNEAL_S,
    BOLTZMANN_EV_PER_K,
    KELVIN_OFFSET_K,
    NUCLEATION_TIME_S,
    STANDARD_ANNEAL_C,
    GrapheneSample,
    GrapheneTruth,
    GrowthConditions,
    GrowthRecipe,
    expected_quality,
    find_optimum,
    grow,
    growth_rates,
    growth_step,
    quality_landscape,
    recipe_quality,
    sample_recipes,
)

TRUTH = GrapheneTruth.draw(0)
SEEDS = (0, 1, 2, 3, 4, 5)


@pytest.fixture(params=SEEDS)
def truth(request: pytest.FixtureRequest) -> GrapheneTruth:
    """Literature facts must hold in every world, not just in one."""
    return GrapheneTruth.draw(request.param)


def cond(
    temperature_c: float = 1035.0,
    pressure_torr: float = 0.25,
    ch4_sccm: float = 2.0,
    h2_sccm: float = 25.0,
    ar_sccm: float = 0.0,
    substrate: str = "Cu",
) -> GrowthConditions:
    return GrowthConditions(temperature_c, pressure_torr, ch4_sccm, h2_sccm, ar_sccm, substrate)


def run(truth: GrapheneTruth, schedule: list[tuple[GrowthConditions, int]]) -> GrapheneSample:
    """Integrate a piecewise-constant schedule with 1 s steps, as the twin does."""
    sample = GrapheneSample()
    for conditions, seconds in schedule:
        for _ in range(seconds):
            sample = growth_step(sample, conditions, 1.0, truth)
    return sample


# ---- literature facts (checked in several worlds) ----------------------------------------------------


def test_nucleation_density_falls_with_temperature_with_the_truths_activation_energy(
    truth: GrapheneTruth,
) -> None:
    temperatures = np.arange(950.0, 1051.0, 20.0)
    densities = [grow(truth, cond(t, 0.5, 5.0, 20.0), 600.0).nucleation_density_um2 for t in temperatures]
    assert all(np.diff(densities) < 0)
    inverse_kt = 1.0 / (BOLTZMANN_EV_PER_K * (temperatures + KELVIN_OFFSET_K))
    slope = np.polyfit(inverse_kt, np.log(densities), 1)[0]
    assert slope == pytest.approx(truth.nucleation_ea_ev, rel=0.05)
    # typical LPCVD magnitudes: nucleation densities 1e-5–1 µm⁻²
    assert 1e-5 < min(densities) < max(densities) < 1.0


@pytest.mark.parametrize("minutes", [2, 5, 10, 20, 40])
def test_coverage_follows_jmak_under_constant_conditions(truth: GrapheneTruth, minutes: int) -> None:
    conditions = cond()
    t = 60.0 * minutes
    sample = grow(truth, conditions, t)
    n = sample.nucleation_density_um2
    rates = growth_rates(truth, conditions)
    v = rates.edge_velocity_um_s
    assert n == pytest.approx(rates.nucleation_eq_um2, rel=1e-6)
    assert sample.domain_radius_um == pytest.approx(v * (t - NUCLEATION_TIME_S), rel=1e-6)
    # θ = 1 − exp(−π N v² t²), up to the 5 s nucleation burst (exact form below)
    assert sample.coverage == pytest.approx(1.0 - math.exp(-math.pi * n * v**2 * t**2), abs=0.03)
    tau = NUCLEATION_TIME_S
    burst_t2 = t**2 - 2.0 * tau * t + 2.0 * tau**2 * (1.0 - math.exp(-t / tau))
    assert sample.coverage == pytest.approx(1.0 - math.exp(-math.pi * n * v**2 * burst_t2), rel=1e-6)


def test_a_typical_recipe_closes_the_film_with_large_domains(truth: GrapheneTruth) -> None:
    sample = grow(truth, cond(), 40 * 60.0, STANDARD_ANNEAL_C)
    assert sample.coverage > 0.98
    assert 10.0 < sample.grain_size_um < 300.0
    assert expected_quality(sample) > 0.6
    v_um_min = 60.0 * growth_rates(truth, cond()).edge_velocity_um_s
    assert 0.1 < v_um_min < 20.0


def test_more_ch4_over_h2_more_pressure_and_more_time_give_more_bilayer(truth: GrapheneTruth) -> None:
    minutes = 20 * 60.0
    by_ratio = [grow(truth, cond(ch4_sccm=x), minutes).bilayer_fraction for x in (1.0, 2.0, 3.0, 4.0, 8.0)]
    by_pressure = [grow(truth, cond(pressure_torr=p), minutes).bilayer_fraction for p in (0.1, 0.3, 0.6, 1.0)]
    by_time = [grow(truth, cond(), 60.0 * m).bilayer_fraction for m in (5, 20, 40, 60)]
    for series in (by_ratio, by_pressure, by_time):
        assert all(np.diff(series) > 0), series
        assert series[-1] > 10 * series[0], series
    assert by_ratio[0] < 0.02 < 0.1 < by_ratio[-1]
    # on Cu the last monolayer patches survive long past the fast adlayer growth
    assert truth.adlayer_fast_share_cu < grow(truth, cond(pressure_torr=3.0), minutes).bilayer_fraction < 1.0


def test_cuni_grows_far_more_multilayer_than_cu(truth: GrapheneTruth) -> None:
    cu = grow(truth, cond(substrate="Cu"), 20 * 60.0)
    cuni = grow(truth, cond(substrate="CuNi"), 20 * 60.0)
    assert cuni.multilayer_fraction > 0.2
    assert cuni.multilayer_fraction > 100 * cu.multilayer_fraction
    assert cuni.bilayer_fraction > 0.5 > 0.05 > cu.bilayer_fraction
    layers = [spot.layers for spot in cuni.spots(2000, np.random.default_rng(1))]
    assert layers.count(2) + layers.count(3) > layers.count(1)
    assert expected_quality(cuni) < 0.5 * expected_quality(cu)


def test_nothing_grows_without_ch4_or_below_800_c(truth: GrapheneTruth) -> None:
    no_carbon = run(truth, [(cond(ch4_sccm=0.0), 3600)])
    assert no_carbon.coverage == 0.0
    assert no_carbon.nucleation_density_um2 == 0.0
    assert no_carbon.bilayer_fraction == 0.0
    cold = run(truth, [(cond(temperature_c=790.0), 3600)])
    assert cold.coverage == 0.0
    assert cold.nucleation_density_um2 == 0.0
    # cooling: a half-grown film is frozen below 800 °C even with CH4 still flowing
    half = grow(truth, cond(), 300.0)
    assert 0.05 < half.coverage < 0.95
    cooled = half
    for t in np.linspace(790.0, 25.0, 1800):
        cooled = growth_step(cooled, cond(temperature_c=t), 1.0, truth)
    assert cooled.coverage == half.coverage
    assert cooled.nucleation_density_um2 == half.nucleation_density_um2
    assert cooled.bilayer_fraction == half.bilayer_fraction
    assert cooled.id_ig == pytest.approx(half.id_ig, rel=1e-4)  # only a trace of Cu sublimation


def test_growth_slows_down_when_cooling_with_ch4(truth: GrapheneTruth) -> None:
    speeds = [
        growth_rates(truth, cond(temperature_c=t)).edge_velocity_um_s for t in (1035, 950, 900, 850, 801)
    ]
    assert all(np.diff(speeds) < 0)
    assert speeds[-1] < 1e-3 * speeds[0]


def test_high_h2_over_ch4_stalls_growth_and_etches_the_film(truth: GrapheneTruth) -> None:
    ratios = [10.0, 30.0, 60.0, 120.0, 300.0]  # H2/CH4
    speeds = [growth_rates(truth, cond(ch4_sccm=0.5, h2_sccm=0.5 * r)).edge_velocity_um_s for r in ratios]
    assert all(np.diff(speeds) < 0)
    assert speeds[0] > 0.0 > speeds[-1]
    stalled = grow(truth, cond(ch4_sccm=0.5, h2_sccm=0.5 * 300.0), 3600.0)
    assert stalled.coverage == 0.0
    film = grow(truth, cond(), 600.0)
    etched = growth_step(film, cond(ch4_sccm=0.0), 600.0, truth)
    assert 0.0 <= etched.coverage < film.coverage
    gone = growth_step(film, cond(ch4_sccm=0.0), 1e6, truth)
    assert gone.coverage == 0.0
    assert gone.nucleation_density_um2 == 0.0
    regrown = growth_step(gone, cond(), 600.0, truth)  # the foil can be regrown after etching
    assert regrown.nucleation_density_um2 > 0.0
    assert regrown.coverage > 0.1


def test_defect_trends(truth: GrapheneTruth) -> None:
    def id_ig(**kwargs: float) -> float:
        return grow(truth, cond(**kwargs), 40 * 60.0, STANDARD_ANNEAL_C).id_ig

    by_temperature = [id_ig(temperature_c=t) for t in (950.0, 990.0, 1030.0)]
    assert all(np.diff(by_temperature) < 0)
    assert by_temperature[0] > 0.3  # poor film
    assert id_ig() < 0.1  # good film
    assert id_ig(temperature_c=1064.0) > 3 * id_ig(temperature_c=1035.0)  # near the Cu melting point
    # H2 helps up to the etching limit (H2/CH4 = 1, 20, 45)
    assert id_ig(ch4_sccm=40.0, h2_sccm=40.0) > id_ig(ch4_sccm=2.0, h2_sccm=40.0)
    assert id_ig(ch4_sccm=40.0 / 45.0, h2_sccm=40.0) > id_ig(ch4_sccm=2.0, h2_sccm=40.0)
    # small domains (high nucleation density) are more defective
    dense = grow(truth, cond(pressure_torr=3.0, ch4_sccm=20.0, h2_sccm=20.0), 600.0)
    sparse = grow(truth, cond(), 1800.0)
    assert dense.nucleation_density_um2 > 30 * sparse.nucleation_density_um2
    assert dense.id_ig > sparse.id_ig


def test_h2_anneal_lowers_the_nucleation_density(truth: GrapheneTruth) -> None:
    plain = grow(truth, cond(), 600.0)
    annealed = grow(truth, cond(), 600.0, anneal_c=1040.0)
    assert 0.0 < annealed.site_passivation <= truth.anneal_passivation_max
    assert annealed.nucleation_density_um2 < 0.8 * plain.nucleation_density_um2


# ---- time stepping ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "conditions",
    [
        cond(),
        cond(temperature_c=960.0, ch4_sccm=10.0, h2_sccm=10.0),
        cond(pressure_torr=2.0, ar_sccm=50.0, substrate="CuNi"),
    ],
)
def test_one_second_steps_agree_with_grow(conditions: GrowthConditions) -> None:
    growth_s = 1500
    fast = grow(TRUTH, conditions, float(growth_s), anneal_c=1000.0)
    anneal = replace(conditions, temperature_c=1000.0, ch4_sccm=0.0)
    slow = run(TRUTH, [(anneal, int(ANNEAL_S)), (conditions, growth_s)])
    for name in ("coverage", "nucleation_density_um2", "domain_radius_um", "bilayer_fraction", "id_ig"):
        assert getattr(slow, name) == pytest.approx(getattr(fast, name), rel=1e-2, abs=1e-9), name
    assert expected_quality(slow) == pytest.approx(expected_quality(fast), abs=2e-3)


def test_step_of_zero_seconds_changes_nothing() -> None:
    sample = grow(TRUTH, cond(), 600.0)
    assert growth_step(sample, cond(), 0.0, TRUTH) == sample


def test_raising_the_supply_later_only_nucleates_on_bare_cu() -> None:
    early = grow(TRUTH, cond(), 20 * 60.0)
    assert early.coverage > 0.9
    more = run(TRUTH, [(cond(), 20 * 60), (cond(ch4_sccm=8.0), 60)])
    bare = 1.0 - early.coverage
    n_eq = growth_rates(TRUTH, cond(ch4_sccm=8.0)).nucleation_eq_um2
    assert early.nucleation_density_um2 < more.nucleation_density_um2
    assert more.nucleation_density_um2 < early.nucleation_density_um2 + bare * n_eq * 1.01


conditions_strategy = st.builds(
    GrowthConditions,
    temperature_c=st.floats(20.0, 1100.0),
    pressure_torr=st.floats(0.0, 760.0),
    ch4_sccm=st.floats(0.0, 100.0),
    h2_sccm=st.floats(0.0, 200.0),
    ar_sccm=st.floats(0.0, 500.0),
    substrate=st.sampled_from(["Cu", "CuNi"]),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(conditions_strategy, st.floats(0.0, 7200.0)), min_size=1, max_size=6))
def test_any_schedule_keeps_the_state_physical(schedule: list[tuple[GrowthConditions, float]]) -> None:
    sample = GrapheneSample()
    for conditions, dt in schedule:
        sample = growth_step(sample, conditions, dt, TRUTH)
        assert 0.0 <= sample.coverage <= 1.0
        assert 0.0 <= sample.multilayer_fraction <= sample.bilayer_fraction <= 1.0
        assert sample.nucleation_density_um2 >= 0.0
        assert sample.domain_radius_um >= 0.0
        assert sample.id_ig >= 0.0
        assert 0.0 <= expected_quality(sample) <= 1.0


@settings(max_examples=40, deadline=None)
@given(
    st.builds(
        GrowthRecipe,
        temperature_c=st.floats(950.0, 1065.0),
        ch4_sccm=st.floats(0.5, 50.0),
        h2_sccm=st.floats(2.0, 50.0),
        pressure_torr=st.floats(0.1, 10.0),
        growth_min=st.integers(1, 60),
        substrate=st.sampled_from(["Cu", "CuNi"]),
    )
)
def test_expected_quality_is_within_unit_interval(recipe: GrowthRecipe) -> None:
    assert 0.0 <= recipe_quality(TRUTH, recipe) <= 1.0


def test_expected_quality_is_the_mean_spot_score() -> None:
    sample = grow(TRUTH, cond(pressure_torr=0.6), 8 * 60.0, STANDARD_ANNEAL_C)
    assert sample.multilayer_fraction > 0.0 and sample.bilayer_fraction > 0.05 and sample.coverage < 0.99
    spots = sample.spots(40_000, np.random.default_rng(3))
    scores = [math.exp(-s.id_ig / 0.5) if s.layers == 1 else 0.0 for s in spots]
    assert np.mean(scores) == pytest.approx(expected_quality(sample), abs=0.01)
    assert np.mean([s.layers == 0 for s in spots]) == pytest.approx(1.0 - sample.coverage, abs=0.01)
    assert all(s.id_ig == 0.0 for s in spots if s.layers == 0)
    covered = [s.id_ig for s in spots if s.layers > 0]
    assert np.mean(covered) == pytest.approx(sample.id_ig, rel=0.02)
    assert np.std(np.log(covered)) == pytest.approx(0.35, rel=0.05)


def test_bare_foil_has_zero_quality_and_only_bare_spots() -> None:
    assert expected_quality(GrapheneSample()) == 0.0
    assert {s.layers for s in GrapheneSample().spots(50, np.random.default_rng(0))} == {0}


# ---- seeds ------------------------------------------------------------------------------------------


def test_truth_and_results_are_deterministic_per_seed() -> None:
    assert GrapheneTruth.draw(7) == GrapheneTruth.draw(7)
    a = grow(GrapheneTruth.draw(7), cond(), 900.0)
    b = grow(GrapheneTruth.draw(7), cond(), 900.0)
    assert a == b
    assert a.spots(20, np.random.default_rng(5)) == b.spots(20, np.random.default_rng(5))


def test_truths_differ_between_seeds_but_stay_plausible() -> None:
    truths = [GrapheneTruth.draw(seed) for seed in range(20)]
    assert len(set(truths)) == len(truths)
    energies = [t.nucleation_ea_ev for t in truths]
    assert np.std(energies) > 0.05
    assert all(3.5 <= e <= 4.5 for e in energies)
    assert all(1048.0 <= t.premelt_temperature_c < 1084.6 for t in truths)


# ---- the benchmark landscape ------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 3])
def test_optimum_is_high_plausible_and_beats_random_sampling(seed: int) -> None:
    truth = GrapheneTruth.draw(seed)
    best, value = find_optimum(truth, n_random=1500, seed=seed)
    assert 0.8 <= value <= 1.0
    assert value == pytest.approx(recipe_quality(truth, best))
    assert best.substrate == "Cu"
    assert 1010.0 <= best.temperature_c <= 1060.0
    assert best.pressure_torr < 1.0
    assert best.ch4_sccm / best.h2_sccm < 0.3
    assert 5 <= best.growth_min <= 60
    assert best.feasible
    random = quality_landscape(truth, sample_recipes(600, np.random.default_rng(100 + seed)))
    assert np.median(random) < 0.3
    best_of_30 = random.reshape(20, 30).max(axis=1)
    assert np.median(best_of_30) < 0.85 * value
    assert random.max() < value


def test_sample_recipes_respect_the_standard_space() -> None:
    recipes = sample_recipes(500, np.random.default_rng(0))
    assert all(r.feasible for r in recipes)
    assert all(950.0 <= r.temperature_c <= 1065.0 and 0.1 <= r.pressure_torr <= 10.0 for r in recipes)
    assert all(0.5 <= r.ch4_sccm <= 50.0 and 2.0 <= r.h2_sccm <= 100.0 for r in recipes)
    assert {r.growth_min for r in recipes} <= set(range(1, 61))
    assert {r.substrate for r in recipes} == {"Cu", "CuNi"}
    assert recipes[0].conditions().ar_sccm == 0.0


# ---- bad input --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs",
    [
        {"temperature_c": math.nan},
        {"temperature_c": math.inf},
        {"temperature_c": -300.0},
        {"temperature_c": -273.15},
        {"pressure_torr": -0.1},
        {"pressure_torr": math.nan},
        {"ch4_sccm": -1.0},
        {"h2_sccm": -1.0},
        {"ar_sccm": -1.0},
        {"h2_sccm": math.nan},
        {"ch4_sccm": "5"},
        {"ch4_sccm": True},
        {"substrate": "Ni"},
        {"substrate": "cu"},
    ],
)
def test_invalid_conditions_raise(kwargs: dict) -> None:
    with pytest.raises(ValueError, match=next(iter(kwargs))):
        cond(**kwargs)


def test_invalid_durations_raise() -> None:
    with pytest.raises(ValueError, match="dt_s"):
        growth_step(GrapheneSample(), cond(), -1.0, TRUTH)
    with pytest.raises(ValueError, match="dt_s"):
        growth_step(GrapheneSample(), cond(), math.nan, TRUTH)
    with pytest.raises(ValueError, match="growth_s"):
        grow(TRUTH, cond(), -60.0)
    with pytest.raises(ValueError, match="n must be"):
        GrapheneSample().spots(-1, np.random.default_rng(0))


def test_numpy_scalars_are_accepted() -> None:
    conditions = GrowthConditions(np.float64(1035.0), np.float32(0.25), np.int64(2), 25.0, 0, "Cu")
    assert grow(TRUTH, conditions, 600.0).coverage == pytest.approx(grow(TRUTH, cond(), 600.0).coverage)
