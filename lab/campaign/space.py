"""A campaign's search space and default recipe, checked against its station before anything starts (light: the
command line refuses a bad campaign before it imports the station, the planner or Prefect)."""

from __future__ import annotations

from devices.config import StationConfig
from lab.errors import UserError
from lab.recipe import Recipe
from lab.safety.limits import check_space
from lab.settings import CampaignConfig
from lab.slots import run_space
from planners import Space


def campaign_plan(campaign: CampaignConfig, station_config: StationConfig) -> tuple[Space, Recipe]:
    """The campaign's search space and default recipe, checked against the station before anything runs.

    Raises UserError when the station cannot grow the material, the recipe names unknown settings, or any
    corner of the space breaks the station's limits.
    """
    material = campaign.material_spec
    if station_config.material != material.kind:
        raise UserError(f"campaign material {material.name} needs a {material.kind} station, but station "
                        f"{station_config.name} is a {station_config.material} station; pick a {material.kind} "
                        "station config")
    space = material.space()
    recipe_type = material.recipe_type
    carrier = max(recipe_type().ar_sccm, station_config.limits.min_carrier_sccm)  # the interlock's minimum
    try:
        defaults = recipe_type.from_params({"ar_sccm": carrier, **material.defaults(), **campaign.recipe})
    except (TypeError, ValueError) as exc:
        raise UserError(f"campaign recipe: {exc}") from None
    if campaign.substrates == 1:
        check_space(space, defaults, station_config)
        return space, defaults
    slots = [slot.name for slot in station_config.holder.slots]
    if campaign.substrates > len(slots):
        raise UserError(f"--substrates {campaign.substrates}: station {station_config.name}'s holder has "
                        f"{len(slots)} slot(s) (holder.slots in its config)")
    check_space(space, defaults, station_config, slots)
    return run_space(space, station_config, defaults), defaults
