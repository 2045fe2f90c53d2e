"""Bluesky plans on the simulated station under a real RunEngine, on virtual time."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

import numpy as np
import pytest

from devices.station import Station, build_station
from lab.campaign.drivers import sim_drivers
from lab.campaign.plans import (
    COLLECT_PERIOD_S,
    RecipeAbort,
    characterize,
    cvd_growth,
    run_engine,
    safe_state,
    spot_grid,
)
from lab.recipe import GrowthRecipe
from lab.settings import load_station
from simulators.clock import VirtualClock
from simulators.gas import VacuumModel
from simulators.twin import MAX_STEP_S, PUMP_VALVE, Twin
from simulators.worlds import GrapheneWorld

STEPS = ["load", "leak_check", "purge", "pump_down", "heat", "anneal", "grow", "cool", "done"]
RECIPE = GrowthRecipe(temperature_c=1030.0, ch4_sccm=5.0, h2_sccm=20.0, pressure_torr=1.0, growth_min=5.0,
                      anneal_min=2.0, purge_min=1.0, ramp_c_per_min=25.0, reading_period_s=60.0)
MD = {"campaign": "plans-test", "experiment_index": 3}


def make_station(leak_torr_l_per_s: float | None = None) -> tuple[Station, Twin]:
    config = load_station()
    twin = Twin(GrapheneWorld.draw(0), VirtualClock(), seed=0, gases=[line.gas for line in config.gas_lines])
    if leak_torr_l_per_s is not None:
        twin.vacuum = VacuumModel(leak_torr_l_per_s=leak_torr_l_per_s)
    return build_station(config, sim_drivers(config, twin), twin.clock), twin


@dataclass(eq=False)  # the RunEngine hashes its callbacks
class Documents:
    """Everything one run emitted, in order."""

    docs: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def __call__(self, name: str, doc: dict[str, Any]) -> None:
        self.docs.append((name, doc))

    def of(self, kind: str) -> list[dict[str, Any]]:
        return [doc for name, doc in self.docs if name == kind]

    @property
    def start(self) -> dict[str, Any]:
        (start,) = self.of("start")
        return start

    @property
    def stop(self) -> dict[str, Any]:
        (stop,) = self.of("stop")
        return stop

    def descriptor(self, stream: str) -> dict[str, Any]:
        (descriptor,) = [d for d in self.of("descriptor") if d["name"] == stream]
        return descriptor

    def events(self, stream: str = "primary") -> list[dict[str, Any]]:
        uid = self.descriptor(stream)["uid"]
        return [e for e in self.of("event") if e["descriptor"] == uid]

    def pages(self, stream: str) -> list[dict[str, Any]]:
        uid = self.descriptor(stream)["uid"]
        return [p for p in self.of("event_page") if p["descriptor"] == uid]

    def insitu(self) -> dict[str, Any]:
        """The in-situ stream's pages joined into one (in order)."""
        pages = self.pages("insitu")
        return {"time": [t for p in pages for t in p["time"]], "seq_num": [n for p in pages for n in p["seq_num"]],
                "data": {key: [v for p in pages for v in p["data"][key]] for key in pages[0]["data"]}}


@pytest.fixture(scope="module")
def grown() -> tuple[Station, Twin, Documents]:
    """One complete growth on a fresh simulated station."""
    station, twin = make_station()
    documents = Documents()
    run_engine(station)(cvd_growth(station, RECIPE, md=MD), documents)
    return station, twin, documents


@pytest.fixture(scope="module")
def leaky() -> tuple[Station, Twin, Documents, RecipeAbort]:
    """A growth on a tube that leaks 0.5 Torr·L/s: it pumps down, then fails the leak check."""
    station, twin = make_station(leak_torr_l_per_s=0.5)
    documents = Documents()
    with pytest.raises(RecipeAbort) as error:
        run_engine(station)(cvd_growth(station, RECIPE), documents)
    return station, twin, documents, error.value


@pytest.fixture(scope="module")
def mapped(grown) -> tuple[Documents, list[tuple[float, float]]]:
    station, _, _ = grown
    spots = spot_grid(9, pitch_mm=0.5)
    documents = Documents()
    run_engine(station)(characterize(station, spots, exposure_s=0.5, md={"experiment_index": 3}), documents)
    return documents, spots


def steps_of(documents: Documents) -> list[str]:
    return [event["data"]["step"] for event in documents.events()]


