"""A CVD station: its ophyd Devices, built from injected drivers and its configuration (`devices.config`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ophyd import Device

from devices.config import (
    CHALCOGEN_ZONE,
    GROWTH_ZONE,
    PUMP_LINE,
    QUARTZ_MAX_C,
    SEALED_TUBE_MAX_TORR,
    SERIAL_KINDS,
    DeviceConfig,
    FurnaceConfig,
    GasLineConfig,
    LoggerConfig,
    PressureControllerConfig,
    SafetySettings,
    SpectrometerConfig,
    StationConfig,
    StationLimits,
)
from devices.furnace import TubeFurnace
from devices.gas import GasValve, MassFlowController, PressureGauge, TubePressureController
from devices.interfaces import Clock
from devices.logger import InSituLogger
from devices.optics import Analyzer, SampleStage, Spectrometer, SubstrateHolder

# The configuration's names stay importable from here, as before devices.config held them.
__all__ = [
    "CHALCOGEN_ZONE",
    "GROWTH_ZONE",
    "PUMP_LINE",
    "QUARTZ_MAX_C",
    "SEALED_TUBE_MAX_TORR",
    "SERIAL_KINDS",
    "DeviceConfig",
    "FurnaceConfig",
    "GasLineConfig",
    "LoggerConfig",
    "PressureControllerConfig",
    "SafetySettings",
    "SpectrometerConfig",
    "Station",
    "StationConfig",
    "StationLimits",
    "build_station",
]


@dataclass
class Station:
    """The Devices of one station and the clock they run on."""

    config: StationConfig
    clock: Clock
    furnace: TubeFurnace
    mfcs: dict[str, MassFlowController]
    valves: dict[str, GasValve]
    gauge: PressureGauge
    pressure: TubePressureController
    spectrometer: Spectrometer
    stage: SampleStage
    holder: SubstrateHolder
    logger: InSituLogger
    chalcogen_zone: TubeFurnace | None = None
    pl_spectrometer: Spectrometer | None = None
    analyzer: Analyzer | None = None  # in the Raman path
    crossed_spectrometer: Spectrometer | None = None  # the Raman spectrometer's view through the crossed analyzer

    @property
    def name(self) -> str:
        return self.config.name

    @property
    def furnaces(self) -> list[TubeFurnace]:
        """The growth zone, then the chalcogen zone where the station has one."""
        return [self.furnace, *([self.chalcogen_zone] if self.chalcogen_zone is not None else [])]

    def spectrometers(self) -> list[Spectrometer]:
        """Every acquisition the station makes at a spot: Raman (parallel), Raman crossed (with an analyzer), PL."""
        found = [self.spectrometer, self.crossed_spectrometer, self.pl_spectrometer]
        return [device for device in found if device is not None]

    def analyzer_setting(self, spectrometer: Spectrometer) -> str | None:
        """The analyzer position an acquisition of `spectrometer` needs (None: not behind the analyzer)."""
        if self.analyzer is None:
            return None
        return {id(self.spectrometer): "parallel", id(self.crossed_spectrometer): "crossed"}.get(id(spectrometer))

    def process_readables(self) -> list[Device]:
        """What a growth run reads at each step: temperatures, flows, pressures, valve states."""
        return [*self.furnaces, *self.mfcs.values(), self.gauge, self.pressure, *self.valves.values()]


def build_station(config: StationConfig, drivers: Mapping[str, Any], clock: Clock) -> Station:
    """Assemble a station's Devices around the drivers (keys as in `StationConfig.driver_specs`)."""
    missing = set(config.driver_specs()) - set(drivers)
    if missing:
        raise ValueError(f"station {config.name}: no driver for {', '.join(sorted(missing))}")
    limits = config.limits
    return Station(
        config=config, clock=clock,
        furnace=TubeFurnace(drivers["furnace"], clock=clock, max_c=limits.max_temperature_c,
                            max_ramp_c_per_min=limits.max_ramp_c_per_min, tolerance_c=config.furnace.tolerance_c,
                            settle_s=config.furnace.settle_s),
        mfcs={line.gas: MassFlowController(drivers[f"mfc:{line.gas}"], clock=clock, gas=line.gas,
                                           full_scale_sccm=line.full_scale_sccm, flammable=line.flammable,
                                           name=f"mfc_{line.gas.lower()}") for line in config.gas_lines},
        valves={line: GasValve(drivers[f"valve:{line}"], line=line, name=f"valve_{line.lower()}")
                for line in [*(g.gas for g in config.gas_lines), PUMP_LINE]},
        gauge=PressureGauge(drivers["gauge"]),
        pressure=TubePressureController(drivers["pressure"], clock=clock, max_torr=min(
            config.pressure_controller.max_torr, limits.max_pressure_torr)),
        spectrometer=Spectrometer(drivers["spectrometer"], laser_nm=config.spectrometer.laser_nm),
        stage=SampleStage(drivers["stage"], travel_mm=config.stage.travel_mm),
        holder=SubstrateHolder(drivers["holder"], substrates=config.substrates),
        chalcogen_zone=None if config.chalcogen_furnace is None else TubeFurnace(
            drivers[f"furnace:{CHALCOGEN_ZONE}"], clock=clock, max_c=limits.max_chalcogen_c,
            max_ramp_c_per_min=limits.max_ramp_c_per_min, tolerance_c=config.chalcogen_furnace.tolerance_c,
            settle_s=config.chalcogen_furnace.settle_s, name="chalcogen_zone"),
        pl_spectrometer=None if config.pl_spectrometer is None else Spectrometer(
            drivers["spectrometer:pl"], laser_nm=config.pl_spectrometer.laser_nm, name="pl_spectrometer"),
        analyzer=None if config.raman_analyzer is None else Analyzer(drivers["analyzer"]),
        crossed_spectrometer=None if config.raman_analyzer is None else Spectrometer(
            drivers["spectrometer"], laser_nm=config.spectrometer.laser_nm, name="spectrometer_crossed"),
        logger=InSituLogger(drivers["logger"], clock=clock, period_s=config.logger.period_s),
    )
