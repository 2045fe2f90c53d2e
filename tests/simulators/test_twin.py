"""The station twin and its simulated drivers, on a hand-driven clock."""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np
import pytest

from devices import interfaces
from simulators.clock import SimClock
from simulators.drivers import (
    SimDataLogger,
    SimFlowController,
    SimLoader,
    SimPressureController,
    SimPressureGauge,
    SimSpectrometer,
    SimStage,
    SimTemperatureController,
    SimValve,
)
from simulators.graphene import GrapheneSample
from simulators.twin import CATCH_UP_S, MAX_STEP_S, PUMP_VALVE, Twin
from simulators.worlds import GrapheneWorld

WORLD = GrapheneWorld.draw(0)


class FakeClock:
    """Deterministic station time: set `now` by hand; `sleep` advances it."""

    def __init__(self, now: float = 0.0) -> None:
        self.now = now
        self.slept: list[float] = []

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += max(0.0, seconds)

    def wall_seconds(self, seconds: float) -> float:
        return 0.0


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def twin(clock: FakeClock) -> Twin:
    return Twin(WORLD, clock, seed=7)


def at(twin: Twin, seconds: float) -> None:
    """Move the clock to `seconds` and integrate the world there."""
    twin.clock.now = seconds
    twin.advance()


def hot_growth(twin: Twin, seconds: float = 600.0, loading: str | dict[str, str] = "Cu") -> None:
    """A substrate (or slot → substrate) grown for `seconds` at 1030 °C, 5 sccm CH4 + 20 sccm H2, 1 Torr."""
    twin.load(loading)
    twin.zones["growth"] = replace(twin.furnace, element_c=1030.0, tube_c=1030.0, working_setpoint_c=1030.0,
                                   target_c=1030.0)
    for gas, sccm in (("CH4", 5.0), ("H2", 20.0)):
        twin.set_valve(gas, True)
        twin.set_flow(gas, sccm)
    twin.set_valve(PUMP_VALVE, True)
    twin.set_pressure_setpoint(1.0)
    at(twin, twin.clock.now + seconds)


# ---- time integration ------------------------------------------------------------------------------

def test_starts_cold_closed_and_at_atmosphere(twin: Twin) -> None:
    assert twin.furnace.tube_c == twin.furnace_model.ambient_c
    assert twin.pressure_torr == twin.vacuum.atmosphere_torr
    assert set(twin.valves) == {"Ar", "H2", "CH4", PUMP_VALVE}
    assert not any(twin.valves.values())
    assert twin.flows == dict.fromkeys(("Ar", "H2", "CH4"), 0.0)
    assert twin.substrate is None and twin.samples_loaded == 0


