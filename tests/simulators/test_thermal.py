"""Tube-furnace thermal model: ramp-limited setpoint, PI(+feedforward) control, heat loss when off."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from simulators.thermal import FurnaceModel, FurnaceState, furnace_step, ramp_setpoint

MODEL = FurnaceModel()


def run(state: FurnaceState, seconds: float, dt_s: float = 1.0) -> tuple[FurnaceState, np.ndarray]:
    """Integrate for `seconds`; returns the final state and rows of (t, working, tube, element, output)."""
    rows = []
    t = 0.0
    for _ in range(round(seconds / dt_s)):
        state = furnace_step(state, MODEL, dt_s)
        t += dt_s
        rows.append((t, state.working_setpoint_c, state.tube_c, state.element_c, state.output_pct))
    return state, np.array(rows)


def heat(target_c: float, ramp_c_per_min: float, seconds: float) -> tuple[FurnaceState, np.ndarray]:
    return run(replace(FurnaceState.cold(MODEL, ramp_c_per_min), target_c=target_c), seconds)


@pytest.fixture(scope="module")
def to_1065() -> tuple[FurnaceState, np.ndarray]:
    """Three hours after asking a cold furnace for 1065 °C at 20 °C/min."""
    return heat(1065.0, 20.0, 3 * 3600)


# ---- ramp_setpoint ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("working", "target", "ramp", "dt", "expected"), [
    (25.0, 1000.0, 20.0, 1.0, 25.0 + 20.0 / 60.0),
    (25.0, 1000.0, 20.0, 3.0, 26.0),
    (500.0, 100.0, 30.0, 2.0, 499.0),  # ramps down as well
    (999.9, 1000.0, 20.0, 1.0, 1000.0),  # never past the target going up
    (100.1, 100.0, 20.0, 1.0, 100.0),  # nor going down
    (25.0, 1000.0, 0.0, 1.0, 1000.0),  # 0 = no rate limit
    (400.0, 400.0, 20.0, 1.0, 400.0),
])
def test_ramp_setpoint(working: float, target: float, ramp: float, dt: float, expected: float) -> None:
    assert ramp_setpoint(working, target, ramp, dt) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("ramp", [5.0, 20.0, 25.0])
@pytest.mark.parametrize("dt", [0.25, 1.0])
def test_working_setpoint_slope_is_the_configured_ramp_rate(ramp: float, dt: float) -> None:
    _, rows = run(replace(FurnaceState.cold(MODEL, ramp), target_c=1000.0), 600.0, dt)
    t, working = rows[:, 0], rows[:, 1]
    slope_c_per_min = np.diff(working) / np.diff(t) * 60.0
    np.testing.assert_allclose(slope_c_per_min, ramp, rtol=1e-9)
    assert working[-1] == pytest.approx(MODEL.ambient_c + ramp * 10.0)


def test_tube_follows_the_ramp_at_the_configured_rate(to_1065) -> None:
    _, rows = to_1065
    t, working, tube = rows[:, 0], rows[:, 1], rows[:, 2]
    ramping = (t >= 600) & (working < 1065.0 - 1e-9)
    slope = np.polyfit(t[ramping], tube[ramping], 1)[0] * 60.0
    assert slope == pytest.approx(20.0, rel=0.01)
    # and the tube tracks the working setpoint closely once the ramp is established
    assert np.max(np.abs(tube[ramping] - working[ramping])) < 3.0


def test_working_setpoint_reaches_target_after_travel_time(to_1065) -> None:
    _, rows = to_1065
    reached = rows[np.argmax(rows[:, 1] >= 1065.0), 0]
    assert reached == pytest.approx((1065.0 - MODEL.ambient_c) / 20.0 * 60.0, abs=1.0)


def test_steady_state_at_the_target(to_1065) -> None:
    final, rows = to_1065
    assert final.tube_c == pytest.approx(1065.0, abs=0.05)
    assert final.element_c == pytest.approx(1065.0, abs=0.5)
    assert final.working_setpoint_c == 1065.0
    # holding 1065 °C against losses takes a finite, unsaturated output
    assert 0.0 < final.output_pct < 100.0
    last_hour = rows[rows[:, 0] > 2 * 3600]
    assert np.ptp(last_hour[:, 2]) < 0.5


def test_overshoot_below_5c_at_20c_per_min_to_1065(to_1065) -> None:
    _, rows = to_1065
    overshoot = rows[:, 2].max() - 1065.0
    assert 0.0 <= overshoot < 5.0


@pytest.mark.parametrize("ramp", [5.0, 10.0, 25.0])
def test_overshoot_bounded_at_other_ramp_rates(ramp: float) -> None:
    _, rows = heat(1065.0, ramp, (1065.0 - 25.0) / ramp * 60.0 + 1800.0)
    assert rows[:, 2].max() < 1065.0 + 5.0


def test_output_stays_within_0_and_100_percent(to_1065) -> None:
    _, rows = to_1065
    assert rows[:, 4].min() >= 0.0
    assert rows[:, 4].max() <= 100.0


def test_heater_off_cools_monotonically_toward_ambient(to_1065) -> None:
    hot, _ = to_1065
    off = replace(hot, manual=True, manual_output_pct=0.0)
    cooled, rows = run(off, 6 * 3600)
    tube = rows[:, 2]
    assert np.all(rows[:, 4] == 0.0)
    # explicit Euler: the first step may still see the element a hair above the tube
    assert np.all(np.diff(tube) <= 1e-6)
    assert np.all(tube >= MODEL.ambient_c)
    assert tube[3600] < 500.0  # an hour later it is well down
    assert cooled.tube_c == pytest.approx(MODEL.ambient_c, abs=1.0)


def test_manual_output_heats_without_the_controller() -> None:
    cold = replace(FurnaceState.cold(MODEL), manual=True, manual_output_pct=50.0, target_c=25.0)
    state, rows = run(cold, 3600.0)
    assert np.all(rows[:, 4] == 50.0)
    assert state.tube_c > 300.0  # 50 % of the element power, whatever the (ambient) setpoint says


def test_cold_furnace_is_at_ambient() -> None:
    state = FurnaceState.cold(MODEL, ramp_c_per_min=12.0)
    assert state.element_c == state.tube_c == state.working_setpoint_c == state.target_c == MODEL.ambient_c
    assert state.ramp_c_per_min == 12.0
    assert not state.manual
    # nothing asked, nothing happens
    after, _ = run(state, 600.0)
    assert after.tube_c == pytest.approx(MODEL.ambient_c, abs=1e-6)
