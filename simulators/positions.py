"""Local growth conditions along the tube: what a substrate in one slot sees of the tube's shared state.

Pure functions. Every material sees the furnace's axial temperature profile (`devices.profile`). In two-zone TMD
growth the oxide vapour comes from a boat in the growth zone and is carried downstream by the carrier gas while
the substrates take it up, so the delivered oxide falls off roughly exponentially with distance downstream of the
boat (a few cm: the thickness and shape gradients of MoS2 along a substrate row, e.g. Wang et al., Chem. Mater.
26, 6371 (2014); Özden et al., Appl. Phys. Lett. 108, 163107 (2016)); upstream of the boat only back-diffusion
reaches, over a much shorter length. The chalcogen vapour from the upstream zone is in large excess and is used up
slowly along the growth zone. For graphene by LPCVD the literature supports no position effect beyond the
temperature profile (methane depletion is negligible at low pressure), so only the temperature changes.

The model's simplification: the oxide's volatility follows the slot's local temperature (as for a substrate
above its boat, the single-substrate geometry); the distance to the boat scales the oxide that arrives.
"""

from __future__ import annotations

import math
from dataclasses import replace

from devices.config import GROWTH_ZONE
from devices.profile import FlatZoneProfile, MeasuredProfile, local_temperature_c
from simulators.worlds import METAL_SOURCES, TubeState

OXIDE_DECAY_MM = 30.0  # e-folding length of the delivered oxide downstream of the boat
OXIDE_BACK_DIFFUSION_MM = 3.0  # … and upstream of it (against the carrier flow)
CHALCOGEN_DECAY_MM = 200.0  # e-folding length of the chalcogen vapour along the growth zone


def oxide_factor(distance_mm: float) -> float:
    """The share of the oxide vapour that reaches a point `distance_mm` downstream of the boat (negative:
    upstream); 1 at the boat."""
    length = OXIDE_DECAY_MM if distance_mm >= 0 else OXIDE_BACK_DIFFUSION_MM
    return math.exp(-abs(distance_mm) / length)


def chalcogen_factor(distance_mm: float) -> float:
    """The share of the chalcogen vapour left `distance_mm` downstream of the boat (≥ 1 upstream of it, where
    less has been used up); 1 at the boat."""
    return math.exp(-distance_mm / CHALCOGEN_DECAY_MM)


def local_state(state: TubeState, profile: MeasuredProfile | FlatZoneProfile, position_mm: float, substrate: str,
                boat_mm: float | None = None) -> TubeState:
    """What a `substrate` at `position_mm` sees: the local growth-zone temperature and, with an oxide boat at
    `boat_mm` (TMD stations), the oxide load scaled by the share of its vapour that reaches the slot, and the
    chalcogen vapour's share."""
    zones = dict(state.zones_c)
    zones[GROWTH_ZONE] = local_temperature_c(profile, zones[GROWTH_ZONE], position_mm)
    if boat_mm is None:
        return replace(state, zones_c=zones, substrate=substrate)
    distance = position_mm - boat_mm
    oxide = oxide_factor(distance)
    loads = {source: mg * oxide if source in METAL_SOURCES else mg for source, mg in state.precursors_mg.items()}
    return replace(state, zones_c=zones, substrate=substrate, precursors_mg=loads,
                   chalcogen_share=chalcogen_factor(distance))