# ---- a successful growth -------------------------------------------------------------------------------------

def test_start_document_carries_plan_station_recipe_and_caller_metadata(grown) -> None:
    _, _, documents = grown
    start = documents.start
    assert start["plan_name"] == "cvd_growth"
    assert start["station"] == "sim-graphene-1"
    assert start["material"] == "graphene"
    assert start["recipe"] == RECIPE.as_dict()
    assert start["campaign"] == "plans-test" and start["experiment_index"] == 3


def test_run_succeeds_with_a_primary_and_an_insitu_stream(grown) -> None:
    _, _, documents = grown
    assert documents.stop["exit_status"] == "success"
    assert {d["name"] for d in documents.of("descriptor")} == {"primary", "insitu"}
    assert documents.stop["num_events"]["primary"] == len(documents.events())
    assert documents.docs[0][0] == "start" and documents.docs[-1][0] == "stop"


def test_steps_come_in_recipe_order(grown) -> None:
    _, _, documents = grown
    steps = steps_of(documents)
    assert list(dict.fromkeys(steps)) == STEPS
    assert steps == sorted(steps, key=STEPS.index)  # never back to an earlier step
    assert steps.count("load") == 1 and steps[-1] == "done"
    # each step is read on entry; waits and holds read again while they last
    for step in ("leak_check", "purge", "heat", "anneal", "grow", "cool"):
        assert steps.count(step) >= 2, step


def test_primary_events_read_every_process_device(grown) -> None:
    station, _, documents = grown
    keys = set(documents.descriptor("primary")["data_keys"])
    expected = {"step"}
    for device in station.process_readables():
        expected |= set(device.describe())
    assert keys == expected
    assert all(set(event["data"]) == keys for event in documents.events())


def test_methane_never_flows_before_the_grow_step(grown) -> None:
    _, _, documents = grown
    events = documents.events()
    first_grow = next(i for i, e in enumerate(events) if e["data"]["step"] == "grow")
    assert first_grow > 0
    # up to and including the reading on entering `grow` (taken before the step changes anything)
    for event in events[:first_grow + 1]:
        data = event["data"]
        assert data["mfc_ch4_setpoint"] == 0.0, data["step"]
        assert data["valve_ch4_open"] is False, data["step"]
        assert data["mfc_ch4_flow"] < 0.1, data["step"]
    growing = [e["data"] for e in events[first_grow + 1:] if e["data"]["step"] == "grow"]
    assert growing
    assert all(d["mfc_ch4_setpoint"] == RECIPE.ch4_sccm and d["valve_ch4_open"] for d in growing)
    assert all(d["mfc_ch4_flow"] == pytest.approx(RECIPE.ch4_sccm, abs=0.5) for d in growing)
    assert all(d["mfc_h2_setpoint"] == RECIPE.h2_sccm for d in growing)


def test_hydrogen_only_after_the_tube_was_purged_and_pumped(grown) -> None:
    _, _, documents = grown
    for event in documents.events():
        if event["data"]["step"] in ("load", "leak_check", "purge", "pump_down"):
            assert event["data"]["mfc_h2_setpoint"] == 0.0 and event["data"]["valve_h2_open"] is False


def test_process_conditions_during_anneal_and_growth(grown) -> None:
    _, _, documents = grown
    events = documents.events()
    for previous, event in pairwise(events):
        data = event["data"]
        if data["step"] != previous["data"]["step"]:
            continue  # read on entering the step, before it acts
        if data["step"] in ("anneal", "grow"):
            assert data["furnace_temperature"] == pytest.approx(RECIPE.temperature_c, abs=3.0)
            assert data["gauge_pressure"] == pytest.approx(RECIPE.pressure_torr, rel=0.1)
            assert data["furnace_heater"] is True
        if data["step"] == "purge":
            assert data["valve_ar_open"] is True and data["mfc_ar_setpoint"] == RECIPE.purge_ar_sccm


