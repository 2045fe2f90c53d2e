"""Station limits applied to recipes and search spaces before anything reaches a device."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import fields
from typing import TypeVar

from devices.config import StationConfig
from devices.optics import MAX_PRECURSOR_MG
from lab.errors import UserError
from lab.recipe import Recipe, TmdRecipe
from planners import Categorical, Space

R = TypeVar("R", bound=Recipe)
PROMOTERS = ("none", "NaCl")
MIN_COOL_C = 40.0  # a furnace cools toward room temperature only asymptotically
PRESSURE_HEADROOM = 0.95  # flammable processes run at most this share of the pressure limit (the interlock's)


class SafetyError(UserError):
    """A recipe or search space that breaks the station's limits; nothing was sent."""


def _temperatures(recipe: Recipe, station: StationConfig, loading: Mapping[str, str]) -> list[str]:
    """Zone temperatures within their caps: the growth zone's for the loaded substrates at their slots (see
    `StationConfig.growth_cap`), the chalcogen zone's."""
    found = []
    zones = recipe.zone_temperatures()
    growth_field = next(iter(zones))
    for name, value in zones.items():
        if name == growth_field:
            cap, what = station.growth_cap(loading)
        elif station.chalcogen_furnace is None:
            found.append(f"{name} needs a chalcogen zone, which station {station.name} does not have")
            continue
        else:
            cap, what = station.limits.max_chalcogen_c, "the chalcogen zone's cap"
        if value > cap:
            found.append(f"{name} {value:g} exceeds {what} of {cap:g} °C")
        elif value <= 0:
            found.append(f"{name} {value:g} must be above 0 °C")
    return found


def _flows(recipe: Recipe, station: StationConfig) -> list[str]:
    full_scale = {line.gas: line.full_scale_sccm for line in station.gas_lines}
    found = []
    for gas, values in recipe.gas_flows(station.inert_gas).items():
        for sccm in values:
            if sccm and gas not in full_scale:
                found.append(f"the recipe needs a {gas} line, which station {station.name} does not have")
            elif not 0 <= sccm <= full_scale.get(gas, 0.0):
                found.append(f"{gas} flow {sccm:g} sccm is outside 0 … {full_scale[gas]:g} sccm")
    return found


def _interlock_needs(recipe: Recipe, station: StationConfig) -> list[str]:
    """What the interlock will demand at run time, checked up front: a recipe that passes is never refused
    (and the station never latched) for a leak check, purge, carrier or pressure the recipe itself set short."""
    limits = station.limits
    found = []
    if recipe.leak_check_s < limits.min_leak_check_s:
        found.append(f"leak_check_s {recipe.leak_check_s:g} is shorter than the station's minimum leak check "
                     f"of {limits.min_leak_check_s:g} s")
    if recipe.purge_min * 60.0 < limits.min_purge_s:
        found.append(f"purge_min {recipe.purge_min:g} is shorter than the station's minimum purge of "
                     f"{limits.min_purge_s:g} s")
    flammable = {line.gas for line in station.gas_lines if line.flammable}
    flows = recipe.gas_flows(station.inert_gas)
    if not any(sccm > 0 for gas in flammable for sccm in flows.get(gas, [])):
        return found
    carrier, purge = flows[station.inert_gas]  # both recipes list (carrier, purge)
    if carrier < limits.min_carrier_sccm:
        found.append(f"ar_sccm {carrier:g} is below the carrier minimum of {limits.min_carrier_sccm:g} sccm "
                     "that must flow with flammable gas")
    if purge <= 0:
        found.append("purge_ar_sccm must be above 0 to purge the tube before flammable gas")
    headroom = PRESSURE_HEADROOM * limits.max_pressure_torr
    if recipe.pressure_torr > headroom:
        found.append(f"pressure_torr {recipe.pressure_torr:g} leaves too little headroom for flammable gas "
                     f"(at most {headroom:g} Torr, {PRESSURE_HEADROOM:.0%} of the {limits.max_pressure_torr:g} Torr "
                     "limit)")
    return found


def _powders(recipe: TmdRecipe) -> list[str]:
    found = [f"{name} {getattr(recipe, name):g} is outside 0 … 1" for name in ("w_fraction", "s_fraction")
             if not 0 <= getattr(recipe, name) <= 1]
    found += [f"{name} {getattr(recipe, name):g} is outside 0 … {MAX_PRECURSOR_MG:g} mg"
              for name in ("precursor_mg", "chalcogen_mg", "promoter_mg")
              if not 0 <= getattr(recipe, name) <= MAX_PRECURSOR_MG]
    if recipe.promoter not in PROMOTERS:
        found.append(f"promoter {recipe.promoter!r} is not one of {', '.join(PROMOTERS)}")
    return found


