"""Tube furnace: a heater under a temperature controller."""

from __future__ import annotations

from typing import Any

from ophyd import Component as Cpt
from ophyd import Device
from ophyd.status import Status

from devices.interfaces import Clock, TemperatureController
from devices.limits import check_range
from devices.signals import DriverSignal
from devices.status import settle_status

RATE_MARGIN = 3.0  # the tube moves toward a setpoint at most this many times its ramp rate (the twin: ≤ 1.8×)


class TubeFurnace(Device):
    """`set(t)` moves the setpoint; its Status finishes when the tube is within tolerance and stable."""

    temperature = Cpt(DriverSignal, read="read_pv", units="degC", kind="hinted")
    setpoint = Cpt(DriverSignal, read="read_setpoint", units="degC", kind="normal")
    output = Cpt(DriverSignal, read="read_output_pct", units="%", kind="normal")
    heater = Cpt(DriverSignal, read="read_heater", write="write_heater", kind="normal")
    ramp_rate = Cpt(DriverSignal, read="read_ramp_rate", write="write_ramp_rate", units="degC/min", kind="config")

    def __init__(self, driver: TemperatureController, *, clock: Clock, max_c: float, max_ramp_c_per_min: float,
                 tolerance_c: float = 2.0, settle_s: float = 30.0, name: str = "furnace", **kwargs: Any) -> None:
        self.driver = driver
        self.clock = clock
        self.max_c = max_c
        self.max_ramp_c_per_min = max_ramp_c_per_min
        self.tolerance_c = tolerance_c
        self.settle_s = settle_s
        super().__init__(name=name, **kwargs)

    def check_write(self, attr: str, value: float) -> None:
        """Refuse ramp rates beyond the station's cap (switching the heater is always allowed)."""
        if attr == "ramp_rate":
            check_range(self.name, "ramp rate", value, 0.1, self.max_ramp_c_per_min, "°C/min")

    def set(self, value: float) -> Status:
        """Move to `value` °C at the configured ramp rate; done when within tolerance for `settle_s`."""
        target = check_range(self.name, "setpoint", value, 0.0, self.max_c, "°C")
        self.driver.write_setpoint(target)
        self.heater.put(True)
        ramp = self.driver.read_ramp_rate()  # °C/min; 0: no ramp, the controller steps its setpoint
        travel_s = abs(target - self.driver.read_pv()) / max(ramp, 0.1) * 60.0
        return settle_status(self, self.driver.read_pv, target, self.tolerance_c, self.settle_s, self.clock,
                             timeout_s=1.5 * travel_s + 1800.0,
                             max_rate=RATE_MARGIN * ramp / 60.0 if ramp > 0 else None)

    def stop(self, *, success: bool = False) -> None:
        """Hold the present temperature, never raising the setpoint (RunEngine stop/pause/suspend); the safe
        state turns the heater off."""
        self.driver.write_setpoint(min(self.driver.read_pv(), self.driver.read_setpoint(), self.max_c))
