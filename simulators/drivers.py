"""Simulated drivers: each implements a `devices.interfaces` protocol on top of the twin."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from simulators.thermal import FurnaceState
from simulators.tmd_spectra import ANALYZERS
from simulators.twin import Twin
from simulators.worlds import GROWTH_ZONE


class SimTemperatureController:
    """A furnace zone's controller whose setpoint ramps at the configured rate (like Eurotherm's SP rate limit)."""

    def __init__(self, twin: Twin, zone: str = GROWTH_ZONE) -> None:
        if zone not in twin.zones:
            raise ValueError(f"the simulated furnace has no zone {zone!r} (zones: {', '.join(twin.zones)})")
        self.twin = twin
        self.zone = zone

    def _state(self) -> FurnaceState:
        self.twin.advance()
        return self.twin.zones[self.zone]

    def read_pv(self) -> float:
        return self.twin.read(f"temperature:{self.zone}")

    def read_setpoint(self) -> float:
        return self._state().target_c

    def write_setpoint(self, celsius: float) -> None:
        self.twin.update(self.zone, target_c=celsius)

    def read_ramp_rate(self) -> float:
        return self._state().ramp_c_per_min

    def write_ramp_rate(self, c_per_min: float) -> None:
        self.twin.update(self.zone, ramp_c_per_min=c_per_min)

    def read_output_pct(self) -> float:
        return self._state().output_pct

    def read_heater(self) -> bool:
        return not self._state().manual

    def write_heater(self, on: bool) -> None:
        if on == self.read_heater():
            return
        # Back to auto, the ramp restarts from the present temperature (bumpless transfer).
        self.twin.update(self.zone, manual=not on, manual_output_pct=0.0,
                         working_setpoint_c=self.twin.zones[self.zone].tube_c, integral=0.0)


class SimFlowController:
    """A mass-flow controller on one gas line."""

    def __init__(self, twin: Twin, gas: str) -> None:
        if gas not in twin.flows:
            raise ValueError(f"the simulated station has no {gas} line (lines: {', '.join(twin.flows)})")
        self.twin = twin
        self.gas = gas

    def read_flow(self) -> float:
        return self.twin.read(f"flow:{self.gas}")

    def read_setpoint(self) -> float:
        self.twin.advance()
        return self.twin.flow_setpoints[self.gas]

    def write_setpoint(self, sccm: float) -> None:
        self.twin.set_flow(self.gas, sccm)


class SimPressureGauge:
    """A vacuum gauge on the tube."""

    def __init__(self, twin: Twin) -> None:
        self.twin = twin

    def read_pressure(self) -> float:
        return self.twin.read("pressure")


class SimPressureController(SimPressureGauge):
    """A throttle-valve pressure controller; setpoint 0 means 'throttle fully open'."""

    def read_setpoint(self) -> float:
        self.twin.advance()
        return self.twin.pressure_setpoint_torr or 0.0

    def write_setpoint(self, torr: float) -> None:
        self.twin.set_pressure_setpoint(torr if torr > 0 else None)


class SimValve:
    """An on/off valve on a gas line or the pump line."""

    def __init__(self, twin: Twin, line: str) -> None:
        if line not in twin.valves:
            raise ValueError(f"the simulated station has no valve {line!r} (valves: {', '.join(twin.valves)})")
        self.twin = twin
        self.line = line

    def read_open(self) -> bool:
        self.twin.advance()
        return self.twin.valves[self.line]

    def write_open(self, is_open: bool) -> None:
        self.twin.set_valve(self.line, is_open)


class SimSpectrometer:
    """A spectrometer with the seabreeze `Spectrometer` API on one channel ("raman", "pl") of the twin's sample."""

    def __init__(self, twin: Twin, laser_nm: float = 532.0, channel: str = "raman") -> None:
        self.twin = twin
        self.laser_nm = laser_nm
        self.channel = channel
        self._wavelengths = twin.world.wavelengths(channel)
        self._integration_s = 1.0

    def integration_time_micros(self, integration_time_micros: int) -> None:
        if integration_time_micros <= 0:
            raise ValueError(f"integration time must be > 0 µs, got {integration_time_micros}")
        self._integration_s = integration_time_micros * 1e-6

    def wavelengths(self) -> np.ndarray:
        return self._wavelengths.copy()

    def intensities(self) -> np.ndarray:
        self.twin.clock.sleep(self._integration_s)
        return self.twin.world.counts(self.twin.spot(), self.channel, self._integration_s, self.twin.spectrum_rng(),
                                      self.laser_nm, analyzer=self.twin.analyzer_on(self.channel))


class SimAnalyzer:
    """The two-position analyzer in the Raman collection path."""

    def __init__(self, twin: Twin) -> None:
        self.twin = twin

    def read_position(self) -> str:
        return self.twin.analyzer

    def write_position(self, position: str) -> None:
        if position not in ANALYZERS:
            raise ValueError(f"the analyzer turns to {', '.join(ANALYZERS)}, not {position!r}")
        self.twin.set_analyzer(position)


class SimStage:
    """The XY stage under the microscope objective."""

    def __init__(self, twin: Twin) -> None:
        self.twin = twin

    def move_to(self, x_mm: float, y_mm: float) -> None:
        self.twin.move_stage(x_mm, y_mm)

    def read_position(self) -> tuple[float, float]:
        return self.twin.stage_mm


class SimLoader:
    """Puts a fresh substrate into the simulated tube."""

    def __init__(self, twin: Twin) -> None:
        self.twin = twin

    def load(self, substrate: str | Mapping[str, str], precursors_mg: Mapping[str, float] | None = None) -> None:
        self.twin.load(substrate, precursors_mg)

    def read_substrate(self) -> str:
        return self.twin.substrate or ""

    def read_loading(self) -> dict[str, str]:
        return dict(self.twin.loading)


class SimDataLogger:
    """The station's in-situ data logger, recorded by the twin at exact simulated periods."""

    def __init__(self, twin: Twin) -> None:
        self.twin = twin

    def fields(self) -> dict[str, str]:
        return self.twin.log_fields()

    def start(self, period_s: float) -> None:
        self.twin.start_log(period_s)

    def stop(self) -> None:
        self.twin.stop_log()

    def drain(self) -> list[tuple[float, dict[str, float]]]:
        return self.twin.drain_log()
