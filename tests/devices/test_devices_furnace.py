"""TubeFurnace: limits before the driver, ramp-rate cap, settle semantics on the accelerated twin."""

from __future__ import annotations

import math
import threading

import pytest
from devices_fakes import FakeClock, FakeTemperatureController, wait_in_clock

from devices.furnace import TubeFurnace
from devices.limits import LimitError
from simulators.clock import VirtualClock
from simulators.drivers import SimTemperatureController
from simulators.twin import Twin


def furnace_on(driver, clock, **kwargs) -> TubeFurnace:
    settings = {"max_c": 1080.0, "max_ramp_c_per_min": 25.0, "tolerance_c": 2.0, "settle_s": 30.0, **kwargs}
    return TubeFurnace(driver, clock=clock, **settings)


# ---- against a recording fake driver ------------------------------------------------------------------

@pytest.mark.parametrize("value", [1080.01, 1500.0, -1.0, math.nan, math.inf])
def test_setpoint_outside_limits_raises_before_the_driver_is_called(value: float, fake_clock: FakeClock) -> None:
    driver = FakeTemperatureController()
    furnace = furnace_on(driver, fake_clock)
    driver.calls.clear()
    with pytest.raises(LimitError, match=r"furnace: setpoint .* outside the limits \[0, 1080\] °C"):
        furnace.set(value)
    assert driver.calls == []
    assert driver.heater is False and driver.setpoint == 25.0


def test_setpoint_at_the_limit_writes_setpoint_then_heater(fake_clock: FakeClock) -> None:
    driver = FakeTemperatureController()
    furnace = furnace_on(driver, fake_clock, settle_s=5.0)
    status = furnace.set(1080)
    status.wait(timeout=5)
    assert status.success
    assert driver.writes() == [("write_setpoint", (1080.0,)), ("write_heater", (True,))]
    assert fake_clock.now >= 5.0  # it held the tolerance for settle_s of clock time


@pytest.mark.parametrize("rate", [25.01, 50.0, 0.05, 0.0, -5.0, math.nan])
def test_ramp_rate_writes_beyond_the_cap_are_refused(rate: float, fake_clock: FakeClock) -> None:
    driver = FakeTemperatureController(ramp=10.0)
    furnace = furnace_on(driver, fake_clock)
    with pytest.raises(LimitError, match="furnace: ramp rate"):
        furnace.ramp_rate.put(rate)
    assert driver.writes() == []
    assert furnace.ramp_rate.get() == 10.0


def test_ramp_rate_set_through_the_status_interface_is_refused_too(fake_clock: FakeClock) -> None:
    driver = FakeTemperatureController(ramp=10.0)
    furnace = furnace_on(driver, fake_clock)
    status = furnace.ramp_rate.set(30.0)
    with pytest.raises(LimitError):
        status.wait(timeout=5)
    assert driver.writes() == []


@pytest.mark.parametrize("rate", [0.1, 12.5, 25.0])
def test_ramp_rate_within_the_cap_reaches_the_driver(rate: float, fake_clock: FakeClock) -> None:
    driver = FakeTemperatureController()
    furnace = furnace_on(driver, fake_clock)
    furnace.ramp_rate.put(rate)
    assert driver.writes() == [("write_ramp_rate", (rate,))]
    assert furnace.read_configuration()["furnace_ramp_rate"]["value"] == rate


def test_heater_switch_is_always_allowed(fake_clock: FakeClock) -> None:
    driver = FakeTemperatureController()
    furnace = furnace_on(driver, fake_clock)
    furnace.heater.put(True)
    furnace.heater.put(False)
    assert driver.writes() == [("write_heater", (True,)), ("write_heater", (False,))]


@pytest.mark.parametrize(("pv", "held"), [(432.1, 432.1), (1200.0, 1080.0)])
def test_stop_holds_the_present_temperature_within_the_cap(pv: float, held: float, fake_clock: FakeClock) -> None:
    driver = FakeTemperatureController(pv=pv)
    driver.follow = False
    furnace = furnace_on(driver, fake_clock)
    furnace.stop()
    assert driver.writes() == [("write_setpoint", (held,))]


# ---- on the accelerated twin --------------------------------------------------------------------------------

class Watched:
    """The simulated controller with every process-value reading logged against the clock."""

    def __init__(self, twin: Twin, clock: VirtualClock) -> None:
        self.driver = SimTemperatureController(twin)
        self.clock = clock
        self.readings: list[tuple[float, float]] = []
        self.lock = threading.Lock()
        original = self.driver.read_pv

        def read_pv() -> float:
            value = original()
            with self.lock:
                self.readings.append((clock.time(), value))
            return value

        self.driver.read_pv = read_pv


def test_set_finishes_only_after_the_tube_held_tolerance_for_settle_s(twin: Twin, sim_clock: VirtualClock) -> None:
    watched = Watched(twin, sim_clock)
    furnace = furnace_on(watched.driver, sim_clock)
    furnace.ramp_rate.put(25.0)
    finished: list[tuple[float, float]] = []
    start = sim_clock.time()
    status = furnace.set(600.0)
    status.add_callback(lambda _st: finished.append((sim_clock.time(), twin.furnace.tube_c)))
    wait_in_clock(status, sim_clock)
    assert status.success
    done_at, tube_at_done = finished[0]

    # the ramp alone takes (600 − 25) / 25 min
    assert done_at - start >= (600.0 - 25.0) / 25.0 * 60.0
    assert abs(tube_at_done - 600.0) <= 2.0 + 1.0  # tolerance plus thermocouple noise
    assert furnace.heater.get() is True
    assert furnace.setpoint.get() == 600.0

    with watched.lock:
        readings = [r for r in watched.readings if r[0] <= done_at]
    assert readings[0][1] < 100.0  # it started cold
    outside = [t for t, value in readings if abs(value - 600.0) > 2.0]
    streak = [(t, value) for t, value in readings if t > outside[-1]]
    assert streak, "it finished without a reading inside the tolerance"
    assert all(abs(value - 600.0) <= 2.0 for _, value in streak)
    assert done_at - streak[0][0] >= 30.0


def test_set_from_a_cold_furnace_turns_the_heater_on(twin: Twin, sim_clock: VirtualClock) -> None:
    driver = SimTemperatureController(twin)
    driver.write_heater(False)
    furnace = furnace_on(driver, sim_clock, settle_s=0.0, tolerance_c=5.0)
    furnace.ramp_rate.put(25.0)
    status = furnace.set(100.0)
    assert twin.furnace.manual is False
    assert twin.furnace.target_c == 100.0
    wait_in_clock(status, sim_clock)
    assert abs(twin.furnace.tube_c - 100.0) < 6.0
