"""Gas-line dynamics: first-order MFCs, tube pressure against the pump, throttle regulation."""

from __future__ import annotations

import math
from itertools import pairwise

import pytest

from simulators.gas import TORR_L_PER_S_PER_SCCM, VacuumModel, mfc_step, pressure_step, pump_speed

VACUUM = VacuumModel()


# ---- mass-flow controllers -------------------------------------------------------------------------

def test_mfc_step_is_first_order_with_time_constant_tau() -> None:
    # after one tau a step response has covered 1 - 1/e of the way
    assert mfc_step(0.0, 100.0, True, tau_s=2.0, dt_s=2.0) == pytest.approx(100.0 * (1 - math.exp(-1)))
    assert mfc_step(80.0, 20.0, True, tau_s=1.5, dt_s=0.0) == pytest.approx(80.0)


def test_mfc_step_composes_exactly() -> None:
    """Exact for constant inputs: many small steps equal one big step."""
    flow = 3.0
    for _ in range(10):
        flow = mfc_step(flow, 50.0, True, tau_s=1.5, dt_s=0.3)
    assert flow == pytest.approx(mfc_step(3.0, 50.0, True, tau_s=1.5, dt_s=3.0), rel=1e-12)


def test_mfc_converges_monotonically_to_its_setpoint() -> None:
    flow, history = 0.0, []
    for _ in range(30):
        flow = mfc_step(flow, 42.0, True, tau_s=1.5, dt_s=1.0)
        history.append(flow)
    assert all(b > a for a, b in pairwise(history))
    assert all(f <= 42.0 for f in history)
    assert history[-1] == pytest.approx(42.0, abs=1e-6)


@pytest.mark.parametrize("setpoint", [0.0, 10.0, 500.0])
def test_closed_supply_takes_the_flow_to_zero_whatever_the_setpoint(setpoint: float) -> None:
    flow = 120.0
    for _ in range(30):
        flow = mfc_step(flow, setpoint, False, tau_s=1.5, dt_s=1.0)
        assert flow >= 0.0
    assert flow == pytest.approx(0.0, abs=1e-6)


# ---- pumping speed -----------------------------------------------------------------------------------

def test_closed_pump_valve_pumps_nothing() -> None:
    assert pump_speed(VACUUM, 100.0, 5.0, pump_open=False) == 0.0
    assert pump_speed(VACUUM, 100.0, None, pump_open=False) == 0.0


@pytest.mark.parametrize("setpoint", [None, 0.0, -1.0])
def test_no_pressure_setpoint_opens_the_throttle_fully(setpoint: float | None) -> None:
    assert pump_speed(VACUUM, 100.0, setpoint, pump_open=True) == VACUUM.pump_speed_l_per_s


def test_throttle_regulates_to_the_speed_that_holds_the_setpoint() -> None:
    speed = pump_speed(VACUUM, 100.0, 5.0, pump_open=True)
    expected = (100.0 * TORR_L_PER_S_PER_SCCM + VACUUM.leak_torr_l_per_s) / 5.0
    assert speed == pytest.approx(expected)
    assert VACUUM.min_pump_speed_l_per_s < speed < VACUUM.pump_speed_l_per_s


def test_throttle_is_limited_by_the_pump_and_the_valve_seat() -> None:
    # so much gas that even the open throttle cannot hold 0.01 Torr
    assert pump_speed(VACUUM, 500.0, 0.01, pump_open=True) == VACUUM.pump_speed_l_per_s
    # so little gas that the closed throttle still pumps too fast for 700 Torr
    assert pump_speed(VACUUM, 0.0, 700.0, pump_open=True) == VACUUM.min_pump_speed_l_per_s


@pytest.mark.parametrize(("inflow", "setpoint"), [(100.0, 5.0), (20.0, 1.0), (200.0, 20.0), (5.0, 0.2)])
def test_regulated_tube_settles_at_the_setpoint(inflow: float, setpoint: float) -> None:
    pressure = VACUUM.atmosphere_torr
    for _ in range(1200):
        speed = pump_speed(VACUUM, inflow, setpoint, pump_open=True)
        pressure = pressure_step(pressure, inflow, speed, VACUUM, 1.0)
    assert pressure == pytest.approx(setpoint, rel=1e-6)


# ---- tube pressure -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("inflow", "speed"), [(100.0, 20.0), (10.0, 0.5), (500.0, 2.0)])
def test_pressure_equilibrium_is_load_over_speed(inflow: float, speed: float) -> None:
    load = inflow * TORR_L_PER_S_PER_SCCM + VACUUM.leak_torr_l_per_s
    assert pressure_step(760.0, inflow, speed, VACUUM, 1e5) == pytest.approx(load / speed)
    assert pressure_step(1e-3, inflow, speed, VACUUM, 1e5) == pytest.approx(load / speed)


def test_pressure_relaxes_with_time_constant_volume_over_speed() -> None:
    equilibrium = (100.0 * TORR_L_PER_S_PER_SCCM + VACUUM.leak_torr_l_per_s) / 2.0
    tau = VACUUM.volume_l / 2.0
    after = pressure_step(10.0, 100.0, 2.0, VACUUM, tau)
    assert after == pytest.approx(equilibrium + (10.0 - equilibrium) / math.e)


def test_pressure_step_composes_exactly() -> None:
    p = 760.0
    for _ in range(8):
        p = pressure_step(p, 50.0, 1.0, VACUUM, 0.125)
    assert p == pytest.approx(pressure_step(760.0, 50.0, 1.0, VACUUM, 1.0), rel=1e-12)


def test_pumping_without_gas_stops_at_the_ultimate_pressure() -> None:
    # the leak alone would give 1e-6 Torr; the pump cannot get below its base pressure
    p = pressure_step(760.0, 0.0, VACUUM.pump_speed_l_per_s, VACUUM, 1e4)
    assert p == pytest.approx(VACUUM.ultimate_torr)


def test_closed_pump_pressure_rises_at_leak_rate_over_volume() -> None:
    rate = VACUUM.leak_torr_l_per_s / VACUUM.volume_l
    p = pressure_step(0.05, 0.0, 0.0, VACUUM, 60.0)
    assert p - 0.05 == pytest.approx(rate * 60.0)
    leaky = VacuumModel(leak_torr_l_per_s=0.5, volume_l=2.0)
    assert pressure_step(1.0, 0.0, 0.0, leaky, 10.0) == pytest.approx(1.0 + 0.25 * 10.0)


def test_closed_pump_with_flow_fills_at_gas_load_over_volume() -> None:
    p = pressure_step(0.05, 100.0, 0.0, VACUUM, 1.0)
    load = 100.0 * TORR_L_PER_S_PER_SCCM + VACUUM.leak_torr_l_per_s
    assert p == pytest.approx(0.05 + load / VACUUM.volume_l)


def test_closed_pump_never_rises_above_atmosphere() -> None:
    p = 0.05
    for _ in range(200):
        p = pressure_step(p, 500.0, 0.0, VACUUM, 1.0)
        assert p <= VACUUM.atmosphere_torr
    assert p == VACUUM.atmosphere_torr
    assert pressure_step(759.9, 500.0, 0.0, VACUUM, 1e6) == VACUUM.atmosphere_torr
