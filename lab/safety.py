"""Station limits applied to recipes and search spaces before anything reaches a device."""

from __future__ import annotations

from devices.station import StationConfig
from lab.errors import UserError
from lab.recipe import GrowthRecipe
from planners import Categorical, Space

MIN_COOL_C = 40.0  # a furnace cools toward room temperature only asymptotically


class SafetyError(UserError):
    """A recipe or search space that breaks the station's limits; nothing was sent."""


def violations(recipe: GrowthRecipe, station: StationConfig) -> list[str]:
    """Every way `recipe` breaks the station's limits (empty when it is safe)."""
    limits = station.limits
    found = []
    if recipe.substrate not in station.substrates:
        found.append(f"substrate {recipe.substrate!r} is not one of {station.substrates}")
    else:
        cap = station.max_temperature_for(recipe.substrate)
        if recipe.temperature_c > cap:
            found.append(f"temperature_c {recipe.temperature_c:g} exceeds the {recipe.substrate} cap of {cap:g} °C")
        elif recipe.temperature_c <= 0:
            found.append(f"temperature_c {recipe.temperature_c:g} must be above 0 °C")
    if not 0 < recipe.ramp_c_per_min <= limits.max_ramp_c_per_min:
        found.append(f"ramp_c_per_min {recipe.ramp_c_per_min:g} exceeds {limits.max_ramp_c_per_min:g} °C/min")
    if not 0 < recipe.pressure_torr <= limits.max_pressure_torr:
        found.append(f"pressure_torr {recipe.pressure_torr:g} is outside (0, {limits.max_pressure_torr:g}] Torr")
    if recipe.cool_below_c > limits.unload_below_c:
        found.append(f"cool_below_c {recipe.cool_below_c:g} is above the unload limit {limits.unload_below_c:g} °C")
    elif recipe.cool_below_c < MIN_COOL_C:
        found.append(f"cool_below_c {recipe.cool_below_c:g} is below {MIN_COOL_C:g} °C, which a furnace cooling "
                     "toward room temperature may never reach")
    full_scale = {line.gas: line.full_scale_sccm for line in station.gas_lines}
    flows = {"CH4": [recipe.ch4_sccm], "H2": [recipe.h2_sccm, recipe.anneal_h2_sccm],
             station.inert_gas: [recipe.ar_sccm, recipe.purge_ar_sccm]}
    for gas, values in flows.items():
        for sccm in values:
            if sccm and gas not in full_scale:
                found.append(f"the recipe needs a {gas} line, which station {station.name} does not have")
            elif not 0 <= sccm <= full_scale.get(gas, 0.0):
                found.append(f"{gas} flow {sccm:g} sccm is outside 0 … {full_scale[gas]:g} sccm")
    for name in ("growth_min", "anneal_min", "purge_min", "leak_check_s", "reading_period_s"):
        if getattr(recipe, name) < 0:
            found.append(f"{name} must not be negative")
    return found


def check(recipe: GrowthRecipe, station: StationConfig) -> GrowthRecipe:
    """Return `recipe` if it is within the station's limits, else raise SafetyError listing why."""
    found = violations(recipe, station)
    if found:
        raise SafetyError(f"unsafe recipe for station {station.name}: " + "; ".join(found))
    return recipe


def check_space(space: Space, defaults: GrowthRecipe, station: StationConfig) -> None:
    """Refuse a search space any corner of which would break the station's limits."""
    corners: list[dict[str, object]] = [{}]
    for parameter in space.parameters:
        values = parameter.choices if isinstance(parameter, Categorical) else [parameter.low, parameter.high]
        corners = [{**corner, parameter.name: value} for corner in corners for value in values]
    for corner in corners:
        try:
            recipe = GrowthRecipe.from_params(corner, defaults.as_dict())
        except ValueError as exc:
            raise SafetyError(f"search space: {exc}") from None
        found = violations(recipe, station)
        if found:
            raise SafetyError(f"search space reaches beyond station {station.name}'s limits: {found[0]}; "
                              "narrow the parameter bounds")
