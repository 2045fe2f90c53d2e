"""settle_status, driver-backed signals and hard limits."""

from __future__ import annotations

import math

import pytest
from devices_fakes import FakeClock, FakeTemperatureController
from ophyd.utils import ReadOnlyError

from devices.furnace import TubeFurnace
from devices.limits import LimitError, check_range
from devices.status import MAX_SKIP_S, done_status, settle_status


class Scripted:
    """A reader returning scripted values (the last one forever), noting the clock time of each read."""

    def __init__(self, values: list[float], clock: FakeClock) -> None:
        self.values = list(values)
        self.clock = clock
        self.read_at: list[float] = []

    def __call__(self) -> float:
        self.read_at.append(self.clock.now)
        return self.values.pop(0) if len(self.values) > 1 else self.values[0]


@pytest.fixture
def device(fake_clock: FakeClock) -> TubeFurnace:
    return TubeFurnace(FakeTemperatureController(), clock=fake_clock, max_c=1080.0, max_ramp_c_per_min=25.0)


def test_settle_status_finishes_only_after_holding_tolerance_for_settle_s(device, fake_clock: FakeClock) -> None:
    #         t=0    1      2      3 (out: restart)  4      5      6      7
    reader = Scripted([150.0, 199.0, 201.5, 203.0, 200.0, 200.5, 198.5, 200.0, 200.0], fake_clock)
    status = settle_status(device, reader, 200.0, tolerance=2.0, settle_s=3.0, clock=fake_clock, timeout_s=100.0)
    status.wait(timeout=5)
    assert status.success
    # the streak that began at t=2 broke at t=3; the one from t=4 has held 3 s at t=7
    assert reader.read_at == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]


def test_settle_status_with_zero_settle_time_finishes_on_the_first_good_reading(device, fake_clock) -> None:
    reader = Scripted([0.0, 10.0, 49.9, 50.0], fake_clock)
    status = settle_status(device, reader, 50.0, tolerance=0.5, settle_s=0.0, clock=fake_clock, timeout_s=100.0,
                           poll_s=2.0)
    status.wait(timeout=5)
    assert reader.read_at == [0.0, 2.0, 4.0]


def test_settle_status_fails_with_the_readers_exception(device, fake_clock) -> None:
    def broken() -> float:
        raise ConnectionError("controller not responding")

    status = settle_status(device, broken, 1.0, 0.1, 1.0, fake_clock, timeout_s=100.0)
    with pytest.raises(ConnectionError, match="not responding"):
        status.wait(timeout=5)
    assert status.done and not status.success


def test_settle_status_times_out_after_timeout_s_clock_seconds(device, fake_clock) -> None:
    reader = Scripted([0.0], fake_clock)  # never gets there
    status = settle_status(device, reader, 100.0, 1.0, 1.0, fake_clock, timeout_s=10.0)
    with pytest.raises(Exception):  # noqa: B017 - the kind of timeout error is not the point
        status.wait(timeout=5)
    assert len(reader.read_at) <= 12
    assert fake_clock.now <= 12.0


class Ramp:
    """A reading that moves from `start` toward `target` at `rate` per clock second (then holds), noting reads."""

    def __init__(self, start: float, target: float, rate: float, clock: FakeClock) -> None:
        self.start, self.target, self.rate, self.clock = start, target, rate, clock
        self.read_at: list[float] = []

    def __call__(self) -> float:
        self.read_at.append(self.clock.now)
        step = self.rate * self.clock.now
        return min(self.target, self.start + step) if self.target > self.start else max(self.target, self.start - step)


@pytest.mark.parametrize("start", [25.0, 1000.0])  # heating, and cooling to a lower setpoint
def test_a_rate_bound_skips_the_polls_that_cannot_settle_and_finishes_at_the_same_poll(device, start) -> None:
    """A 20 °C/min ramp over 975 °C: with the bound (3× the ramp) the status reads under a hundred times instead of
    ~3000 (89: a minute at most per skip), and finishes at the same clock second as with every poll taken."""
    finished = {}
    for bound in (None, 3 * 20.0 / 60.0):
        clock = FakeClock()
        reader = Ramp(start, 1000.0 if start < 1000.0 else 25.0, 20.0 / 60.0, clock)
        status = settle_status(device, reader, reader.target, tolerance=2.0, settle_s=30.0, clock=clock,
                               timeout_s=6000.0, max_rate=bound)
        status.wait(timeout=5)
        assert status.success
        finished[bound] = (clock.now, len(reader.read_at))
    (every_poll, reads), (bounded, fewer) = finished.values()
    assert bounded == every_poll and reads > 2900 and fewer < 100


