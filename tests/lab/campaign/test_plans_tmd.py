"""The two-zone TMD growth plan on the simulated TMD station under a real RunEngine on virtual time."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from devices.station import Station, build_station
from lab.campaign.drivers import sim_drivers
from lab.campaign.plans import characterize, cvd_growth, heating_lead_s, run_engine, spot_grid
from lab.recipe import TmdRecipe
from lab.settings import load_station
from simulators.clock import VirtualClock
from simulators.twin import Twin
from simulators.worlds import TmdWorld

STEPS = ["load", "leak_check", "purge", "fill", "heat", "grow", "cool", "done"]
RECIPE = TmdRecipe(growth_min=10.0, purge_min=1.0, ramp_c_per_min=25.0, reading_period_s=60.0)


def run_plan(station: Station, plan: Any) -> list[tuple[str, dict[str, Any]]]:
    """The documents of `plan` run on a fresh RunEngine in the station's time."""
    docs: list[tuple[str, dict[str, Any]]] = []
    engine = run_engine(station)
    engine.subscribe(lambda name, doc: docs.append((name, doc)))
    engine(plan)
    return docs


def run_growth(recipe: TmdRecipe, seed: int = 0) -> tuple[list[tuple[str, dict[str, Any]]], Twin, Any]:
    config = load_station(kind="tmd")
    twin = Twin(TmdWorld.draw(seed), VirtualClock(), seed=seed, gases=[line.gas for line in config.gas_lines])
    station = build_station(config, sim_drivers(config, twin), twin.clock)
    return run_plan(station, cvd_growth(station, recipe, md={"campaign": "tmd-plan-test"})), twin, station


@pytest.fixture(scope="module")
def growth() -> tuple[list[tuple[str, dict[str, Any]]], Twin, Any]:
    return run_growth(RECIPE)


def primary(docs: list[tuple[str, dict[str, Any]]]) -> list[dict[str, Any]]:
    return [doc["data"] for name, doc in docs if name == "event" and "step" in doc["data"]]


def test_the_growth_runs_every_step_of_the_two_zone_sequence(growth) -> None:
    docs, _, _ = growth
    steps = [data["step"] for data in primary(docs)]
    assert list(dict.fromkeys(steps)) == STEPS
    (stop,) = [doc for name, doc in docs if name == "stop"]
    assert stop["exit_status"] == "success"
    (start,) = [doc for name, doc in docs if name == "start"]
    assert start["recipe"]["chalcogen_c"] == RECIPE.chalcogen_c and start["campaign"] == "tmd-plan-test"


def test_both_zones_are_at_temperature_and_the_tube_at_atmosphere_while_growing(growth) -> None:
    docs, _, _ = growth
    growing = [data for data in primary(docs) if data["step"] == "grow"]
    assert len(growing) == RECIPE.growth_min + 1  # on entering the step, then one per minute of clock time
    for data in growing:
        assert data["furnace_temperature"] == pytest.approx(RECIPE.growth_c, abs=3.0)
        assert data["chalcogen_zone_temperature"] == pytest.approx(RECIPE.chalcogen_c, abs=3.0)
        assert data["gauge_pressure"] == pytest.approx(RECIPE.pressure_torr, rel=0.03)


def test_the_chalcogen_zone_starts_late_so_both_zones_arrive_together(growth) -> None:
    docs, _, _ = growth
    heating = [data for data in primary(docs) if data["step"] == "heat"]
    # while the growth zone is still far from its temperature, the chalcogen zone has not started
    early = [data for data in heating if data["furnace_temperature"] < RECIPE.growth_c / 2]
    assert early and all(data["chalcogen_zone_temperature"] < 40.0 for data in early)
    lead = heating_lead_s((25.0, RECIPE.growth_c), (25.0, RECIPE.chalcogen_c), RECIPE.ramp_c_per_min)
    assert lead == pytest.approx((RECIPE.growth_c - RECIPE.chalcogen_c) / RECIPE.ramp_c_per_min * 60.0)


def test_heating_lead_is_zero_when_the_chalcogen_zone_needs_longer() -> None:
    assert heating_lead_s((600.0, 650.0), (25.0, 300.0), 20.0) == 0.0
    assert heating_lead_s((25.0, 745.0), (25.0, 145.0), 20.0) == pytest.approx(1800.0)


def test_the_growth_ends_cold_with_both_heaters_off_and_a_film_grown(growth) -> None:
    _, twin, station = growth
    for furnace in station.furnaces:
        assert furnace.heater.get() in (False, 0)
        assert furnace.temperature.get() <= RECIPE.cool_below_c
    assert twin.world.coverage(twin.sample) > 0.1
    assert not station.valves["H2"].open.get()


def test_without_a_chalcogen_powder_nothing_grows() -> None:
    _, twin, _ = run_growth(TmdRecipe(growth_min=10.0, purge_min=1.0, ramp_c_per_min=25.0, chalcogen_mg=0.0))
    assert twin.world.coverage(twin.sample) == 0.0


def test_characterization_reads_raman_and_pl_at_every_spot(growth) -> None:
    _, _, station = growth
    spots = spot_grid(4)
    docs = run_plan(station, characterize(station, spots, exposure_s=0.5, spectrometers=[station.spectrometer,
                                                                                 station.pl_spectrometer]))
    events = [doc["data"] for name, doc in docs if name == "event"]
    assert len(events) == len(spots)
    for data in events:
        raman, pl = np.asarray(data["spectrometer_spectrum"]), np.asarray(data["pl_spectrometer_spectrum"])
        assert raman.shape == np.asarray(data["spectrometer_wavelengths"]).shape
        assert pl.shape == np.asarray(data["pl_spectrometer_wavelengths"]).shape
        assert raman.max() > 0 and pl.max() > 0
    (start,) = [doc for name, doc in docs if name == "start"]
    assert start["spectrometers"] == ["spectrometer", "pl_spectrometer"]


def test_characterization_reads_parallel_and_crossed_raman_and_pl_in_one_event_per_spot(growth) -> None:
    _, twin, station = growth
    spots = spot_grid(9)
    docs = run_plan(station, characterize(station, spots, exposure_s=2.0))
    events = [doc["data"] for name, doc in docs if name == "event"]
    assert len(events) == len(spots)
    shift = 1e7 / 532.0 - 1e7 / np.asarray(events[0]["spectrometer_wavelengths"])

    def a1g(counts: Any) -> float:  # MoS2's A1g above the counts beside it; forbidden in crossed polarization
        counts = np.asarray(counts)
        return float(counts[(shift > 400.0) & (shift < 410.0)].max() - np.median(counts[(shift > 440.0)
                                                                                          & (shift < 500.0)]))

    film = 0
    for data in events:
        parallel, crossed = data["spectrometer_spectrum"], data["spectrometer_crossed_spectrum"]
        assert np.shape(crossed) == np.shape(parallel) and np.max(data["pl_spectrometer_spectrum"]) > 0
        assert np.array_equal(data["spectrometer_crossed_wavelengths"], data["spectrometer_wavelengths"])
        if a1g(parallel) > 300.0:
            film += 1
            assert a1g(crossed) < 0.2 * a1g(parallel)
    assert film > 0
    (start,) = [doc for name, doc in docs if name == "start"]
    assert start["spectrometers"] == ["spectrometer", "spectrometer_crossed", "pl_spectrometer"]
    assert start["analyzer"] == {"spectrometer": "parallel", "spectrometer_crossed": "crossed"}
    assert twin.analyzer == "crossed"  # turned at each spot: parallel, then crossed