def _malformed(recipe: Recipe) -> list[str]:
    """Fields whose value is not of the field's kind: a finite number, or text."""
    found = []
    for field in fields(recipe):  # type: ignore[arg-type]
        value = getattr(recipe, field.name)
        if isinstance(field.default, float) and (isinstance(value, bool) or not isinstance(value, int | float)
                                                 or not math.isfinite(value)):
            found.append(f"{field.name} {value!r} is not a finite number")
        elif isinstance(field.default, str) and not isinstance(value, str):
            found.append(f"{field.name} {value!r} is not text")
    return found


def _loading(recipe: Recipe, station: StationConfig,
             slots: Mapping[str, str] | None) -> tuple[dict[str, str], list[str]]:
    """The run's slot → substrate (`slots`, or the recipe's substrate in the first slot), and what is wrong with
    it."""
    try:
        loading = station.holder.loading(recipe.substrate if slots is None else slots)
    except ValueError as exc:
        return {}, [str(exc)]
    return loading, [f"substrate {s!r} is not one of {station.substrates}" for s in dict.fromkeys(loading.values())
                     if s not in station.substrates]


def violations(recipe: Recipe, station: StationConfig, slots: Mapping[str, str] | None = None) -> list[str]:
    """Every way `recipe` breaks the station's limits (empty when it is safe); `slots` (slot → substrate) is the
    run's loading when it grows several substrates, else the recipe's substrate goes into the first slot."""
    limits = station.limits
    found = _malformed(recipe)
    if found:
        return found
    loading, found = _loading(recipe, station, slots)
    if not found:
        found += _temperatures(recipe, station, loading)
    if not 0 < recipe.ramp_c_per_min <= limits.max_ramp_c_per_min:
        found.append(f"ramp_c_per_min {recipe.ramp_c_per_min:g} exceeds {limits.max_ramp_c_per_min:g} °C/min")
    if not 0 < recipe.pressure_torr <= limits.max_pressure_torr:
        found.append(f"pressure_torr {recipe.pressure_torr:g} is outside (0, {limits.max_pressure_torr:g}] Torr")
    if recipe.cool_below_c > limits.unload_below_c:
        found.append(f"cool_below_c {recipe.cool_below_c:g} is above the unload limit {limits.unload_below_c:g} °C")
    elif recipe.cool_below_c < MIN_COOL_C:
        found.append(f"cool_below_c {recipe.cool_below_c:g} is below {MIN_COOL_C:g} °C, which a furnace cooling "
                     "toward room temperature may never reach")
    found += _flows(recipe, station)
    if isinstance(recipe, TmdRecipe):
        found += _powders(recipe)
    durations = ("growth_min", "anneal_min", "purge_min", "leak_check_s", "reading_period_s")
    found += [f"{name} must not be negative" for name in durations if getattr(recipe, name, 0.0) < 0]
    return found or _interlock_needs(recipe, station)


def check(recipe: R, station: StationConfig, slots: Mapping[str, str] | None = None) -> R:
    """Return `recipe` if it is within the station's limits with `slots` loaded (see `violations`), else raise
    SafetyError listing why."""
    found = violations(recipe, station, slots)
    if found:
        raise SafetyError(f"unsafe recipe for station {station.name}: " + "; ".join(found))
    return recipe


def check_space(space: Space, defaults: Recipe, station: StationConfig, slots: Sequence[str] = ()) -> None:
    """Refuse a search space any corner of which would break the station's limits: with the recipe's substrate in
    the first slot, or in each of `slots` (runs of several substrates: a run's cap is the least of its slots')."""
    corners: list[dict[str, object]] = [{}]
    for parameter in space.parameters:
        values = parameter.choices if isinstance(parameter, Categorical) else [parameter.low, parameter.high]
        corners = [{**corner, parameter.name: value} for corner in corners for value in values]
    for corner in corners:
        try:
            recipe = type(defaults).from_params(corner, defaults.as_dict())
        except ValueError as exc:
            raise SafetyError(f"search space: {exc}") from None
        for loading in [{slot: recipe.substrate} for slot in slots] or [None]:
            found = violations(recipe, station, loading)
            if found:
                raise SafetyError(f"search space reaches beyond station {station.name}'s limits: {found[0]}; "
                                  "narrow the parameter bounds")
