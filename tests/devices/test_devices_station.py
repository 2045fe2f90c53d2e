"""build_station: every device from the packaged config, limits carried into the devices."""

from __future__ import annotations

from importlib import resources

import pytest
import yaml

from devices.config import PUMP_LINE, StationConfig
from devices.station import Station, build_station
from lab.campaign.drivers import sim_drivers
from simulators.clock import VirtualClock
from simulators.twin import Twin
from simulators.worlds import GrapheneWorld, TmdWorld


@pytest.fixture(scope="module")
def config() -> StationConfig:
    text = resources.files("lab.stations").joinpath("graphene-sim.yaml").read_text()
    return StationConfig.model_validate(yaml.safe_load(text))


@pytest.fixture
def station(config: StationConfig) -> Station:
    twin = Twin(GrapheneWorld.draw(0), VirtualClock(), gases=[line.gas for line in config.gas_lines])
    return build_station(config, sim_drivers(config, twin), twin.clock)


def test_sim_drivers_cover_every_driver_the_config_needs(config: StationConfig) -> None:
    twin = Twin(GrapheneWorld.draw(0), VirtualClock())
    assert set(sim_drivers(config, twin)) == set(config.driver_specs())
    assert set(config.driver_specs()) == {"furnace", "gauge", "pressure", "valve:pump", "spectrometer", "stage",
                                          "holder", "logger", "mfc:Ar", "valve:Ar", "mfc:H2", "valve:H2",
                                          "mfc:CH4", "valve:CH4"}


def test_station_devices_carry_the_configured_limits(station: Station, config: StationConfig) -> None:
    assert station.name == "sim-graphene-1"
    assert station.furnace.max_c == config.limits.max_temperature_c == 1080.0
    assert station.furnace.max_ramp_c_per_min == 25.0
    assert station.furnace.tolerance_c == 2.0 and station.furnace.settle_s == 30.0
    assert station.pressure.max_torr == 20.0
    assert {gas: (m.full_scale_sccm, m.flammable) for gas, m in station.mfcs.items()} == {
        "Ar": (500.0, False), "H2": (100.0, True), "CH4": (50.0, True)}
    assert [m.name for m in station.mfcs.values()] == ["mfc_ar", "mfc_h2", "mfc_ch4"]
    assert list(station.valves) == ["Ar", "H2", "CH4", PUMP_LINE]
    assert station.valves[PUMP_LINE].name == "valve_pump"
    assert station.holder.substrates == ["Cu", "CuNi"]
    assert station.logger.period_s == 10.0
    assert station.spectrometer.laser_nm.get() == 532.0


def test_process_readables_are_the_process_devices(station: Station) -> None:
    readables = station.process_readables()
    assert readables[0] is station.furnace
    assert station.gauge in readables and station.pressure in readables
    assert all(v in readables for v in station.valves.values())
    assert all(m in readables for m in station.mfcs.values())
    assert station.spectrometer not in readables and station.logger not in readables


def test_pressure_controller_limit_is_the_tighter_of_controller_and_station(config: StationConfig) -> None:
    tight = config.model_copy(update={"pressure_controller": config.pressure_controller.model_copy(
        update={"max_torr": 5.0})})
    twin = Twin(GrapheneWorld.draw(0), VirtualClock())
    assert build_station(tight, sim_drivers(tight, twin), twin.clock).pressure.max_torr == 5.0


def test_missing_drivers_are_named(config: StationConfig) -> None:
    twin = Twin(GrapheneWorld.draw(0), VirtualClock())
    drivers = sim_drivers(config, twin)
    del drivers["mfc:CH4"], drivers["logger"]
    with pytest.raises(ValueError, match="station sim-graphene-1: no driver for logger, mfc:CH4"):
        build_station(config, drivers, twin.clock)


def test_a_tmd_station_has_a_raman_analyzer_with_a_crossed_view_of_its_spectrometer() -> None:
    text = resources.files("lab.stations").joinpath("tmd-sim.yaml").read_text()
    config = StationConfig.model_validate(yaml.safe_load(text))
    assert "analyzer" in config.driver_specs()
    twin = Twin(TmdWorld.draw(0), VirtualClock(), gases=[line.gas for line in config.gas_lines])
    station = build_station(config, sim_drivers(config, twin), twin.clock)
    assert station.analyzer is not None and station.crossed_spectrometer is not None
    assert [s.name for s in station.spectrometers()] == ["spectrometer", "spectrometer_crossed", "pl_spectrometer"]
    assert station.analyzer_setting(station.spectrometer) == "parallel"
    assert station.analyzer_setting(station.crossed_spectrometer) == "crossed"
    assert station.analyzer_setting(station.pl_spectrometer) is None
    without = build_station(config.model_copy(update={"raman_analyzer": None}), sim_drivers(config, twin), twin.clock)
    assert without.spectrometers() == [without.spectrometer, without.pl_spectrometer]
    assert without.analyzer_setting(without.spectrometer) is None


def test_only_a_tmd_station_takes_a_raman_analyzer(config: StationConfig) -> None:
    with pytest.raises(ValueError, match="raman_analyzer: only a tmd station"):
        StationConfig.model_validate({**config.model_dump(), "raman_analyzer": {"driver": "sim"}})