def test_readings_integrate_to_the_last_whole_step_and_commands_to_the_present(twin: Twin, clock: FakeClock,
                                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    steps: list[float] = []
    real_step = twin._step
    monkeypatch.setattr(twin, "_step", lambda dt: (steps.append(dt), real_step(dt)))
    clock.now = 3.5
    assert twin.advance() == pytest.approx(3.0)  # what a reading sees: the world at the last whole step
    assert steps == pytest.approx([1.0, 1.0, 1.0])
    steps.clear()
    twin.set_flow("Ar", 10.0)  # a command: the world is integrated to the present first
    assert steps == pytest.approx([0.5])
    steps.clear()
    assert twin.advance() == pytest.approx(3.5)  # no time passed, nothing integrated
    assert steps == []
    clock.now = 250.25
    twin.advance()
    assert max(steps) <= MAX_STEP_S
    assert steps[0] == pytest.approx(0.5)  # steps end on whole multiples of MAX_STEP_S
    assert sum(steps) == pytest.approx(250.0 - 3.5)
    assert len(steps) == 247


def test_what_is_read_never_depends_on_when_else_it_was_read(clock: FakeClock) -> None:
    """Two twins, one read at odd instants in between: the same readings at the same instants, bit for bit."""
    def run(extra_reads: bool) -> list[float]:
        clock.now = 0.0
        twin = Twin(GrapheneWorld.draw(0), clock, seed=3)
        twin.set_valve("Ar", True)
        twin.set_flow("Ar", 50.0)
        twin.update(target_c=900.0, ramp_c_per_min=20.0)
        readings = []
        for t in np.arange(0.0, 600.0, 7.3):
            clock.now = float(t)
            if extra_reads:
                twin.read("temperature")
            clock.now = float(t) + 3.7
            readings += [twin.read("temperature"), twin.read("flow:Ar"), twin.read("pressure")]
        return readings

    assert run(extra_reads=False) == run(extra_reads=True)


def test_advance_never_runs_backwards(twin: Twin, clock: FakeClock) -> None:
    at(twin, 10.0)
    clock.now = 5.0
    assert twin.advance() == pytest.approx(10.0)


def test_furnace_heats_through_the_twin(twin: Twin) -> None:
    twin.update(target_c=300.0, ramp_c_per_min=25.0)
    at(twin, 60.0)
    assert twin.furnace.working_setpoint_c == pytest.approx(25.0 + 25.0)
    at(twin, 3600.0)
    assert twin.furnace.tube_c == pytest.approx(300.0, abs=0.5)


# ---- gas -----------------------------------------------------------------------------------------------

def test_a_closed_valve_gates_the_flow(twin: Twin) -> None:
    twin.set_flow("Ar", 100.0)
    at(twin, 30.0)
    assert twin.flows["Ar"] == 0.0
    twin.set_valve("Ar", True)
    at(twin, 60.0)
    assert twin.flows["Ar"] == pytest.approx(100.0, rel=1e-6)
    assert twin.flows["H2"] == twin.flows["CH4"] == 0.0
    twin.set_valve("Ar", False)
    at(twin, 90.0)
    assert twin.flows["Ar"] == pytest.approx(0.0, abs=1e-6)
    assert twin.flow_setpoints["Ar"] == 100.0  # the MFC still asks; the valve stops the gas


def test_pump_down_and_regulation(twin: Twin) -> None:
    twin.set_valve(PUMP_VALVE, True)
    at(twin, 60.0)
    assert twin.pressure_torr == pytest.approx(twin.vacuum.ultimate_torr)
    twin.set_valve("Ar", True)
    twin.set_flow("Ar", 100.0)
    twin.set_pressure_setpoint(5.0)
    at(twin, 600.0)
    assert twin.pressure_torr == pytest.approx(5.0, rel=1e-3)
    twin.set_valve(PUMP_VALVE, False)
    p0 = twin.pressure_torr
    at(twin, 601.0)
    assert twin.pressure_torr > p0


# ---- the sample --------------------------------------------------------------------------------------

def test_nothing_grows_without_a_substrate(twin: Twin) -> None:
    twin.zones["growth"] = replace(twin.furnace, tube_c=1030.0, element_c=1030.0, working_setpoint_c=1030.0,
                                   target_c=1030.0)
    twin.set_valve("CH4", True)
    twin.set_flow("CH4", 5.0)
    at(twin, 300.0)
    assert twin.sample == GrapheneSample()


def test_graphene_grows_and_load_resets_the_sample(twin: Twin) -> None:
    hot_growth(twin)
    assert twin.sample.coverage > 0.5
    assert twin.samples_loaded == 1
    twin.load("CuNi")
    assert twin.substrate == "CuNi"
    assert twin.sample == GrapheneSample()
    assert twin.sample.coverage == 0.0
    assert twin.samples_loaded == 2
    assert twin.tube_state().substrate == "CuNi"


def test_spot_is_deterministic_per_position_and_sample(clock: FakeClock) -> None:
    a, b = Twin(WORLD, clock, seed=7), Twin(WORLD, FakeClock(), seed=7)
    hot_growth(a)
    hot_growth(b)
    positions = [(0.0, 0.0), (1.0, 0.0), (0.0, 1.0), (-2.5, 3.25), (0.0, 0.0)]

    def spots(twin: Twin) -> list:
        result = []
        for x, y in positions:
            twin.move_stage(x, y)
            result.append(twin.spot())
        return result

    first = spots(a)
    assert first == spots(a)  # again, same twin
    assert first == spots(b)  # same seed, same history
    assert first[0] == first[-1]  # back at the same position
    assert len({spot.id_ig for spot in first[:-1]}) > 1  # different positions see different film
    other_seed = Twin(WORLD, FakeClock(), seed=8)
    hot_growth(other_seed)
    assert spots(other_seed) != first
    a.load("Cu")  # a fresh, bare foil
    assert all(spot.layers == 0 and spot.id_ig == 0 for spot in spots(a))


# ---- noisy readings ----------------------------------------------------------------------------------

def reading_at(twin: Twin, quantity: str, t: float) -> float:
    twin.clock.now = t  # type: ignore[attr-defined]
    return twin.read(quantity)


def test_readings_are_noisy_but_close_to_the_truth(twin: Twin) -> None:
    twin.set_valve("Ar", True)
    twin.set_flow("Ar", 200.0)
    twin.set_valve(PUMP_VALVE, True)
    twin.set_pressure_setpoint(10.0)
    at(twin, 900.0)
    truth = {"temperature": twin.furnace.tube_c, "pressure": twin.pressure_torr, "flow:Ar": twin.flows["Ar"]}
    sigma = {"temperature": twin.noise.thermocouple_c, "pressure": twin.noise.pressure_fraction * truth["pressure"],
             "flow:Ar": twin.noise.flow_fraction * truth["flow:Ar"]}
    for n, (quantity, true_value) in enumerate(truth.items()):  # 400 s of steady state each
        readings = np.array([reading_at(twin, quantity, 900.0 + 400 * n + k) for k in range(400)])
        assert np.ptp(readings) > 0, quantity  # noisy
        assert readings.mean() == pytest.approx(true_value, abs=4 * sigma[quantity] / 20), quantity
        assert readings.std() == pytest.approx(sigma[quantity], rel=0.25), quantity
        assert np.max(np.abs(readings - true_value)) < 6 * sigma[quantity], quantity


def test_readings_stay_physical(twin: Twin) -> None:
    flows = [twin.read("flow:CH4") for _ in range(200)]
    assert min(flows) >= 0.0
    coverage = [twin.read("coverage") for _ in range(200)]
    assert all(0.0 <= c <= 1.0 for c in coverage)


def test_reading_an_unknown_quantity_raises(twin: Twin) -> None:
    with pytest.raises(KeyError, match="humidity"):
        twin.read("humidity")


def test_same_seed_same_readings() -> None:
    def readings(seed: int) -> list[float]:
        twin = Twin(WORLD, FakeClock(), seed=seed)
        return [twin.read(q) for q in ("temperature", "pressure", "flow:Ar", "temperature")]

    assert readings(3) == readings(3)
    assert readings(3) != readings(4)


# ---- logging -------------------------------------------------------------------------------------------

def test_logger_records_every_period_on_the_clock_grid(twin: Twin, clock: FakeClock) -> None:
    at(twin, 2.0)
    twin.start_log(10.0)
    at(twin, 35.0)
    samples = twin.drain_log()
    assert [t for t, _ in samples] == pytest.approx([10.0, 20.0, 30.0])
    assert all(set(values) == set(twin.log_fields()) for _, values in samples)
    assert twin.drain_log() == []  # drained
    at(twin, 45.0)
    twin.stop_log()
    at(twin, 100.0)
    assert [t for t, _ in twin.drain_log()] == pytest.approx([40.0])


def test_logger_period_is_exact_whenever_the_world_is_advanced(twin: Twin) -> None:
    at(twin, 4.25)
    twin.start_log(10.0)
    for t in (7.5, 31.0, 55.3, 61.0):  # drivers touch the twin at arbitrary times
        at(twin, t)
    assert [t for t, _ in twin.drain_log()] == pytest.approx([10.0, 20.0, 30.0, 40.0, 50.0, 60.0])


def test_logger_records_sub_second_periods(twin: Twin) -> None:
    at(twin, 0.25)
    twin.start_log(0.5)
    at(twin, 10.25)
    times = [t for t, _ in twin.drain_log()]
    assert times == pytest.approx([0.5 * k for k in range(1, 21)])


# ---- simulated drivers -----------------------------------------------------------------------------------

def test_sim_drivers_implement_the_driver_protocols(twin: Twin) -> None:
    assert isinstance(SimTemperatureController(twin), interfaces.TemperatureController)
    assert isinstance(SimFlowController(twin, "Ar"), interfaces.FlowController)
    assert isinstance(SimPressureGauge(twin), interfaces.PressureReader)
    assert isinstance(SimPressureController(twin), interfaces.PressureController)
    assert isinstance(SimValve(twin, "pump"), interfaces.Valve)
    assert isinstance(SimSpectrometer(twin), interfaces.SpectrometerDriver)
    assert isinstance(SimStage(twin), interfaces.Stage)
    assert isinstance(SimLoader(twin), interfaces.SubstrateLoader)
    assert isinstance(SimDataLogger(twin), interfaces.DataLogger)


def test_sim_drivers_refuse_lines_the_twin_lacks(twin: Twin) -> None:
    with pytest.raises(ValueError, match="no N2 line"):
        SimFlowController(twin, "N2")
    with pytest.raises(ValueError, match="no valve 'N2'"):
        SimValve(twin, "N2")


def test_temperature_controller(twin: Twin) -> None:
    tc = SimTemperatureController(twin)
    assert tc.read_heater() is True
    tc.write_ramp_rate(25.0)
    tc.write_setpoint(500.0)
    assert tc.read_setpoint() == 500.0 and tc.read_ramp_rate() == 25.0
    at(twin, 120.0)
    assert twin.furnace.working_setpoint_c == pytest.approx(75.0)
    assert tc.read_output_pct() > 0.0
    assert abs(tc.read_pv() - twin.furnace.tube_c) < 2.0
    tc.write_heater(False)
    assert tc.read_heater() is False
    at(twin, 240.0)
    assert tc.read_output_pct() == 0.0
    cool_tube = twin.furnace.tube_c
    tc.write_heater(True)  # bumpless: the ramp restarts from the present temperature
    assert twin.furnace.working_setpoint_c == pytest.approx(cool_tube)
    assert twin.furnace.integral == 0.0


def test_flow_controller_and_valve(twin: Twin) -> None:
    mfc, valve = SimFlowController(twin, "H2"), SimValve(twin, "H2")
    mfc.write_setpoint(20.0)
    assert mfc.read_setpoint() == 20.0
    at(twin, 20.0)
    assert mfc.read_flow() < 0.1
    valve.write_open(True)
    assert valve.read_open() is True
    at(twin, 40.0)
    assert mfc.read_flow() == pytest.approx(20.0, rel=0.02)


def test_pressure_controller_zero_means_throttle_open(twin: Twin) -> None:
    pc = SimPressureController(twin)
    pc.write_setpoint(3.0)
    assert pc.read_setpoint() == 3.0 and twin.pressure_setpoint_torr == 3.0
    pc.write_setpoint(0.0)
    assert pc.read_setpoint() == 0.0 and twin.pressure_setpoint_torr is None
    assert SimPressureGauge(twin).read_pressure() == pytest.approx(760.0, rel=0.05)


def test_spectrometer_integrates_on_the_station_clock(twin: Twin, clock: FakeClock) -> None:
    spectrometer = SimSpectrometer(twin)
    wavelengths = spectrometer.wavelengths()
    assert wavelengths.shape == (2048,)
    assert np.all(np.diff(wavelengths) > 0)
    spectrometer.integration_time_micros(2_500_000)
    before = clock.now
    counts = spectrometer.intensities()
    assert clock.now - before == pytest.approx(2.5)
    assert counts.shape == (2048,) and np.all(np.isfinite(counts))
    wavelengths[:] = 0  # a copy: the driver keeps its own axis
    assert np.all(spectrometer.wavelengths() > 0)
    with pytest.raises(ValueError, match="integration time"):
        spectrometer.integration_time_micros(0)


def test_stage_and_loader(twin: Twin) -> None:
    stage, loader = SimStage(twin), SimLoader(twin)
    stage.move_to(1.5, -2.0)
    assert stage.read_position() == (1.5, -2.0) == twin.stage_mm
    assert loader.read_substrate() == ""
    loader.load("Cu")
    assert loader.read_substrate() == "Cu" and twin.samples_loaded == 1


def test_data_logger_driver(twin: Twin) -> None:
    logger = SimDataLogger(twin)
    fields = logger.fields()
    assert fields["temperature_c"] == "degC" and fields["pressure_torr"] == "Torr"
    assert {"ar_sccm", "h2_sccm", "ch4_sccm"} <= set(fields)
    at(twin, 1.0)
    logger.start(5.0)
    at(twin, 21.0)
    logger.stop()
    at(twin, 60.0)
    samples = logger.drain()
    assert [t for t, _ in samples] == pytest.approx([5.0, 10.0, 15.0, 20.0])
    assert all(set(values) == set(fields) for _, values in samples)
    assert logger.drain() == []


def test_a_paused_sim_clock_stands_still_and_then_runs_on_from_where_it_stopped() -> None:
    clock = SimClock(speedup=1000.0)
    with clock.paused():
        stopped = clock.time()
        time.sleep(0.05)  # 50 simulated seconds if it ran
        with clock.paused():  # pauses nest
            time.sleep(0.01)
        assert clock.time() == stopped
    assert stopped <= clock.time() < stopped + 40.0


def test_a_twin_far_behind_its_clock_catches_up_with_the_clock_paused() -> None:
    """On a loaded host the twin can fall behind its accelerated clock; integrating the backlog must not let the
    clock run on (else every read integrates a longer backlog and the simulation never catches up)."""
    clock = SimClock(speedup=1e5)
    twin = Twin(GrapheneWorld.draw(0), clock)
    time.sleep(0.2)  # 20 000 simulated seconds nobody integrated
    behind = clock.time()  # the twin was integrated up to about 0
    started = time.monotonic()
    present = twin.advance()
    integrating_s = time.monotonic() - started
    assert behind > CATCH_UP_S and present >= behind
    assert clock.time() - present < 0.5 * integrating_s * clock.speedup  # the clock stood still meanwhile
