"""Gas handling devices: MFC limits and settling, valves, gauge, throttle pressure controller."""

from __future__ import annotations

import math

import pytest
from devices_fakes import FakeClock, FakeFlowController, FakePressureController, wait_in_clock

from devices.gas import GasValve, MassFlowController, PressureGauge, TubePressureController
from devices.limits import LimitError
from simulators.clock import VirtualClock
from simulators.drivers import SimFlowController, SimPressureController, SimPressureGauge, SimValve
from simulators.twin import PUMP_VALVE, Twin


def mfc_on(driver, clock, *, gas: str = "CH4", full_scale: float = 50.0, flammable: bool = True) -> MassFlowController:
    return MassFlowController(driver, clock=clock, gas=gas, full_scale_sccm=full_scale, flammable=flammable,
                              name=f"mfc_{gas.lower()}")


# ---- mass-flow controllers ------------------------------------------------------------------------------

@pytest.mark.parametrize("sccm", [50.001, 100.0, -0.1, math.nan])
def test_mfc_set_beyond_full_scale_is_refused(sccm: float, fake_clock: FakeClock) -> None:
    driver = FakeFlowController()
    mfc = mfc_on(driver, fake_clock)
    with pytest.raises(LimitError, match=r"mfc_ch4: flow .* outside the limits \[0, 50\] sccm"):
        mfc.set(sccm)
    assert driver.calls == []


@pytest.mark.parametrize("sccm", [0.0, 12.5, 50.0])
def test_mfc_set_within_range_writes_and_settles(sccm: float, fake_clock: FakeClock) -> None:
    driver = FakeFlowController()
    mfc = mfc_on(driver, fake_clock)
    status = mfc.set(sccm)
    status.wait(timeout=5)
    assert status.success
    assert driver.calls == [("write_setpoint", (sccm,))]
    assert fake_clock.now >= mfc.settle_s


def test_mfc_settles_on_the_twin_only_once_the_line_is_open(twin: Twin, sim_clock: VirtualClock) -> None:
    mfc = mfc_on(SimFlowController(twin, "H2"), sim_clock, gas="H2", full_scale=100.0)
    GasValve(SimValve(twin, "H2"), line="H2", name="valve_h2").set(True)
    status = mfc.set(40.0)
    wait_in_clock(status, sim_clock)
    assert status.success
    assert twin.flows["H2"] == pytest.approx(40.0, abs=1.0)  # within 1 % of full scale
    assert mfc.setpoint.get() == 40.0
    assert mfc.flow.get() == pytest.approx(40.0, abs=1.5)
    assert mfc.describe()["mfc_h2_flow"]["units"] == "sccm"


@pytest.mark.parametrize(("flammable", "written"), [(True, [("write_setpoint", (0.0,))]), (False, [])])
def test_mfc_stop_shuts_off_only_flammable_gases(flammable: bool, written: list, fake_clock: FakeClock) -> None:
    driver = FakeFlowController()
    driver.setpoint = 20.0
    mfc = mfc_on(driver, fake_clock, gas="H2" if flammable else "Ar", full_scale=100.0, flammable=flammable)
    mfc.stop()
    assert driver.calls == written


# ---- valves and gauges -------------------------------------------------------------------------------------

def test_valve_set_opens_and_closes_at_once(twin: Twin) -> None:
    valve = GasValve(SimValve(twin, PUMP_VALVE), line=PUMP_VALVE, name="valve_pump")
    status = valve.set(True)
    assert status.done and status.success
    assert twin.valves[PUMP_VALVE] is True and valve.open.get() is True
    valve.set(0)
    assert twin.valves[PUMP_VALVE] is False
    assert valve.read()["valve_pump_open"]["value"] is False


def test_gauge_reads_the_tube_pressure(twin: Twin) -> None:
    gauge = PressureGauge(SimPressureGauge(twin))
    assert gauge.pressure.get() == pytest.approx(760.0, rel=0.03)
    assert gauge.describe()["gauge_pressure"]["units"] == "Torr"
    assert gauge.hints == {"fields": ["gauge_pressure"]}


# ---- pressure controller --------------------------------------------------------------------------------------

@pytest.mark.parametrize("torr", [20.01, 760.0, -1.0, math.inf])
def test_pressure_setpoint_beyond_max_is_refused(torr: float, fake_clock: FakeClock) -> None:
    driver = FakePressureController()
    controller = TubePressureController(driver, clock=fake_clock, max_torr=20.0)
    with pytest.raises(LimitError, match="pressure: pressure setpoint"):
        controller.set(torr)
    assert driver.calls == []


def test_pressure_setpoint_zero_opens_the_throttle_and_finishes_at_once(twin: Twin, sim_clock: VirtualClock) -> None:
    controller = TubePressureController(SimPressureController(twin), clock=sim_clock, max_torr=20.0)
    twin.set_pressure_setpoint(5.0)
    status = controller.set(0.0)
    assert status.done and status.success
    assert twin.pressure_setpoint_torr is None
    assert controller.setpoint.get() == 0.0


def test_pressure_controller_regulates_the_tube(twin: Twin, sim_clock: VirtualClock) -> None:
    for line in ("Ar", PUMP_VALVE):
        twin.set_valve(line, True)
    twin.set_flow("Ar", 100.0)
    controller = TubePressureController(SimPressureController(twin), clock=sim_clock, max_torr=20.0)
    status = controller.set(5.0)
    wait_in_clock(status, sim_clock)
    assert status.success
    assert twin.pressure_torr == pytest.approx(5.0, rel=0.05)
    assert controller.setpoint.get() == 5.0
