"""The choice of driver for every device of a station: sim drivers on the twin, or serial clients on their ports."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devices.config import CHALCOGEN_ZONE, PUMP_LINE, DeviceConfig, SpectrometerConfig, StationConfig
from devices.drivers import (
    AlicatFlowController,
    EurothermController,
    LinkStats,
    PortSettings,
    PR4000BController,
    SeaBreezeSpectrometer,
    SerialLink,
    TPGGauge,
)
from devices.interfaces import Clock
from lab.errors import UserError
from lab.safety.safeguards import Safeguards
from simulators.clock import SimClock, VirtualClock
from simulators.drivers import (
    SimAnalyzer,
    SimDataLogger,
    SimFlowController,
    SimLoader,
    SimPressureController,
    SimPressureGauge,
    SimSpectrometer,
    SimStage,
    SimTemperatureController,
    SimValve,
)
from simulators.twin import Twin
from simulators.worlds import WORLDS


def station_twin(config: StationConfig, seed: int = 0, speedup: float | None = 1.0, world: int | None = None,
                 world_file: str | None = None) -> Twin:
    """The physics twin of a station: the hidden truth of simulated world `world` (default: `seed`), or of the
    calibrated world in `world_file` (`sdlab calibrate`), its gas lines, and its clock: virtual time
    (`speedup` None) or a wall clock accelerated `speedup` times; `seed` fixes the run-to-run scatter and the noise."""
    clock = VirtualClock() if speedup is None else SimClock(speedup)
    if world_file is not None:
        import yaml

        from simulators.calibration import read_world, world_kind

        truth = read_world(yaml.safe_load(Path(world_file).read_text()))
        chosen = WORLDS[world_kind(truth)](truth)
    else:
        chosen = WORLDS[config.material].draw(seed if world is None else world)
    return Twin(chosen, clock, seed=seed, gases=[line.gas for line in config.gas_lines], holder=config.holder,
                profile=config.profile)


def sim_drivers(config: StationConfig, twin: Twin) -> dict[str, Any]:
    """A simulated driver for every device of the station, all acting on one twin."""
    drivers: dict[str, Any] = {
        "furnace": SimTemperatureController(twin), "gauge": SimPressureGauge(twin),
        "pressure": SimPressureController(twin), f"valve:{PUMP_LINE}": SimValve(twin, PUMP_LINE),
        "spectrometer": SimSpectrometer(twin, laser_nm=config.spectrometer.laser_nm), "stage": SimStage(twin),
        "holder": SimLoader(twin), "logger": SimDataLogger(twin)}
    if config.chalcogen_furnace is not None:
        drivers[f"furnace:{CHALCOGEN_ZONE}"] = SimTemperatureController(twin, CHALCOGEN_ZONE)
    if config.pl_spectrometer is not None:
        drivers["spectrometer:pl"] = SimSpectrometer(twin, laser_nm=config.pl_spectrometer.laser_nm, channel="pl")
    if config.raman_analyzer is not None:
        drivers["analyzer"] = SimAnalyzer(twin)
    for line in config.gas_lines:
        drivers[f"mfc:{line.gas}"] = SimFlowController(twin, line.gas)
        drivers[f"valve:{line.gas}"] = SimValve(twin, line.gas)
    return drivers


# Instrument defaults per serial-capable device kind: baud rate, data bits, parity, address.
SERIAL_DEFAULTS: dict[str, tuple[int, int, str, int | str]] = {
    "furnace": (9600, 8, "N", 1), "mfc": (19200, 8, "N", "A"), "gauge": (9600, 8, "N", 1),
    "pressure": (9600, 7, "O", 1)}


@dataclass
class DriverSet:
    """The drivers of a station and the serial links they share."""

    drivers: dict[str, Any]
    links: dict[str, SerialLink] = field(default_factory=dict)
    safeguards: Safeguards | None = None

    def guard(self, config: StationConfig, clock: Clock, *, source: dict[str, Any] | None = None) -> dict[str, Any]:
        """Put every driver behind the station's interlock and start its watchdog; returns the guarded drivers
        (for `devices.station.build_station`). Nothing reaches a driver but through them."""
        self.safeguards = Safeguards.start(config, self.drivers, clock, source=source)
        return self.safeguards.interlock.guarded()

    @property
    def transport(self) -> str:
        return "serial" if self.links else "sim"

    def stats(self) -> dict[str, LinkStats]:
        """Fault counters of every serial driver, by driver key."""
        return {key: d.stats for key, d in self.drivers.items() if isinstance(getattr(d, "stats", None), LinkStats)}

    def close(self) -> None:
        """Stop the watchdog, close the serial links and release any USB spectrometer."""
        if self.safeguards is not None:
            self.safeguards.close()
        for link in self.links.values():
            link.close()
        for driver in self.drivers.values():
            if isinstance(driver, SeaBreezeSpectrometer):
                driver.close()


def _serial_driver(key: str, spec: DeviceConfig, config: StationConfig, links: dict[str, SerialLink]) -> Any:
    kind = key.split(":")[0]
    baud, bytesize, parity, address = SERIAL_DEFAULTS[kind]
    settings = PortSettings(spec.baudrate or baud, bytesize, parity)
    port = str(spec.port)
    link = links.get(port)
    if link is None:
        link = links[port] = SerialLink(port, settings, timeout_s=spec.timeout_s, retries=spec.retries)
    elif link.settings != settings:
        raise UserError(f"station config: {key} shares port {port} but with line settings {settings} "
                        f"instead of {link.settings}")
    address = spec.address if spec.address is not None else address
    try:
        if kind == "furnace":
            return EurothermController(link, int(address), decimals=config.furnace.decimals, name=key)
        if kind == "mfc":
            line = next(g for g in config.gas_lines if f"mfc:{g.gas}" == key)
            return AlicatFlowController(link, str(address), name=key, max_sccm=line.full_scale_sccm)
        if kind == "gauge":
            return TPGGauge(link, int(address), name=key)
        return PR4000BController(link, int(address), name=key)
    except ValueError as exc:
        raise UserError(f"station config: {key}: {exc}") from None


def build_drivers(config: StationConfig, twin: Twin) -> DriverSet:
    """A driver for every device: the twin's sim driver, or a serial/seabreeze client where the config says so."""
    drivers = sim_drivers(config, twin)
    links: dict[str, SerialLink] = {}
    for key, spec in config.driver_specs().items():
        if spec.driver == "serial":
            drivers[key] = _serial_driver(key, spec, config, links)
        elif isinstance(spec, SpectrometerConfig) and spec.driver == "seabreeze":
            drivers[key] = SeaBreezeSpectrometer(spec.serial_number, name=key, backend=spec.backend,
                                                 correct_dark_counts=spec.correct_dark_counts,
                                                 correct_nonlinearity=spec.correct_nonlinearity)
    return DriverSet(drivers, links)