def test_insitu_stream_arrives_in_event_pages_during_the_run_at_the_logger_period(grown) -> None:
    station, _, documents = grown
    assert documents.events("insitu") == []
    assert len(documents.pages("insitu")) > 10  # passed on while the process runs, not all at the end
    page = documents.insitu()
    assert page["seq_num"] == list(range(1, len(page["seq_num"]) + 1))
    period = station.logger.period_s
    assert set(page["data"]) == set(documents.descriptor("insitu")["data_keys"])
    elapsed = np.array(page["data"]["elapsed_s"])
    n = len(elapsed)
    assert documents.stop["num_events"]["insitu"] == n == len(page["time"]) == len(page["seq_num"])
    assert all(len(column) == n for column in page["data"].values())
    assert 0.0 <= elapsed[0] <= period + MAX_STEP_S
    steps = np.diff(elapsed)
    assert np.all(steps > 0)
    # on the clock's period grid; samples land exactly on it
    assert np.allclose(steps, period)
    assert np.mean(steps) == pytest.approx(period, abs=0.01)
    # the whole recipe (ramp alone: 50 min) is in it
    assert elapsed[-1] > (RECIPE.temperature_c - 25.0) / RECIPE.ramp_c_per_min * 60.0 + 60 * (
        RECIPE.anneal_min + RECIPE.growth_min + RECIPE.purge_min)
    # a page every COLLECT_PERIOD_S of clock time (and the rest at the end), not one per reading
    assert len(documents.pages("insitu")) <= elapsed[-1] / COLLECT_PERIOD_S + 2


def test_insitu_temperature_reaches_the_target_without_overshoot(grown) -> None:
    _, _, documents = grown
    page = documents.insitu()
    temperature = np.array(page["data"]["temperature_c"])
    assert temperature.max() == pytest.approx(RECIPE.temperature_c, abs=6.0)
    assert temperature.max() < RECIPE.temperature_c + 6.0
    assert temperature[-1] < RECIPE.cool_below_c + 10.0


def test_growth_ends_cold_with_heater_off_and_flammables_closed(grown) -> None:
    station, twin, documents = grown
    done = documents.events()[-1]["data"]
    assert done["step"] == "done"
    assert done["furnace_heater"] is False
    assert done["furnace_temperature"] <= RECIPE.cool_below_c
    for gas in ("h2", "ch4"):
        assert done[f"valve_{gas}_open"] is False
        assert done[f"mfc_{gas}_setpoint"] == 0.0
    assert done["valve_ar_open"] is True
    # and the hardware agrees afterwards
    assert station.furnace.heater.get() is False
    assert not twin.valves["H2"] and not twin.valves["CH4"]
    assert twin.flow_setpoints["H2"] == twin.flow_setpoints["CH4"] == 0.0


def test_the_grown_sample_is_graphene(grown) -> None:
    _, twin, _ = grown
    assert twin.samples_loaded == 1 and twin.substrate == "Cu"
    assert twin.sample.coverage > 0.5


# ---- a failing leak check ---------------------------------------------------------------------------------------

def test_failed_leak_check_ends_the_run_with_fail(leaky) -> None:
    _, _, documents, error = leaky
    assert "leak check failed" in str(error)
    stop = documents.stop
    assert stop["exit_status"] == "fail"
    assert "leak check failed" in stop["reason"]
    assert set(steps_of(documents)) == {"load", "leak_check"}


def test_failed_run_still_collects_the_insitu_data(leaky) -> None:
    _, _, documents, _ = leaky
    page = documents.insitu()
    pressure = np.array(page["data"]["pressure_torr"])
    assert pressure.max() > 1.0  # it leaked up once the pump was closed
    assert documents.stop["num_events"]["insitu"] == len(pressure)


def test_failed_run_leaves_the_station_safe(leaky) -> None:
    station, twin, _, _ = leaky
    twin.advance()
    assert twin.furnace.manual is True and station.furnace.heater.get() is False
    for gas in ("H2", "CH4"):
        assert twin.flow_setpoints[gas] == 0.0
        assert twin.valves[gas] is False
    assert twin.valves["Ar"] is True and twin.flow_setpoints["Ar"] == 200.0
    assert twin.valves[PUMP_VALVE] is True
    assert twin.pressure_setpoint_torr is None


def test_the_furnace_was_never_heated_on_a_leaky_tube(leaky) -> None:
    _, _, documents, _ = leaky
    assert all(event["data"]["furnace_temperature"] < 50.0 for event in documents.events())
    page = documents.insitu()
    assert max(page["data"]["ch4_sccm"]) < 0.1 and max(page["data"]["h2_sccm"]) < 0.1


# ---- safe state ---------------------------------------------------------------------------------------------

