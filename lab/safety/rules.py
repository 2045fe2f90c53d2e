"""Interlock rules: pure functions that decide whether one device command may reach its driver.

A command is (driver key, method, value) as in `StationConfig.driver_specs` and `devices.interfaces`; the
decision depends on the station's config and a snapshot of its process state (`ProcessState`). Reads are
never commands. `refusal` returns why a command is refused, or None when it may go through.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from devices.config import PUMP_LINE, GasLineConfig, StationConfig

# Methods that change something, per driver kind; everything else a driver offers is a read.
COMMANDS: dict[str, frozenset[str]] = {
    "furnace": frozenset({"write_setpoint", "write_ramp_rate", "write_heater"}),
    "mfc": frozenset({"write_setpoint"}), "pressure": frozenset({"write_setpoint"}),
    "valve": frozenset({"write_open"}), "holder": frozenset({"load"}), "stage": frozenset({"move_to"}),
    "spectrometer": frozenset({"integration_time_micros"}), "analyzer": frozenset({"write_position"}),
    "logger": frozenset({"start", "stop"})}
PROCESS_KINDS = ("furnace", "mfc", "pressure", "valve", "holder")  # commands that act on the growth tube
SAFE_SETPOINT_SLACK_C = 5.0  # a latched furnace may still take a setpoint this close to its temperature
SAFE_PURGE_SCCM = 200.0


def kind_of(key: str) -> str:
    """The device kind of a driver key ('mfc:H2' → 'mfc')."""
    return key.partition(":")[0]


def is_command(key: str, method: str) -> bool:
    """Whether `method` of driver `key` changes anything (and so passes the interlock)."""
    return method in COMMANDS.get(kind_of(key), frozenset())


@dataclass
class ProcessState:
    """What the interlock knows of the station when a command arrives.

    `flows`, `valves`, `setpoints` and `heaters` are the commanded MFC setpoints (sccm, by gas), valve states
    (by line), furnace setpoints (°C) and heater states (by furnace driver key); the readings are live (None
    when not read); the flags are what the interlock itself observed since the tube was last opened.
    """

    flows: dict[str, float] = field(default_factory=dict)
    valves: dict[str, bool] = field(default_factory=dict)
    setpoints: dict[str, float] = field(default_factory=dict)  # commanded furnace setpoints, by driver key
    heaters: dict[str, bool] = field(default_factory=dict)  # commanded heater states, by furnace driver key
    temperatures: dict[str, float | None] = field(default_factory=dict)  # live, by furnace driver key
    pressure_torr: float | None = None
    loading: dict[str, str] = field(default_factory=dict)  # live: the holder's slot → substrate
    leak_checked: bool = False
    purged: bool = False
    latched: str | None = None  # the latch's reason while latched


def furnace_keys(config: StationConfig) -> list[str]:
    """The driver keys of every furnace zone ('furnace', 'furnace:chalcogen', …)."""
    return [key for key in config.driver_specs() if kind_of(key) == "furnace"]


def temperature_cap(config: StationConfig, key: str, loading: Mapping[str, str]) -> tuple[float, str]:
    """A furnace zone's setpoint cap and what sets it: for the growth zone, the loaded substrates' caps at their
    slots' local temperatures (the station's when none is loaded; see `StationConfig.growth_cap`), for another
    zone (`furnace:<zone>`) `limits.max_<zone>_c`."""
    zone = key.partition(":")[2]
    if zone:
        return getattr(config.limits, f"max_{zone}_c", config.limits.max_temperature_c), f"the {zone} zone cap"
    return config.growth_cap({slot: s for slot, s in loading.items() if s in config.substrates})


def loading_of(config: StationConfig, value: Any) -> tuple[dict[str, str] | None, str | None]:
    """The slot → substrate a load command's value puts into the tube (`load(substrate | {slot: substrate}
    [, precursors])`), or why it cannot."""
    what = value[0] if isinstance(value, tuple) else value
    if not isinstance(what, str | Mapping):
        return None, f"substrate {what!r} is not one of {config.substrates}"
    try:
        loading = config.holder.loading(what)
    except ValueError as exc:
        return None, str(exc)
    unknown = [s for s in loading.values() if s not in config.substrates]
    if unknown or not loading:
        return None, f"substrate {unknown[0] if unknown else None!r} is not one of {config.substrates}"
    return loading, None


def _line(config: StationConfig, gas: str) -> GasLineConfig | None:
    return next((line for line in config.gas_lines if line.gas == gas), None)


def _open(config: StationConfig, state: ProcessState, attr: str, *, flowing: bool = False) -> list[str]:
    """Lines whose `attr` flag is set (flammable, oxidizer) with an open valve (and a setpoint above 0 if `flowing`)."""
    return [line.gas for line in config.gas_lines
            if getattr(line, attr) and state.valves.get(line.gas, False)
            and (not flowing or state.flows.get(line.gas, 0.0) > 0)]


def _number(value: Any, what: str) -> tuple[float | None, str | None]:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):  # no numeric strings, no True for 1
        return None, f"{what} {value!r} is not a number"
    number = float(value)
    if not math.isfinite(number):
        return None, f"{what} {value!r} is not a finite number"
    return number, None


def _reading(value: float | None, what: str) -> str | None:
    """Why a live reading cannot be relied on (missing or not finite), or None."""
    if value is None or not math.isfinite(value):
        return f"the {what} reading ({value}) is not usable"
    return None


def flammable_admission(config: StationConfig, state: ProcessState) -> list[str]:
    """Why flammable gas may not enter the tube now (empty: it may): leak check, purge, pressure, oxidizer."""
    limits = config.limits
    found = []
    if not state.leak_checked:
        found.append("the tube has not passed a leak check since it was last opened")
    if not state.purged:
        found.append(f"the tube has not been purged with {config.inert_gas} (≥ {limits.min_purge_s:g} s after the "
                     "leak check)")
    bad = _reading(state.pressure_torr, "pressure")
    if bad:
        found.append(bad)
    elif state.pressure_torr >= limits.max_pressure_torr:  # type: ignore[operator]
        found.append(f"the tube pressure {state.pressure_torr:.3g} Torr is not below the limit "
                     f"{limits.max_pressure_torr:g} Torr")
    oxidizers = _open(config, state, "oxidizer")
    if oxidizers:
        found.append(f"oxidizer line(s) {', '.join(oxidizers)} are open (never flammable with oxidizer)")
    return found


def _furnace_setpoint(config: StationConfig, state: ProcessState, zone: str, value: Any) -> str | None:
    celsius, bad = _number(value, "setpoint")
    if bad:
        return bad
    cap, where = temperature_cap(config, f"furnace:{zone}" if zone else "furnace", state.loading)
    if not 0.0 <= celsius <= cap:  # type: ignore[operator]
        return f"setpoint {celsius:g} °C is outside 0 … {cap:g} °C ({where})"
    return None


def _ramp_rate(config: StationConfig, state: ProcessState, _: str, value: Any) -> str | None:
    rate, bad = _number(value, "ramp rate")
    if bad:
        return bad
    if not 0.0 < rate <= config.limits.max_ramp_c_per_min:  # type: ignore[operator]
        return f"ramp rate {rate:g} °C/min is outside (0, {config.limits.max_ramp_c_per_min:g}] °C/min"
    return None


def _heater(config: StationConfig, state: ProcessState, zone: str, value: Any) -> str | None:
    """A heater switches on only toward a setpoint within its zone's cap."""
    if not isinstance(value, bool):
        return f"heater state {value!r} is not true or false"
    return _hot_setpoint(config, state, f"furnace:{zone}" if zone else "furnace", state.loading) if value else None


def _hot_setpoint(config: StationConfig, state: ProcessState, key: str, loading: Mapping[str, str]) -> str | None:
    """Why zone `key`'s commanded setpoint is beyond its cap with `loading` in the tube, or None."""
    cap, where = temperature_cap(config, key, loading)
    setpoint = state.setpoints.get(key, 0.0)
    return f"the {key} setpoint {setpoint:g} °C is above {where} of {cap:g} °C" if setpoint > cap else None


def _mfc_setpoint(config: StationConfig, state: ProcessState, gas: str, value: Any) -> str | None:
    line = _line(config, gas)
    if line is None:
        return f"the station has no {gas} line"
    sccm, bad = _number(value, "flow")
    if bad:
        return bad
    if not 0.0 <= sccm <= line.full_scale_sccm:  # type: ignore[operator]
        return f"{gas} flow {sccm:g} sccm is outside 0 … {line.full_scale_sccm:g} sccm"
    carrier = config.limits.min_carrier_sccm
    flowing = _open(config, state, "flammable", flowing=True)
    if line.inert and sccm < carrier and flowing:
        return f"{gas} flow {sccm:g} sccm is below the carrier minimum {carrier:g} sccm while {', '.join(flowing)} flow"
    if sccm > 0 and line.oxidizer:
        return _no_flammable_open(config, state)
    if sccm > state.flows.get(gas, 0.0) and line.flammable:  # less (or the same) flammable gas is always fine
        found = flammable_admission(config, state)
        inert = config.inert_gas
        if not state.valves.get(inert, False) or state.flows.get(inert, 0.0) < carrier:
            found.append(f"the {inert} carrier is not flowing at ≥ {carrier:g} sccm")
        if found:
            return f"{gas} may not flow: " + "; ".join(found)
    return None


def _no_flammable_open(config: StationConfig, state: ProcessState) -> str | None:
    """Refusal of oxidizer while any flammable line is open."""
    open_lines = _open(config, state, "flammable")
    return f"flammable line(s) {', '.join(open_lines)} are open (never with oxidizer)" if open_lines else None


def _valve(config: StationConfig, state: ProcessState, line_name: str, value: Any) -> str | None:
    if not isinstance(value, bool):
        return f"valve state {value!r} is not true or false"
    flammable = _open(config, state, "flammable", flowing=True)
    if line_name == PUMP_LINE:
        if not value and flammable:
            return f"closing the pump line while {', '.join(flammable)} flow would fill a sealed tube"
        return None
    line = _line(config, line_name)
    if line is None:
        return f"the station has no {line_name} line"
    if not value and line.inert and flammable:
        return f"closing the {line_name} carrier while {', '.join(flammable)} flow"
    if value and line.oxidizer:
        return _no_flammable_open(config, state)
    if value and line.flammable and not state.valves.get(line_name, False):  # re-opening an open valve is no change
        found = flammable_admission(config, state)
        if found:
            return f"the {line_name} line may not open: " + "; ".join(found)
    return None


def _pressure_setpoint(config: StationConfig, state: ProcessState, _: str, value: Any) -> str | None:
    torr, bad = _number(value, "pressure setpoint")
    if bad:
        return bad
    if not 0.0 <= torr <= config.limits.max_pressure_torr:  # type: ignore[operator]
        return f"pressure setpoint {torr:g} Torr is outside 0 … {config.limits.max_pressure_torr:g} Torr"
    return None


def _load(config: StationConfig, state: ProcessState, _: str, value: Any) -> str | None:
    loading, bad = loading_of(config, value)
    if bad:
        return bad
    for key in furnace_keys(config):
        celsius = state.temperatures.get(key)
        bad = _reading(celsius, f"{key} temperature")
        if bad:
            return f"the tube may not open: {bad}"
        if celsius > config.limits.unload_below_c:  # type: ignore[operator]
            return (f"the tube may not open at {celsius:.1f} °C ({key}; only at or below "
                    f"{config.limits.unload_below_c:g} °C)")
    hot = state.heaters.get("furnace", False) and _hot_setpoint(config, state, "furnace", loading)  # type: ignore[arg-type]
    if hot:
        return f"the tube may not take {', '.join(loading.values())} while its heater is on: {hot}"  # type: ignore[union-attr]
    open_lines = _open(config, state, "flammable") + _open(config, state, "oxidizer")
    if open_lines:
        return f"the tube may not open while line(s) {', '.join(open_lines)} are open"
    return None


RULES = {("furnace", "write_setpoint"): _furnace_setpoint, ("furnace", "write_ramp_rate"): _ramp_rate,
         ("furnace", "write_heater"): _heater, ("mfc", "write_setpoint"): _mfc_setpoint,
         ("valve", "write_open"): _valve, ("pressure", "write_setpoint"): _pressure_setpoint,
         ("holder", "load"): _load}


def safe_direction(config: StationConfig, state: ProcessState, key: str, method: str, value: Any) -> bool:
    """Whether a command only moves the station toward its safe state (allowed even while latched)."""
    kind, _, line_name = key.partition(":")
    line = _line(config, line_name)
    if (kind, method) == ("furnace", "write_heater"):
        return value is False
    if (kind, method) == ("furnace", "write_setpoint"):
        number, bad = _number(value, "setpoint")
        celsius = state.temperatures.get(key)
        return bad is None and celsius is not None and number <= celsius + SAFE_SETPOINT_SLACK_C  # type: ignore[operator]
    if kind == "mfc":
        return value == 0 or (line is not None and line.inert)
    if kind == "valve":
        return value is True if (line_name == PUMP_LINE or (line is not None and line.inert)) else value is False
    if kind == "pressure":
        return value == 0
    return kind not in PROCESS_KINDS


def refusal(config: StationConfig, state: ProcessState, key: str, method: str, value: Any) -> str | None:
    """Why command `key.method(value)` must not reach its driver, or None if it may."""
    if not is_command(key, method):
        return None
    if state.latched and not safe_direction(config, state, key, method, value):
        return (f"station {config.name} is latched in the safe state ({state.latched}); an operator must clear it: "
                f"sdlab safety clear --station {config.name}")
    kind, _, name = key.partition(":")
    rule = RULES.get((kind, method))
    return rule(config, state, name, value) if rule else None


def safe_state_commands(config: StationConfig) -> list[tuple[str, str, Any]]:
    """The safe state as commands, in order: every zone's heater off, flammables and oxidizers off and closed, pump
    and throttle open, inert purge on."""
    commands: list[tuple[str, str, Any]] = [(key, "write_heater", False) for key in furnace_keys(config)]
    for line in config.gas_lines:
        if line.flammable or line.oxidizer:
            commands += [(f"mfc:{line.gas}", "write_setpoint", 0.0), (f"valve:{line.gas}", "write_open", False)]
    inert = next(line for line in config.gas_lines if line.inert)
    commands += [(f"valve:{inert.gas}", "write_open", True), (f"valve:{PUMP_LINE}", "write_open", True),
                 ("pressure", "write_setpoint", 0.0),
                 (f"mfc:{inert.gas}", "write_setpoint", min(SAFE_PURGE_SCCM, inert.full_scale_sccm))]
    return commands
