"""Gas handling: mass-flow controllers, on/off valves, the vacuum gauge and the pressure controller."""

from __future__ import annotations

from typing import Any

from ophyd import Component as Cpt
from ophyd import Device
from ophyd.status import Status

from devices.interfaces import Clock, FlowController, PressureController, PressureReader, Valve
from devices.limits import check_range
from devices.signals import DriverSignal
from devices.status import done_status, settle_status


class MassFlowController(Device):
    """`set(sccm)`: done when the flow is within tolerance of the setpoint for `settle_s`."""

    flow = Cpt(DriverSignal, read="read_flow", units="sccm", kind="hinted")
    setpoint = Cpt(DriverSignal, read="read_setpoint", units="sccm", kind="normal")

    def __init__(self, driver: FlowController, *, clock: Clock, gas: str, full_scale_sccm: float, flammable: bool,
                 settle_s: float = 2.0, name: str, **kwargs: Any) -> None:
        self.driver = driver
        self.clock = clock
        self.gas = gas
        self.full_scale_sccm = full_scale_sccm
        self.flammable = flammable
        self.settle_s = settle_s
        super().__init__(name=name, **kwargs)

    def set(self, value: float) -> Status:
        """Set the flow (sccm), within 0 … full scale."""
        sccm = check_range(self.name, "flow", value, 0.0, self.full_scale_sccm, "sccm")
        self.driver.write_setpoint(sccm)
        tolerance = max(0.01 * self.full_scale_sccm, 0.05)
        return settle_status(self, self.driver.read_flow, sccm, tolerance, self.settle_s, self.clock, timeout_s=60.0)

    def stop(self, *, success: bool = False) -> None:
        """Flammable flows stop when the RunEngine stops; inert ones keep flowing."""
        if self.flammable:
            self.driver.write_setpoint(0.0)


class GasValve(Device):
    """An on/off valve; `set(True)` opens it."""

    open = Cpt(DriverSignal, read="read_open", kind="normal")

    def __init__(self, driver: Valve, *, line: str, name: str, **kwargs: Any) -> None:
        self.driver = driver
        self.line = line
        super().__init__(name=name, **kwargs)

    def set(self, value: bool) -> Status:
        """Open (True) or close (False)."""
        self.driver.write_open(bool(value))
        return done_status(self)


class PressureGauge(Device):
    """A vacuum gauge (read only)."""

    pressure = Cpt(DriverSignal, read="read_pressure", units="Torr", kind="hinted")

    def __init__(self, driver: PressureReader, *, name: str = "gauge", **kwargs: Any) -> None:
        self.driver = driver
        super().__init__(name=name, **kwargs)


class TubePressureController(Device):
    """A throttle-valve pressure controller: `set(torr)` done when within 5 % for `settle_s`; 0 = fully open."""

    pressure = Cpt(DriverSignal, read="read_pressure", units="Torr", kind="normal")
    setpoint = Cpt(DriverSignal, read="read_setpoint", units="Torr", kind="normal")

    def __init__(self, driver: PressureController, *, clock: Clock, max_torr: float, settle_s: float = 10.0,
                 name: str = "pressure", **kwargs: Any) -> None:
        self.driver = driver
        self.clock = clock
        self.max_torr = max_torr
        self.settle_s = settle_s
        super().__init__(name=name, **kwargs)

    def set(self, value: float) -> Status:
        """Regulate to `value` Torr (0 opens the throttle fully and finishes at once)."""
        torr = check_range(self.name, "pressure setpoint", value, 0.0, self.max_torr, "Torr")
        self.driver.write_setpoint(torr)
        if torr == 0:
            return done_status(self)
        return settle_status(self, self.driver.read_pressure, torr, 0.05 * torr, self.settle_s, self.clock,
                             timeout_s=600.0)