def test_safe_state_from_a_hot_flowing_station() -> None:
    station, twin = make_station()
    twin.update(target_c=800.0, ramp_c_per_min=25.0)
    for gas, sccm in (("H2", 20.0), ("CH4", 5.0)):
        twin.set_valve(gas, True)
        twin.set_flow(gas, sccm)
    twin.set_pressure_setpoint(5.0)
    assert station.furnace.heater.get() is True
    run_engine(station)(safe_state(station))
    assert station.furnace.heater.get() is False
    for gas in ("H2", "CH4"):
        assert twin.flow_setpoints[gas] == 0.0 and twin.valves[gas] is False
    assert twin.valves["Ar"] is True and twin.valves[PUMP_VALVE] is True
    assert twin.flow_setpoints["Ar"] == 200.0
    assert twin.pressure_setpoint_torr is None


# ---- characterization --------------------------------------------------------------------------------------------

def test_characterize_gives_one_event_per_spot_with_2048_long_spectra(mapped) -> None:
    documents, spots = mapped
    assert documents.stop["exit_status"] == "success"
    events = documents.events()
    assert len(events) == len(spots) == documents.stop["num_events"]["primary"]
    for event, (x, y) in zip(events, spots, strict=True):
        data = event["data"]
        assert np.asarray(data["spectrometer_spectrum"]).shape == (2048,)
        assert np.asarray(data["spectrometer_wavelengths"]).shape == (2048,)
        assert (data["stage_x"], data["stage_y"]) == (x, y)
    spectra = np.array([e["data"]["spectrometer_spectrum"] for e in events])
    assert not np.allclose(spectra[0], spectra[1])  # each spot is its own acquisition


def test_characterize_start_and_descriptor(mapped) -> None:
    documents, spots = mapped
    start = documents.start
    assert start["plan_name"] == "characterize"
    assert start["station"] == "sim-graphene-1"
    assert start["spots"] == [list(s) for s in spots]
    assert start["exposure_s"] == 0.5 and start["laser_nm"] == 532.0
    assert start["experiment_index"] == 3
    keys = documents.descriptor("primary")["data_keys"]
    for key in ("spectrometer_spectrum", "spectrometer_wavelengths"):
        assert keys[key]["shape"] == [2048] and keys[key]["dtype_numpy"] == "<f8"
    configuration = documents.descriptor("primary")["configuration"]["spectrometer"]["data"]
    assert configuration["spectrometer_integration_time"] == 0.5


# ---- spot grids -------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("n", "pitch", "expected"), [
    (0, 1.0, []),
    (1, 1.0, [(0.0, 0.0)]),
    (4, 2.0, [(-1.0, -1.0), (1.0, -1.0), (-1.0, 1.0), (1.0, 1.0)]),
    (5, 1.0, [(-1.0, -1.0), (0.0, -1.0), (1.0, -1.0), (-1.0, 0.0), (0.0, 0.0)]),
])
def test_spot_grid_examples(n: int, pitch: float, expected: list[tuple[float, float]]) -> None:
    spots = spot_grid(n, pitch)
    assert len(spots) == len(expected)
    np.testing.assert_allclose(np.array(spots).reshape(-1, 2), np.array(expected).reshape(-1, 2))


@pytest.mark.parametrize("n", [2, 3, 9, 10, 16, 17, 49, 100, 400])
def test_spot_grid_geometry(n: int) -> None:
    pitch = 0.75
    spots = spot_grid(n, pitch)
    side = math.ceil(math.sqrt(n))
    assert len(spots) == n
    assert len(set(spots)) == n
    xs, ys = np.array(spots).T
    half = (side - 1) / 2 * pitch
    assert np.all(np.abs(xs) <= half + 1e-9) and np.all(np.abs(ys) <= half + 1e-9)
    # on a square lattice of the given pitch
    np.testing.assert_allclose(np.round((xs + half) / pitch), (xs + half) / pitch, atol=1e-9)
    np.testing.assert_allclose(np.round((ys + half) / pitch), (ys + half) / pitch, atol=1e-9)
    nearest = min(math.dist(a, b) for a, b in pairwise(spots) if a[1] == b[1])
    assert nearest == pytest.approx(pitch)
    if n == side * side:  # a full square is centred
        assert xs.mean() == pytest.approx(0.0, abs=1e-12) and ys.mean() == pytest.approx(0.0, abs=1e-12)
