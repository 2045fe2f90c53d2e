"""Driver interfaces: one Protocol per instrument kind.

An ophyd Device wraps a driver that implements one of these; a serial implementation talks to the real
instrument and a simulated one to the physics twin. Units: °C, sccm, Torr, seconds, nm.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from threading import Thread
from typing import Any, Protocol, runtime_checkable

import numpy as np


class Clock(Protocol):
    """The station's time base (wall time on hardware, virtual or accelerated time in simulation)."""

    def time(self) -> float:
        """Seconds since an arbitrary origin on this clock."""

    def sleep(self, seconds: float) -> None:
        """Block for `seconds` of this clock's time."""

    def wall_seconds(self, seconds: float) -> float:
        """Wall-clock seconds that `seconds` of this clock's time take."""

    def worker(self, target: Callable[[], None], name: str) -> Thread:
        """Run `target` in a daemon thread that takes part in this clock's time (a device's settle watcher)."""

    def bind(self, engine: Any) -> None:
        """Make a bluesky RunEngine's `sleep` messages wait in this clock's seconds (and take part in its time)."""


@runtime_checkable
class TemperatureController(Protocol):
    """A furnace temperature controller (e.g. Eurotherm 2400/3200)."""

    def read_pv(self) -> float: ...
    def read_setpoint(self) -> float: ...
    def write_setpoint(self, celsius: float) -> None: ...
    def read_ramp_rate(self) -> float: ...
    def write_ramp_rate(self, c_per_min: float) -> None: ...
    def read_output_pct(self) -> float: ...
    def read_heater(self) -> bool: ...
    def write_heater(self, on: bool) -> None:
        """On: automatic control to the setpoint. Off: manual mode at 0 % output."""


@runtime_checkable
class FlowController(Protocol):
    """A mass-flow controller (e.g. Alicat, MKS)."""

    def read_flow(self) -> float: ...
    def read_setpoint(self) -> float: ...
    def write_setpoint(self, sccm: float) -> None: ...


@runtime_checkable
class PressureReader(Protocol):
    """A vacuum gauge controller channel (e.g. Pfeiffer TPG 36x)."""

    def read_pressure(self) -> float: ...


@runtime_checkable
class PressureController(Protocol):
    """A downstream pressure controller driving a throttle valve (e.g. MKS PR4000B channel)."""

    def read_pressure(self) -> float: ...
    def read_setpoint(self) -> float: ...
    def write_setpoint(self, torr: float) -> None: ...


@runtime_checkable
class Valve(Protocol):
    """An on/off valve (gas line or pump isolation)."""

    def read_open(self) -> bool: ...
    def write_open(self, is_open: bool) -> None: ...


@runtime_checkable
class SpectrometerDriver(Protocol):
    """The seabreeze `Spectrometer` API subset sdlab uses."""

    def integration_time_micros(self, integration_time_micros: int) -> None: ...
    def wavelengths(self) -> np.ndarray: ...
    def intensities(self) -> np.ndarray: ...


@runtime_checkable
class PolarizationAnalyzer(Protocol):
    """A two-position analyzer (polarizer on a flip or rotation mount) in the Raman collection path, parallel or
    crossed to the laser polarization."""

    def read_position(self) -> str:
        """"parallel" or "crossed"."""

    def write_position(self, position: str) -> None: ...


@runtime_checkable
class Stage(Protocol):
    """An XY sample stage under the Raman microscope (mm)."""

    def move_to(self, x_mm: float, y_mm: float) -> None: ...
    def read_position(self) -> tuple[float, float]: ...


@runtime_checkable
class SubstrateLoader(Protocol):
    """Puts fresh substrates into the holder's slots (one substrate into the first slot, or slot → substrate),
    and fresh precursor boats (mg per source, e.g. {"MoO3": 10, "S": 200}), into the tube (an operator or a
    sample changer)."""

    def load(self, substrate: str | Mapping[str, str], precursors_mg: Mapping[str, float] | None = None) -> None: ...
    def read_substrate(self) -> str:
        """The substrate under the microscope ("" when none)."""

    def read_loading(self) -> dict[str, str]:
        """Slot → substrate of every loaded slot."""


@runtime_checkable
class DataLogger(Protocol):
    """Records in-situ signals at a fixed period of the station clock."""

    def fields(self) -> dict[str, str]:
        """Field name -> units of each recorded signal."""

    def start(self, period_s: float) -> None: ...
    def stop(self) -> None: ...
    def drain(self) -> list[tuple[float, dict[str, float]]]:
        """Samples (clock time, values) recorded since the last drain."""
