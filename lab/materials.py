"""The materials a campaign can grow: graphene, and Mo(1−x)W(x)S(2(1−y))Se(2y) TMDs by formula.

A material fixes the station kind it needs, its recipe type and its default search space. TMDs are named
by formula: end members (`MoS2`, `WS2`, `MoSe2`, `WSe2`, any case) or alloys such as `Mo0.7W0.3S2`,
`MoS1.2Se0.8` or `Mo0.5W0.5SSe` (metals summing to 1, chalcogens to 2).
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from lab.recipe import GrowthRecipe, Recipe, TmdRecipe, graphene_space
from planners import Categorical, Integer, Real, Space
from planners.space import ParamValue
from simulators import tmd

METALS = ("Mo", "W")
CHALCOGENS = ("S", "Se")
_TERM = re.compile(r"([A-Z][a-z]?)(\d*\.?\d*)")


@dataclass(frozen=True)
class Material:
    """A material to grow: its station kind and, for TMDs, the target composition."""

    name: str
    kind: Literal["graphene", "tmd"]
    x_w: float = 0.0  # W share of the metal site
    y_se: float = 0.0  # Se share of the chalcogen site

    @property
    def recipe_type(self) -> type[Recipe]:
        return GrowthRecipe if self.kind == "graphene" else TmdRecipe

    @property
    def alloyed(self) -> tuple[bool, bool]:
        """Whether the metal site and the chalcogen site are mixed."""
        return 0 < self.x_w < 1, 0 < self.y_se < 1

    def space(self) -> Space:
        """The default search space of a campaign on this material."""
        if self.kind == "graphene":
            return graphene_space()
        selenide = self.y_se > 0
        parameters = [Real("growth_c", 600, 950), Real("chalcogen_c", 180, 350) if selenide
                      else Real("chalcogen_c", 120, 250), Real("ar_sccm", 20, 200, log=True),
                      Real("precursor_mg", 1, 30, log=True), Integer("growth_min", 5, 30),
                      Categorical("promoter", ["none", "NaCl"])]
        if selenide:  # Se reacts with the oxide mainly as H2Se
            parameters.append(Real("h2_sccm", 1, 30, log=True))
        mixed_metal, mixed_chalcogen = self.alloyed
        if mixed_metal:  # WO3 is far less volatile than MoO3: the film's x is not the powder's share
            parameters.append(Real("w_fraction", 0.05, 0.95))
        if mixed_chalcogen:  # S is ~10³× as volatile as Se: films of y = 0.1 … 0.9 need S shares of ~1e-4 … 0.07
            parameters.append(Real("s_fraction", 1e-4, 0.1, log=True))
        return Space(parameters)

    def literature_recipes(self, space: Space) -> list[dict[str, ParamValue]]:
        """TMDs: the literature recipe of this composition and, when the chalcogen site is mixed, the same recipe
        with half and with twice its S share, as points of ``space`` (each setting moved into its range); a
        campaign runs them first. Empty for graphene.

        The literature recipe is the standard recipe under the literature growth model
        (``simulators.tmd.standard_recipe`` with ``TmdTruth.nominal()``, the published constants every simulated
        world scatters around): the powder shares solved for the composition, at the growth temperature the
        model expects to work best. The S share is its least certain setting (S is ~10³× as volatile as Se, and
        Se reacts mainly as H2Se), so it is bracketed by a factor of two. A real lab starts from the same
        recipes; what differs in its furnace the campaign then learns by experiment.
        """
        if self.kind == "graphene":
            return []
        settings = _literature_settings(self.x_w, self.y_se)
        shares = (1.0, 0.5, 2.0) if "s_fraction" in space.names else (1.0,)
        return [{p.name: _into(p, settings[p.name] * share if p.name == "s_fraction" else settings[p.name])
                 for p in space.parameters} for share in shares]

    def world_recipe(self, params: Mapping[str, Any]) -> tmd.TmdRecipe:
        """TMDs: the simulated world's recipe for a point of this material's space (settings the point lacks: the
        material's powder shares, else the recipe's defaults). ValueError for a graphene material; KeyError,
        TypeError or ValueError for a missing or malformed setting."""
        if self.kind != "tmd":
            raise ValueError(f"{self.name} is not a TMD")
        defaults = self.defaults()
        return tmd.TmdRecipe(
            growth_c=float(params["growth_c"]), chalcogen_c=float(params["chalcogen_c"]),
            ar_sccm=float(params["ar_sccm"]), precursor_mg=float(params["precursor_mg"]),
            growth_min=int(float(params["growth_min"])), promoter=params.get("promoter", "none") == "NaCl",
            h2_sccm=float(params.get("h2_sccm", 0.0)),
            precursor_w_fraction=float(params.get("w_fraction", defaults["w_fraction"])),
            chalcogen_se_fraction=1.0 - float(params.get("s_fraction", defaults["s_fraction"])),
            pressure_torr=float(params.get("pressure_torr", tmd.ATMOSPHERE_TORR)),
            substrate=str(params.get("substrate", "SiO2/Si")))

    def defaults(self) -> dict[str, float | str]:
        """Recipe settings the material fixes (the nominal powder shares of its composition)."""
        if self.kind == "graphene":
            return {}
        return {"w_fraction": self.x_w, "s_fraction": 1 - self.y_se}


@functools.cache
def _literature_settings(x_w: float, y_se: float) -> dict[str, Any]:
    recipe = tmd.standard_recipe(tmd.TmdTruth.nominal(), x_w, y_se)
    return {"growth_c": recipe.growth_c, "chalcogen_c": recipe.chalcogen_c, "ar_sccm": recipe.ar_sccm,
            "precursor_mg": recipe.precursor_mg, "growth_min": recipe.growth_min,
            "promoter": "NaCl" if recipe.promoter else "none", "h2_sccm": recipe.h2_sccm,
            "w_fraction": recipe.precursor_w_fraction, "s_fraction": 1.0 - recipe.chalcogen_se_fraction}


def _into(parameter: Real | Integer | Categorical, value: Any) -> ParamValue:
    """``value`` moved into the parameter's range (the nearest bound)."""
    if isinstance(parameter, Categorical):
        return value
    inside = min(max(value, parameter.low), parameter.high)
    return round(inside) if isinstance(parameter, Integer) else float(inside)


