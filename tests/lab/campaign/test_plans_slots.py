"""Several substrates in one run: one `cvd_growth` grows every loaded slot, each in its local conditions, and
`characterize` maps each substrate in turn (the stage moves along the holder's row)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from devices.config import StationConfig
from devices.station import Station, build_station
from lab.campaign.drivers import sim_drivers, station_twin
from lab.campaign.plans import characterize, cvd_growth, run_engine, spot_grid
from lab.settings import load_station
from simulators.twin import Twin
from tests.lab.campaign.test_plans import MD, RECIPE, Documents

SLOTS = {"a": "Cu", "b": "Cu", "c": "CuNi", "d": "Cu"}


def slotted_config() -> StationConfig:
    data = load_station().model_dump(exclude_unset=True)
    data["profile"] = {"kind": "flat_zone", "flat_zone_mm": 80.0, "falloff_mm": 60.0}
    data["holder"] = {"slots": [{"name": n, "position_mm": x} for n, x in zip("abcd", (-20, 20, 60, 90), strict=True)]}
    return StationConfig.model_validate(data)


@pytest.fixture(scope="module")
def run() -> tuple[Station, Twin, Documents, list[Documents]]:
    config = slotted_config()
    twin = station_twin(config, seed=0, speedup=None)
    station = build_station(config, sim_drivers(config, twin), twin.clock)
    engine = run_engine(station)
    growth = Documents()
    engine(cvd_growth(station, RECIPE, md=MD, slots=SLOTS), growth)
    maps = []
    for slot in SLOTS:
        documents = Documents()
        engine(characterize(station, spot_grid(4), exposure_s=0.5, md={"experiment_index": 3}, slot=slot), documents)
        maps.append(documents)
    return station, twin, growth, maps


def test_one_growth_grows_every_loaded_substrate_in_its_slot(run: Any) -> None:
    _, twin, growth, _ = run
    assert growth.stop["exit_status"] == "success"
    assert twin.loading == SLOTS and twin.samples_loaded == 4
    coverages = [twin.world.coverage(twin.samples[slot]) for slot in SLOTS]
    assert coverages[0] == coverages[1] > 0.5  # both in the flat zone, both Cu
    assert coverages[3] < coverages[0]  # 90 mm: far down the fall-off, cooler


def test_the_start_document_lists_each_sample_with_its_slot_position_and_local_temperature(run: Any) -> None:
    _, _, growth, _ = run
    samples = growth.start["samples"]
    assert [s["slot"] for s in samples] == list(SLOTS) and [s["substrate"] for s in samples] == list(SLOTS.values())
    assert [s["position_mm"] for s in samples] == [-20, 20, 60, 90]
    temperatures = [s["local_temperature_c"] for s in samples]
    assert temperatures[0] == temperatures[1] == RECIPE.temperature_c and temperatures[3] < temperatures[2] < 1030.0


def test_characterize_maps_each_substrate_at_its_place_in_the_row(run: Any) -> None:
    station, _, _, maps = run
    for slot, documents in zip(SLOTS, maps, strict=True):
        centre = station.config.holder.stage_x_mm(slot)
        assert documents.start["slot"] == slot
        xs = [event["data"]["stage_x"] for event in documents.events()]
        assert xs == [x + centre for x, _ in spot_grid(4)]
    spectra = [np.mean([e["data"]["spectrometer_spectrum"] for e in d.events()], axis=0) for d in maps]
    assert not np.allclose(spectra[0], spectra[3])


def test_a_row_longer_than_the_stage_travel_is_refused() -> None:
    data = slotted_config().model_dump(exclude_unset=True)
    data["holder"]["slots"] += [{"name": "e", "position_mm": 100}, {"name": "f", "position_mm": 110}]
    with pytest.raises(ValueError, match=r"6 substrates in a row \(10 mm apart\) need ±35 mm of stage travel, "
                                         r"more than stage\.travel_mm 25"):
        StationConfig.model_validate(data)
