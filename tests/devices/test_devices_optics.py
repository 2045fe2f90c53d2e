"""Characterization hardware: spectrometer, Raman analyzer, sample stage, substrate holder."""

from __future__ import annotations

import math

import numpy as np
import pytest
from devices_fakes import FakeAnalyzer, FakeLoader, FakeSpectrometer, FakeStage

from devices.interfaces import PolarizationAnalyzer
from devices.limits import LimitError
from devices.optics import Analyzer, SampleStage, Spectrometer, SubstrateHolder
from simulators.drivers import SimAnalyzer, SimLoader, SimSpectrometer, SimStage
from simulators.twin import Twin


@pytest.fixture
def spectrometer(twin: Twin) -> Spectrometer:
    return Spectrometer(SimSpectrometer(twin), laser_nm=532.0)


def test_spectrometer_describe_gives_the_numpy_dtype_of_its_arrays(spectrometer: Spectrometer) -> None:
    spectrometer.trigger()
    description = spectrometer.describe()
    for key in ("spectrometer_spectrum", "spectrometer_wavelengths"):
        assert description[key]["dtype"] == "array"
        assert description[key]["shape"] == [2048]
        assert np.dtype(description[key]["dtype_numpy"]) == np.float64


def test_spectrometer_trigger_acquires_2048_counts(spectrometer: Spectrometer, twin: Twin) -> None:
    assert spectrometer.spectrum.get().shape == (0,)  # nothing acquired yet
    before = twin.clock.time()
    status = spectrometer.trigger()
    assert status.done and status.success
    counts = spectrometer.spectrum.get()
    assert counts.shape == (2048,) and counts.dtype == np.float64
    assert np.all(np.isfinite(counts))
    assert twin.clock.time() - before >= 1.0  # one (default) integration time on the station clock
    reading = spectrometer.read()
    assert reading["spectrometer_spectrum"]["value"].shape == (2048,)
    assert reading["spectrometer_wavelengths"]["value"].shape == (2048,)
    wavelengths = reading["spectrometer_wavelengths"]["value"]
    assert 540.0 < wavelengths[0] < wavelengths[-1] < 700.0


def test_spectrometer_exposure_reaches_the_driver_in_microseconds() -> None:
    driver = FakeSpectrometer()
    spectrometer = Spectrometer(driver, laser_nm=633.0, max_integration_s=10.0)
    spectrometer.configure_exposure(0.25)
    assert driver.writes() == [("integration_time_micros", (250_000,))]
    config = spectrometer.read_configuration()
    assert config["spectrometer_integration_time"]["value"] == 0.25
    assert config["spectrometer_laser_nm"]["value"] == 633.0


@pytest.mark.parametrize("seconds", [0.0, -1.0, 10.5, math.nan])
def test_spectrometer_refuses_exposures_outside_its_range(seconds: float) -> None:
    driver = FakeSpectrometer()
    spectrometer = Spectrometer(driver, max_integration_s=10.0)
    with pytest.raises(LimitError, match="spectrometer: integration time"):
        spectrometer.configure_exposure(seconds)
    assert driver.writes() == []
    assert spectrometer.integration_time.get() == 1.0


# ---- stage ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("position", [(25.0, 25.0), (-25.0, 0.0), (0.0, -25.0), (1.5, -2.25)])
def test_stage_moves_within_travel(position: tuple[float, float], twin: Twin) -> None:
    stage = SampleStage(SimStage(twin), travel_mm=25.0)
    status = stage.set(position)
    assert status.done and status.success
    assert twin.stage_mm == position
    assert (stage.x.get(), stage.y.get()) == position


@pytest.mark.parametrize(("position", "axis"), [((25.01, 0.0), "x"), ((0.0, -30.0), "y"), ((math.nan, 0.0), "x")])
def test_stage_refuses_moves_beyond_travel(position: tuple[float, float], axis: str) -> None:
    driver = FakeStage()
    stage = SampleStage(driver, travel_mm=25.0)
    stage.set((1.0, 2.0))
    driver.calls.clear()
    with pytest.raises(LimitError, match=f"stage: {axis} .* outside the limits \\[-25, 25\\] mm"):
        stage.set(position)
    assert driver.calls == []
    assert (stage.x.get(), stage.y.get()) == (1.0, 2.0)


# ---- substrate holder ---------------------------------------------------------------------------------------

def test_holder_loads_a_known_substrate(twin: Twin) -> None:
    holder = SubstrateHolder(SimLoader(twin), substrates=["Cu", "CuNi"])
    status = holder.set("CuNi")
    assert status.done and status.success
    assert twin.substrate == "CuNi" and twin.samples_loaded == 1
    assert holder.substrate.get() == "CuNi"


@pytest.mark.parametrize("substrate", ["Ni", "cu", "", "Cu "])
def test_holder_rejects_unknown_substrates(substrate: str) -> None:
    driver = FakeLoader()
    holder = SubstrateHolder(driver, substrates=["Cu", "CuNi"])
    with pytest.raises(ValueError, match="unknown substrate"):
        holder.set(substrate)
    assert driver.calls == []


def test_the_analyzer_turns_to_parallel_or_crossed_and_refuses_anything_else() -> None:
    driver = FakeAnalyzer()
    analyzer = Analyzer(driver)
    status = analyzer.set("crossed")
    assert status.done and status.success and analyzer.setting.get() == "crossed"
    with pytest.raises(ValueError, match="position must be one of"):
        analyzer.set("circular")
    assert driver.writes() == [("write_position", ("crossed",))]  # the refused setting never reached it


def test_the_sim_analyzer_sets_the_twins_raman_path(twin: Twin) -> None:
    driver = SimAnalyzer(twin)
    assert isinstance(driver, PolarizationAnalyzer) and driver.read_position() == "parallel"
    driver.write_position("crossed")
    assert twin.analyzer_on("raman") == "crossed" and twin.analyzer_on("pl") == "parallel"
    with pytest.raises(ValueError, match="parallel, crossed"):
        driver.write_position("circular")