def test_a_reading_faster_than_its_bound_is_found_at_most_a_skip_late(device, fake_clock) -> None:
    """A bound that does not hold (the reading jumps to the target) costs at most `MAX_SKIP_S` of waiting."""
    reader = Scripted([0.0, 500.0], fake_clock)  # within tolerance from the second read on
    status = settle_status(device, reader, 500.0, tolerance=1.0, settle_s=0.0, clock=fake_clock, timeout_s=6000.0,
                           max_rate=0.01)
    status.wait(timeout=5)
    assert reader.read_at == [0.0, MAX_SKIP_S]


def test_a_furnace_bounds_how_fast_it_can_settle_by_three_times_its_ramp_rate(fake_clock) -> None:
    """A tube stuck at 25 °C under a 20 °C/min ramp to 800 °C is read once a minute (the bound, 1 °C/s, puts the
    setpoint more than a minute away) until the status times out, not once a second."""
    controller = FakeTemperatureController(pv=25.0, ramp=20.0)
    controller.follow = False
    furnace = TubeFurnace(controller, clock=fake_clock, max_c=1080.0, max_ramp_c_per_min=25.0)
    status = furnace.set(800.0)
    with pytest.raises(TimeoutError):
        status.wait(timeout=5)
    timeout_s = 1.5 * 775.0 / 20.0 * 60.0 + 1800.0
    reads = sum(method == "read_pv" for method, _ in controller.calls)
    assert timeout_s / MAX_SKIP_S < reads < timeout_s / MAX_SKIP_S + 5


def test_done_status_is_finished(device) -> None:
    status = done_status(device)
    assert status.done and status.success
    assert status.obj is device


# ---- limits -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("value", [0.0, 5.0, 10.0, "7.5", 3])
def test_check_range_accepts_values_within_bounds_as_float(value) -> None:
    result = check_range("dev", "thing", value, 0.0, 10.0, "u")
    assert isinstance(result, float) and result == float(value)


@pytest.mark.parametrize("value", [-1e-9, 10.000001, math.nan, math.inf, -math.inf])
def test_check_range_refuses_values_outside_bounds(value: float) -> None:
    with pytest.raises(LimitError) as info:
        check_range("furnace", "setpoint", value, 0.0, 10.0, "°C")
    message = str(info.value)
    assert message.startswith("furnace: setpoint")
    assert "[0, 10] °C" in message
    assert isinstance(info.value, ValueError)


# ---- driver signals -------------------------------------------------------------------------------------

def test_driver_signals_read_through_the_driver_every_time(fake_clock) -> None:
    driver = FakeTemperatureController(pv=321.0)
    driver.follow = False
    furnace = TubeFurnace(driver, clock=fake_clock, max_c=1080.0, max_ramp_c_per_min=25.0)
    assert furnace.temperature.get() == 321.0
    driver.pv = 322.5
    assert furnace.temperature.get() == 322.5
    reading = furnace.read()
    assert reading["furnace_temperature"]["value"] == 322.5
    assert furnace.describe()["furnace_temperature"]["units"] == "degC"
    assert furnace.describe_configuration()["furnace_ramp_rate"]["units"] == "degC/min"


@pytest.mark.parametrize("signal", ["temperature", "setpoint", "output"])
def test_read_only_driver_signals_refuse_writes(fake_clock, signal: str) -> None:
    driver = FakeTemperatureController()
    furnace = TubeFurnace(driver, clock=fake_clock, max_c=1080.0, max_ramp_c_per_min=25.0)
    with pytest.raises(ReadOnlyError):
        getattr(furnace, signal).put(100.0)
    assert driver.writes() == []
