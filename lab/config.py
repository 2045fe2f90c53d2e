"""Configuration: station and campaign files, and the choice of driver for every device."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

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
from devices.station import CHALCOGEN_ZONE, PUMP_LINE, DeviceConfig, SpectrometerConfig, StationConfig
from lab.errors import UserError, describe_validation
from lab.materials import Material, parse_material
from lab.safeguards import Safeguards
from planners import DEFAULT_PLANNER, make_planner
from simulators.clock import SimClock
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

DEFAULT_STATIONS = {"graphene": "graphene-sim.yaml", "tmd": "tmd-sim.yaml"}  # built-in station per kind
CAMPAIGN_ID = r"^[a-z0-9][a-z0-9-]{0,62}$"


class CampaignConfig(BaseModel):
    """One campaign: what to optimize, with which planner, for how many experiments."""

    model_config = ConfigDict(extra="forbid")

    campaign_id: str = Field(pattern=CAMPAIGN_ID)
    material: str = "graphene"  # graphene or a TMD formula (lab.materials.parse_material), stored canonical
    target_ev: float | None = Field(None, gt=0.5, lt=3.5)  # TMDs: the PL band gap the campaign aims at
    planner: str = DEFAULT_PLANNER
    experiments: int = Field(12, ge=1, le=10_000)
    batch: int = Field(1, ge=1, le=64)
    seed: int = Field(0, ge=0, lt=2**32)
    # Simulated stations: the world (hidden physics) the station grows in; default the seed's. Campaigns of one
    # simulated lab (e.g. a discovery's candidates) share a world and differ in seed.
    world: int | None = Field(None, ge=0, lt=2**32)
    spots: int = Field(16, ge=1, le=400)
    exposure_s: float = Field(1.0, gt=0, le=60)
    speedup: float = Field(3600.0, gt=0, le=1e6)
    recipe: dict[str, float | str] = {}
    # Run campaigns (`sdlab run`): the operator's approved box, parameter → [low, high] (lab.approval). The flow
    # pauses for approval before the campaign's first heating and for proposals outside it; None never pauses.
    approved: dict[str, tuple[float, float]] | None = None

    @field_validator("material")
    @classmethod
    def _known_material(cls, text: str) -> str:
        return parse_material(text).name

    @property
    def material_spec(self) -> Material:
        """The parsed material: its station kind, composition, recipe type and search space."""
        return parse_material(self.material)

    @field_validator("planner")
    @classmethod
    def _known_planner(cls, name: str) -> str:
        if name not in make_planner.names():
            raise ValueError(f"unknown planner {name!r}; choose one of: {', '.join(make_planner.names())}")
        return name


def read_yaml(path: Path, what: str) -> dict[str, Any]:
    """A YAML mapping from `path`, or a UserError that says what is wrong with the file."""
    try:
        data = yaml.safe_load(Path(path).read_text())
    except FileNotFoundError:
        raise UserError(f"{what} file {path} does not exist") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        raise UserError(f"{what} file {path} is not readable YAML: {exc.problem or exc.context}{where}") from None
    except (OSError, yaml.YAMLError) as exc:
        raise UserError(f"{what} file {path} is not readable YAML: {exc}") from None
    if not isinstance(data, dict):
        raise UserError(f"{what} file {path} must hold a mapping of settings, not {type(data).__name__}")
    return data


def load_station(path: Path | None = None, kind: str = "graphene") -> StationConfig:
    """The station config at `path`, or the packaged simulated station for materials of `kind`."""
    if path is None:
        name = DEFAULT_STATIONS[kind]
        data = yaml.safe_load(resources.files("lab.stations").joinpath(name).read_text())
        source = f"built-in station {name}"
    else:
        data, source = read_yaml(path, "station config"), f"station config {path}"
    try:
        return StationConfig.model_validate(data)
    except ValidationError as exc:
        raise describe_validation(source, exc) from None


def campaign_config(**settings: Any) -> CampaignConfig:
    """A validated CampaignConfig, or a one-line UserError naming the bad field."""
    try:
        return CampaignConfig.model_validate(settings)
    except ValidationError as exc:
        raise describe_validation("campaign", exc) from None


def load_campaign(path: Path, **defaults: Any) -> CampaignConfig:
    """The campaign file at `path` over `defaults` (a one-line UserError naming the bad field)."""
    data = read_yaml(path, "campaign")
    try:
        return CampaignConfig.model_validate({**defaults, **data})
    except ValidationError as exc:
        raise describe_validation(f"campaign file {path}", exc) from None


def slug(text: str) -> str:
    """Lower-case letters, digits and dashes (for campaign ids and artifact keys)."""
    return re.sub(r"-+", "-", re.sub(r"[^a-z0-9]+", "-", text.lower())).strip("-")


def station_twin(config: StationConfig, seed: int = 0, speedup: float = 1.0, world: int | None = None) -> Twin:
    """The physics twin of a station: the hidden truth of simulated world `world` (default: `seed`), its gas
    lines, an accelerated clock; `seed` fixes the run-to-run scatter and the noise."""
    return Twin(WORLDS[config.material].draw(seed if world is None else world), SimClock(speedup), seed=seed,
                gases=[line.gas for line in config.gas_lines])


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


def real_instruments(config: StationConfig) -> dict[str, str]:
    """Driver key → driver of every device the station reaches as a physical instrument (serial, seabreeze)."""
    return {key: spec.driver for key, spec in config.driver_specs().items() if spec.driver in ("serial", "seabreeze")}


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
