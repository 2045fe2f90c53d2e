"""What the lab knows of each slot's local conditions under a run's recipe: from the station config alone (the
furnace's axial profile and the holder's geometry), never from a twin's hidden truth.

A slot's features are its local temperature at the recipe's growth setpoint and, on a two-zone TMD station, its
distance downstream of the oxide boat (the precursor flux falls with it). A run's search space tells the planner how
each slot sees the recipe (``planners.LocalScale``): the growth setpoint scaled by the profile, and on a TMD station
whose holder has a measured ``oxide_decay_mm`` the oxide load scaled by the share that reaches the slot; the
planner then models local conditions, so what one slot teaches carries to every recipe.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from devices.config import StationConfig
from devices.profile import AMBIENT_C, local_temperature_c
from lab.recipe import Recipe
from planners import Categorical, LocalScale, Space

LOCAL_TEMPERATURE = "local_temperature_c"
BOAT_DISTANCE = "boat_distance_mm"
SLOT = "slot"  # the per-sample parameter of a run of several substrates: the holder's slot
SAMPLE_KEYS = (SLOT, "position_mm", LOCAL_TEMPERATURE, BOAT_DISTANCE)  # a run's sample in its documents
OXIDE_LOAD = "precursor_mg"  # a TMD recipe's oxide powder, every metal source's


def run_space(space: Space, config: StationConfig, recipe: Recipe) -> Space:
    """A material's search space for runs of several substrates: each point gains the slot it grows in; the
    slot differs between a run's samples, everything else (the substrate kind too) is the run's shared recipe.
    Each slot sees `recipe`'s growth setpoint through the furnace's profile and, where the holder's oxide decay
    is measured, its share of the oxide load (`LocalScale`)."""
    holder = config.holder
    names = [slot.name for slot in holder.slots]
    factors = {next(iter(recipe.zone_temperatures())): {n: config.profile.factor(holder.position(n)) for n in names}}
    if config.material == "tmd" and holder.oxide_decay_mm is not None:
        factors[OXIDE_LOAD] = {n: math.exp(-abs(holder.position(n) - holder.boat_mm) / holder.oxide_decay_mm)
                               for n in names}
    local = [LocalScale(name, SLOT, by_slot, AMBIENT_C if name != OXIDE_LOAD else 0.0)
             for name, by_slot in factors.items() if name in space.names]
    return Space([*space.parameters, Categorical(SLOT, names)], [c.expression for c in space.constraints],
                 shared=space.names, local=local)


def slot_conditions(config: StationConfig, recipe: Recipe, slot: str) -> dict[str, float]:
    """The local conditions of `slot` under `recipe`: its position, local growth temperature and (TMD stations)
    its distance downstream of the oxide boat."""
    position = config.holder.position(slot)
    setpoint = next(iter(recipe.zone_temperatures().values()))  # the growth zone's
    conditions = {"position_mm": position, LOCAL_TEMPERATURE: local_temperature_c(config.profile, setpoint, position)}
    if config.material == "tmd":
        conditions[BOAT_DISTANCE] = position - config.holder.boat_mm
    return conditions


def run_samples(config: StationConfig, recipe: Recipe, slots: Mapping[str, str]) -> list[dict[str, Any]]:
    """One record per loaded substrate of a run: slot, substrate and local conditions (for start documents)."""
    return [{"slot": slot, "substrate": substrate, **slot_conditions(config, recipe, slot)}
            for slot, substrate in slots.items()]
