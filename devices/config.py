"""A CVD station's configuration (validated): devices and their drivers, gas lines, limits and safety settings.

Plain pydantic models without I/O; `devices.station.build_station` turns one into ophyd Devices.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, PositiveFloat, model_validator

from devices.profile import SLOT_PITCH_MM, FlatZoneProfile, HolderSlots, Profile, setpoint_reaching

QUARTZ_MAX_C = 1100.0
SEALED_TUBE_MAX_TORR = 912.0  # sealed quartz tube: ≤ 0.2 bar gauge
MAX_PROCEDURE_S = 3600.0  # a station's shortest leak check or purge beyond an hour is a typo (1e300 s never ends)
PUMP_LINE = "pump"
GROWTH_ZONE = "growth"  # furnace zones: the substrate's, and a TMD station's upstream chalcogen zone
CHALCOGEN_ZONE = "chalcogen"
SERIAL_KINDS = ("furnace", "mfc", "gauge", "pressure")  # driver-key prefixes that have serial drivers


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DeviceConfig(_Strict):
    """How one device is reached: `sim` drives the station's physics twin, `serial` a real instrument.

    Serial fields: `port` (device path or pyserial URL; required), `baudrate` (default: the instrument's),
    `address` (Modbus address, Alicat unit id or controller channel), `timeout_s` per exchange, `retries`.
    """

    driver: Literal["sim", "serial"] = "sim"
    port: str | None = None
    baudrate: int | None = Field(None, gt=0)
    address: int | str | None = None
    timeout_s: float = Field(0.5, gt=0, le=30)
    retries: int = Field(2, ge=0, le=10)

    @model_validator(mode="after")
    def _serial_needs_port(self) -> DeviceConfig:
        if self.driver == "serial" and not self.port:
            raise ValueError("driver 'serial' needs a port (e.g. port: /dev/ttyUSB0)")
        return self


class FurnaceConfig(DeviceConfig):
    tolerance_c: PositiveFloat = 2.0
    settle_s: float = Field(30.0, ge=0)
    decimals: int = Field(1, ge=0, le=3)  # Eurotherm: decimal places of the temperature registers


class GasLineConfig(DeviceConfig):
    """A gas line: an isolation valve and a mass-flow controller."""

    gas: str = Field(pattern=r"^[A-Z][A-Za-z0-9]*$")
    full_scale_sccm: PositiveFloat
    flammable: bool = False
    inert: bool = False
    oxidizer: bool = False
    valve: DeviceConfig = DeviceConfig()


class PressureControllerConfig(DeviceConfig):
    max_torr: PositiveFloat = 100.0


class SpectrometerConfig(DeviceConfig):
    """The Raman spectrometer: `sim`, or a USB spectrometer through `seabreeze` (by serial number, else the
    first one found; `backend` cseabreeze or pyseabreeze; optional dark-count and nonlinearity correction)."""

    driver: Literal["sim", "seabreeze"] = "sim"
    laser_nm: float = Field(532.0, gt=200, lt=1100)
    serial_number: str | None = None
    backend: Literal["cseabreeze", "pyseabreeze"] = "cseabreeze"
    correct_dark_counts: bool = False
    correct_nonlinearity: bool = False


class StageConfig(DeviceConfig):
    """The XY stage under the microscope: its travel (± mm on each axis)."""

    travel_mm: PositiveFloat = 25.0


class HolderConfig(DeviceConfig, HolderSlots):
    """The substrate holder: its driver, its slots along the tube and (TMD) the oxide boat's position."""


class LoggerConfig(DeviceConfig):
    period_s: float = Field(1.0, gt=0, le=10)


class StationLimits(_Strict):
    """Safety limits of the station (see README, Safety)."""

    max_temperature_c: float = Field(gt=0, le=QUARTZ_MAX_C)
    substrate_max_c: dict[str, float] = {}
    max_ramp_c_per_min: float = Field(gt=0, le=50)
    max_chalcogen_c: float = Field(400.0, gt=0, le=QUARTZ_MAX_C)  # the chalcogen zone's cap (TMD stations)
    max_pressure_torr: PositiveFloat
    unload_below_c: float = Field(100.0, gt=0, le=200)
    max_leak_rate_torr_per_min: PositiveFloat = 0.02
    max_tube_torr: float = Field(900.0, gt=0, le=SEALED_TUBE_MAX_TORR)
    min_carrier_sccm: float = Field(5.0, ge=0)
    min_leak_check_s: float = Field(30.0, gt=0, le=MAX_PROCEDURE_S)
    min_purge_s: float = Field(60.0, ge=0, le=MAX_PROCEDURE_S)


class SafetySettings(_Strict):
    """How the safety layer reacts: heartbeat watchdog, suspenders on out-of-range readings."""

    watchdog_s: float = Field(600.0, gt=0)  # clock seconds without a heartbeat during a growth → safe state
    watchdog_min_wall_s: float = Field(30.0, ge=0)  # and at least this long in wall time (accelerated clocks)
    overtemp_margin_c: float = Field(10.0, ge=0)  # suspend above the substrate cap + margin; resume below the cap
    resume_timeout_s: float = Field(900.0, gt=0)  # suspended longer than this (clock s) → latched safe state


class StationConfig(_Strict):
    """Everything sdlab knows about one station."""

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    material: Literal["graphene", "tmd"] = "graphene"
    substrates: list[str] = Field(min_length=1)
    limits: StationLimits
    furnace: FurnaceConfig = FurnaceConfig()
    chalcogen_furnace: FurnaceConfig | None = None  # TMD stations: the upstream (chalcogen powder) zone
    gas_lines: list[GasLineConfig] = Field(min_length=1)
    gauge: DeviceConfig = DeviceConfig()
    pressure_controller: PressureControllerConfig = PressureControllerConfig()
    pump_valve: DeviceConfig = DeviceConfig()
    spectrometer: SpectrometerConfig = SpectrometerConfig()
    pl_spectrometer: SpectrometerConfig | None = None  # TMD stations: photoluminescence
    raman_analyzer: DeviceConfig | None = None  # TMD stations: a parallel/crossed analyzer in the Raman path
    stage: StageConfig = StageConfig()
    holder: HolderConfig = HolderConfig()
    profile: Profile = FlatZoneProfile()  # the growth zone's axial temperature profile
    logger: LoggerConfig = LoggerConfig()
    safety: SafetySettings = SafetySettings()

    @model_validator(mode="after")
    def _consistent(self) -> StationConfig:
        gases = [line.gas for line in self.gas_lines]
        if len(set(gases)) != len(gases):
            raise ValueError(f"gas_lines: each gas may appear once, got {gases}")
        if not any(line.inert for line in self.gas_lines):
            raise ValueError("gas_lines: at least one line must be inert (e.g. Ar) for purging and the safe state")
        for line in self.gas_lines:
            if line.inert and line.flammable:
                raise ValueError(f"gas_lines: {line.gas} cannot be both inert and flammable")
            if line.oxidizer and (line.inert or line.flammable):
                raise ValueError(f"gas_lines: {line.gas} cannot be an oxidizer and inert or flammable")
        inert = next(line for line in self.gas_lines if line.inert)
        if self.limits.min_carrier_sccm > inert.full_scale_sccm:
            raise ValueError(f"limits.min_carrier_sccm: {self.limits.min_carrier_sccm:g} exceeds the full scale of "
                             f"the {inert.gas} line ({inert.full_scale_sccm:g} sccm)")
        if self.limits.max_pressure_torr > self.limits.max_tube_torr:
            raise ValueError(f"limits.max_pressure_torr: {self.limits.max_pressure_torr:g} exceeds max_tube_torr "
                             f"({self.limits.max_tube_torr:g})")
        for substrate, cap in self.limits.substrate_max_c.items():
            if substrate not in self.substrates:
                raise ValueError(f"limits.substrate_max_c: {substrate!r} is not one of substrates {self.substrates}")
            if cap > self.limits.max_temperature_c:
                raise ValueError(f"limits.substrate_max_c.{substrate}: {cap} exceeds max_temperature_c")
        return self

    @model_validator(mode="after")
    def _slots_in_profile(self) -> StationConfig:
        low, high = self.profile.span_mm()
        places = [(f"holder.slots.{slot.name}", slot.position_mm) for slot in self.holder.slots]
        if self.material == "tmd":
            places.append(("holder.boat_mm", self.holder.boat_mm))
        for where, position in places:
            if not low <= position <= high:
                raise ValueError(f"{where}: position {position:g} mm lies outside the furnace profile "
                                 f"({low:g} … {high:g} mm)")
        row = max(abs(self.holder.stage_x_mm(slot.name)) for slot in self.holder.slots) + SLOT_PITCH_MM / 2
        if row > self.stage.travel_mm:
            raise ValueError(f"holder.slots: {len(self.holder.slots)} substrates in a row ({SLOT_PITCH_MM:g} mm apart) "
                             f"need ±{row:g} mm of stage travel, more than stage.travel_mm {self.stage.travel_mm:g}")
        return self

    @model_validator(mode="after")
    def _material_needs(self) -> StationConfig:
        if self.material == "tmd":
            for field, what in (("chalcogen_furnace", "the chalcogen zone's controller"),
                                ("pl_spectrometer", "a photoluminescence spectrometer")):
                if getattr(self, field) is None:
                    raise ValueError(f"{field}: a tmd station needs {what} (e.g. {field}: {{driver: sim}})")
        elif self.raman_analyzer is not None:
            raise ValueError("raman_analyzer: only a tmd station's analysis uses crossed-polarization Raman")
        return self

    @property
    def inert_gas(self) -> str:
        """The purge gas."""
        return next(line.gas for line in self.gas_lines if line.inert)

    @model_validator(mode="after")
    def _serial_only_where_supported(self) -> StationConfig:
        for key, spec in self.driver_specs().items():
            if spec.driver == "serial" and key.split(":")[0] not in SERIAL_KINDS:
                raise ValueError(f"{key}: no serial driver for this device kind (serial: furnace, mfc, gauge, "
                                 "pressure; valves, stage, holder, analyzer and logger are digital I/O, the "
                                 "spectrometer uses seabreeze)")
        return self

    def driver_specs(self) -> dict[str, DeviceConfig]:
        """Driver key → its config, for every driver the station needs."""
        specs: dict[str, DeviceConfig] = {"furnace": self.furnace, "gauge": self.gauge,
                                          "pressure": self.pressure_controller, f"valve:{PUMP_LINE}": self.pump_valve,
                                          "spectrometer": self.spectrometer, "stage": self.stage,
                                          "holder": self.holder, "logger": self.logger}
        if self.chalcogen_furnace is not None:
            specs[f"furnace:{CHALCOGEN_ZONE}"] = self.chalcogen_furnace
        if self.pl_spectrometer is not None:
            specs["spectrometer:pl"] = self.pl_spectrometer
        if self.raman_analyzer is not None:
            specs["analyzer"] = self.raman_analyzer
        for line in self.gas_lines:
            specs[f"mfc:{line.gas}"] = line
            specs[f"valve:{line.gas}"] = line.valve
        return specs

    def real_instruments(self) -> dict[str, str]:
        """Driver key → driver of every device the station reaches as a physical instrument (serial, seabreeze)."""
        return {key: spec.driver for key, spec in self.driver_specs().items() if spec.driver in ("serial", "seabreeze")}

    def max_temperature_for(self, substrate: str) -> float:
        """The temperature cap for a substrate (the station cap if none is set)."""
        return self.limits.substrate_max_c.get(substrate, self.limits.max_temperature_c)

    def growth_cap(self, loading: Mapping[str, str]) -> tuple[float, str]:
        """The highest growth-zone setpoint (°C) with `loading` (slot → substrate) in the tube, and what sets it:
        no loaded slot's local temperature above its substrate's cap, no point of the tube above the station's."""
        profile, station_cap = self.profile, self.limits.max_temperature_c
        caps = []
        first = self.holder.slots[0].name
        for slot, substrate in loading.items():  # a single substrate in the first slot: as before slots existed
            where = f"the {substrate} cap" + (f" in slot {slot}" if len(loading) > 1 or slot != first else "")
            factor = profile.factor(self.holder.position(slot))
            caps.append((setpoint_reaching(self.max_temperature_for(substrate), factor), where))
        caps.append((setpoint_reaching(station_cap, profile.hottest_factor()), "the station cap"))
        return min(caps, key=lambda cap: cap[0])  # the first of equal caps: a substrate's before the station's
