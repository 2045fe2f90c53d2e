"""Growth recipes: fixed station practice plus the parameters a planner chooses."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields, replace
from typing import Any, Self

from planners import Categorical, Integer, Real, Space

GRAPHENE_CONSTRAINTS = ["h2_sccm + ch4_sccm <= 100"]


def graphene_space() -> Space:
    """The default search space of a graphene-on-Cu campaign."""
    return Space([Real("temperature_c", 950, 1065), Real("ch4_sccm", 0.5, 50, log=True),
                  Real("h2_sccm", 2, 100, log=True), Real("pressure_torr", 0.1, 10, log=True),
                  Integer("growth_min", 1, 60), Categorical("substrate", ["Cu", "CuNi"])],
                 constraints=GRAPHENE_CONSTRAINTS)


@dataclass(frozen=True)
class Recipe(ABC):
    """What every recipe shares: the station's practice around a growth (ramp, leak check, purge, cooling,
    reading period), construction from planner parameters over defaults, and a plain dict out."""

    ramp_c_per_min: float = 20.0
    purge_min: float = 5.0
    base_pressure_torr: float = 0.05
    leak_check_s: float = 60.0
    cool_below_c: float = 100.0
    reading_period_s: float = 60.0

    @classmethod
    def from_params(cls, params: Mapping[str, Any], defaults: Mapping[str, Any] | None = None) -> Self:
        """A recipe from planner parameters over defaults; unknown names raise ValueError naming them."""
        known = {f.name for f in fields(cls)}
        merged = {**(defaults or {}), **params}
        unknown = sorted(set(merged) - known)
        if unknown:
            raise ValueError(f"unknown recipe parameter(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        return replace(cls(), **merged)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @abstractmethod
    def zone_temperatures(self) -> dict[str, float]:
        """Each furnace zone's process temperature (°C), by recipe field; the growth zone's first."""

    @abstractmethod
    def gas_flows(self, inert: str) -> dict[str, list[float]]:
        """Every flow (sccm) the recipe sets, by gas; `inert` is the station's purge gas."""


@dataclass(frozen=True)
class GrowthRecipe(Recipe):
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
    purge_ar_sccm: float = 200.0

    def zone_temperatures(self) -> dict[str, float]:
        return {"temperature_c": self.temperature_c}

    def gas_flows(self, inert: str) -> dict[str, list[float]]:
        return {"CH4": [self.ch4_sccm], "H2": [self.h2_sccm, self.anneal_h2_sccm],
                inert: [self.ar_sccm, self.purge_ar_sccm]}


@dataclass(frozen=True)
class TmdRecipe(Recipe):
    """One two-zone CVD growth of a TMD: load the substrate and powders → leak check → purge → fill to the
    process pressure → heat the growth zone (the chalcogen zone timed to reach its temperature with it)
    → grow → cool under the inert gas."""

    growth_c: float = 740.0  # growth zone: substrate and oxide powder (MoO3/WO3)
    chalcogen_c: float = 150.0  # upstream zone: S/Se powder
    ar_sccm: float = 75.0
    h2_sccm: float = 0.0
    pressure_torr: float = 760.0
    growth_min: float = 15.0
    substrate: str = "SiO2/Si"
    precursor_mg: float = 10.0  # oxide powder
    w_fraction: float = 0.0  # WO3 share of the oxide powder
    chalcogen_mg: float = 200.0
    s_fraction: float = 1.0  # S share of the chalcogen powder, the rest Se (S is ~10³× as volatile as Se)
    promoter: str = "none"  # "NaCl": promoter mixed into the oxide
    promoter_mg: float = 1.0
    purge_ar_sccm: float = 300.0

    def zone_temperatures(self) -> dict[str, float]:
        return {"growth_c": self.growth_c, "chalcogen_c": self.chalcogen_c}

    def gas_flows(self, inert: str) -> dict[str, list[float]]:
        return {"H2": [self.h2_sccm], inert: [self.ar_sccm, self.purge_ar_sccm]}

    def precursors_mg(self) -> dict[str, float]:
        """The powders loaded for this growth, mg per source."""
        loads = {"MoO3": self.precursor_mg * (1 - self.w_fraction), "WO3": self.precursor_mg * self.w_fraction,
                 "S": self.chalcogen_mg * self.s_fraction, "Se": self.chalcogen_mg * (1 - self.s_fraction),
                 "NaCl": self.promoter_mg if self.promoter == "NaCl" else 0.0}
        return {source: mg for source, mg in loads.items() if mg > 0}
