"""Growth recipes: fixed station practice plus the parameters a planner chooses."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from planners import Categorical, Integer, Real, Space

GRAPHENE_CONSTRAINTS = ["h2_sccm + ch4_sccm <= 100"]


def graphene_space() -> Space:
    """The default search space of a graphene-on-Cu campaign."""
    return Space([Real("temperature_c", 950, 1065), Real("ch4_sccm", 0.5, 50, log=True),
                  Real("h2_sccm", 2, 100, log=True), Real("pressure_torr", 0.1, 10, log=True),
                  Integer("growth_min", 1, 60), Categorical("substrate", ["Cu", "CuNi"])],
                 constraints=GRAPHENE_CONSTRAINTS)


@dataclass(frozen=True)
class GrowthRecipe:
    """One LPCVD graphene growth: leak check → purge → pump down → heat → anneal → grow → cool."""

    temperature_c: float = 1030.0
    ch4_sccm: float = 5.0
    h2_sccm: float = 20.0
    ar_sccm: float = 0.0
    pressure_torr: float = 1.0
    growth_min: float = 20.0
    substrate: str = "Cu"
    anneal_min: float = 10.0
    anneal_h2_sccm: float = 20.0
    ramp_c_per_min: float = 20.0
    purge_ar_sccm: float = 200.0
    purge_min: float = 5.0
    base_pressure_torr: float = 0.05
    leak_check_s: float = 60.0
    cool_below_c: float = 100.0
    reading_period_s: float = 60.0

    @classmethod
    def from_params(cls, params: Mapping[str, Any], defaults: Mapping[str, Any] | None = None) -> GrowthRecipe:
        """A recipe from planner parameters over defaults; unknown names raise ValueError naming them."""
        known = {f.name for f in fields(cls)}
        merged = {**(defaults or {}), **params}
        unknown = sorted(set(merged) - known)
        if unknown:
            raise ValueError(f"unknown recipe parameter(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        return replace(cls(), **merged)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)