def _formula(metal: dict[str, float], chalcogen: dict[str, float]) -> str:
    def part(shares: dict[str, float], total: float) -> str:
        present = [(element, amount) for element, amount in shares.items() if amount > 0]
        if len(present) == 1:
            element, _ = present[0]
            return element + ("2" if total == 2 else "")
        return "".join(f"{element}{amount:g}" for element, amount in present)

    return part(metal, 1) + part(chalcogen, 2)


def parse_material(text: str) -> Material:
    """The material named `text` ('graphene' or a TMD formula); ValueError says what is wrong."""
    if text.strip().lower() == "graphene":
        return Material("graphene", "graphene")
    raw = text.strip()
    canonical = {name.lower(): name for name in ("MoS2", "WS2", "MoSe2", "WSe2")}
    raw = canonical.get(raw.lower(), raw)
    terms = _TERM.findall(raw)
    if not terms or "".join(element + amount for element, amount in terms) != raw:
        raise ValueError(f"material {text!r} is not graphene or a TMD formula such as MoS2, WSe2, Mo0.7W0.3S2 or "
                         "MoS1.2Se0.8")
    amounts: dict[str, float] = {}
    for element, amount in terms:
        if element not in METALS + CHALCOGENS:
            raise ValueError(f"material {text!r}: element {element} is not one of {', '.join(METALS + CHALCOGENS)} "
                             "(the simulated TMD lab grows Mo/W sulfides and selenides)")
        if element in amounts:
            raise ValueError(f"material {text!r}: {element} appears twice")
        amounts[element] = float(amount) if amount else 1.0
    metal = {m: amounts.get(m, 0.0) for m in METALS}
    chalcogen = {c: amounts.get(c, 0.0) for c in CHALCOGENS}
    if not math.isclose(sum(metal.values()), 1.0, abs_tol=1e-9):
        raise ValueError(f"material {text!r}: the metal shares (Mo, W) must add up to 1, "
                         f"got {sum(metal.values()):g}")
    if not math.isclose(sum(chalcogen.values()), 2.0, abs_tol=1e-9):
        raise ValueError(f"material {text!r}: the chalcogens (S, Se) must add up to 2 per formula unit, "
                         f"got {sum(chalcogen.values()):g}")
    return Material(_formula(metal, chalcogen), "tmd", x_w=metal["W"], y_se=chalcogen["Se"] / 2)
