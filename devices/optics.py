"""Sample handling and characterization: the substrate holder, the spectrometers, the Raman analyzer and the XY
stage."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from ophyd import Component as Cpt
from ophyd import Device, Signal
from ophyd.status import Status

from devices.interfaces import PolarizationAnalyzer, SpectrometerDriver, Stage, SubstrateLoader
from devices.limits import check_range
from devices.signals import DriverSignal
from devices.status import done_status

MAX_PRECURSOR_MG = 1000.0  # a boat holds at most a gram of powder
ANALYZER_POSITIONS = ("parallel", "crossed")  # to the laser polarization


class Spectrometer(Device):
    """A spectrometer: `trigger()` acquires one spectrum (counts per pixel) at the set integration time."""

    spectrum = Cpt(Signal, value=np.zeros(0), kind="hinted")
    wavelengths = Cpt(Signal, value=np.zeros(0), kind="normal")
    integration_time = Cpt(Signal, value=1.0, kind="config")
    laser_nm = Cpt(Signal, value=532.0, kind="config")

    def __init__(self, driver: SpectrometerDriver, *, laser_nm: float = 532.0, max_integration_s: float = 60.0,
                 name: str = "spectrometer", **kwargs: Any) -> None:
        self.driver = driver
        self.max_integration_s = max_integration_s
        super().__init__(name=name, **kwargs)
        self.laser_nm.put(laser_nm)
        self.wavelengths.put(np.asarray(driver.wavelengths(), dtype=float))

    def configure_exposure(self, seconds: float) -> None:
        """Set the integration time (s)."""
        seconds = check_range(self.name, "integration time", seconds, 1e-5, self.max_integration_s, "s")
        self.driver.integration_time_micros(round(seconds * 1e6))
        self.integration_time.put(seconds)

    def describe(self) -> dict[str, dict[str, Any]]:
        """Data keys, with the numpy dtype of the array signals so stores keep them numeric."""
        description = super().describe()
        for signal in (self.spectrum, self.wavelengths):
            description[signal.name]["dtype_numpy"] = np.dtype(float).str
        return description

    def trigger(self) -> Status:
        """Acquire one spectrum."""
        self.spectrum.put(np.asarray(self.driver.intensities(), dtype=float))
        return done_status(self)


class Analyzer(Device):
    """The Raman analyzer: `set("parallel" | "crossed")` turns it parallel or crossed to the laser polarization."""

    setting = Cpt(DriverSignal, read="read_position", kind="config")

    def __init__(self, driver: PolarizationAnalyzer, *, name: str = "analyzer", **kwargs: Any) -> None:
        self.driver = driver
        super().__init__(name=name, **kwargs)

    def set(self, value: str) -> Status:
        """Turn the analyzer to `value`, one of ANALYZER_POSITIONS."""
        if value not in ANALYZER_POSITIONS:
            raise ValueError(f"{self.name}: position must be one of {ANALYZER_POSITIONS}, got {value!r}")
        self.driver.write_position(value)
        return done_status(self)


class SampleStage(Device):
    """An XY stage (mm): `set((x, y))` moves the sample under the objective."""

    x = Cpt(Signal, value=0.0, kind="hinted")
    y = Cpt(Signal, value=0.0, kind="hinted")

    def __init__(self, driver: Stage, *, travel_mm: float = 25.0, name: str = "stage", **kwargs: Any) -> None:
        self.driver = driver
        self.travel_mm = travel_mm
        super().__init__(name=name, **kwargs)

    def set(self, value: tuple[float, float]) -> Status:
        """Move to (x, y) mm within ±travel."""
        x_mm, y_mm = value
        x = check_range(self.name, "x", x_mm, -self.travel_mm, self.travel_mm, "mm")
        y = check_range(self.name, "y", y_mm, -self.travel_mm, self.travel_mm, "mm")
        self.driver.move_to(x, y)
        self.x.put(x)
        self.y.put(y)
        return done_status(self)


class SubstrateHolder(Device):
    """Where the substrates sit; `set(name)` loads a fresh substrate of that kind (into the first slot),
    `set({slot: name, ...})` one into each named slot."""

    substrate = Cpt(DriverSignal, read="read_substrate", kind="normal")

    def __init__(self, driver: SubstrateLoader, *, substrates: list[str], name: str = "holder", **kwargs: Any) -> None:
        self.driver = driver
        self.substrates = substrates
        super().__init__(name=name, **kwargs)

    def set(self, value: str | Mapping[str, str] | tuple[str | Mapping[str, str], Mapping[str, float]]) -> Status:
        """Load fresh substrates (`value`: a kind, or slot → kind), or `(substrates, precursor mg per source)`."""
        substrate, precursors = value if isinstance(value, tuple) else (value, {})
        for kind in [substrate] if isinstance(substrate, str) else substrate.values():
            if kind not in self.substrates:
                raise ValueError(f"{self.name}: unknown substrate {kind!r}; this station takes {self.substrates}")
        for source, mg in precursors.items():
            check_range(self.name, f"{source} load", mg, 0.0, MAX_PRECURSOR_MG, "mg")
        self.driver.load(substrate, dict(precursors))
        return done_status(self)
