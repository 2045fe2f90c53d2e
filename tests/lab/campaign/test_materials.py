"""Material names and formulas: what they grow, and their search spaces."""

from __future__ import annotations

import re

import numpy as np
import pytest

from lab.materials import parse_material
from lab.recipe import GrowthRecipe, TmdRecipe
from planners import Real
from simulators import tmd
from simulators.tmd import TmdTruth, growth_rates, standard_recipe


@pytest.mark.parametrize(("text", "name", "x_w", "y_se"), [
    ("graphene", "graphene", 0.0, 0.0), ("mos2", "MoS2", 0.0, 0.0), ("WSe2", "WSe2", 1.0, 1.0),
    ("Mo0.7W0.3S2", "Mo0.7W0.3S2", 0.3, 0.0), ("MoS1.2Se0.8", "MoS1.2Se0.8", 0.0, 0.4),
    ("W1S2", "WS2", 1.0, 0.0),
])
def test_formulas_give_composition(text: str, name: str, x_w: float, y_se: float) -> None:
    material = parse_material(text)
    assert (material.name, material.x_w, material.y_se) == (name, pytest.approx(x_w), pytest.approx(y_se))


@pytest.mark.parametrize(("text", "says"), [
    ("MoTe2", "element Te is not one of"), ("Mo0.7W0.2S2", "metal shares (Mo, W) must add up to 1, got 0.9"),
    ("MoS3", "chalcogens (S, Se) must add up to 2"), ("unobtainium", "is not graphene or a TMD formula"),
    ("MoSS", "S appears twice"), ("", "is not graphene or a TMD formula"),
])
def test_bad_formulas_say_what_is_wrong(text: str, says: str) -> None:
    with pytest.raises(ValueError, match=re.escape(says)):
        parse_material(text)


def test_spaces_follow_the_chemistry() -> None:
    names = {t: [p.name for p in parse_material(t).space().parameters] for t in ("MoS2", "WSe2", "Mo0.5W0.5SSe")}
    assert "h2_sccm" not in names["MoS2"] and "w_fraction" not in names["MoS2"]
    assert "h2_sccm" in names["WSe2"] and "w_fraction" not in names["WSe2"]  # Se needs H2
    assert {"w_fraction", "s_fraction", "h2_sccm"} <= set(names["Mo0.5W0.5SSe"])
    selenide = parse_material("MoSe2").space()
    assert next(p for p in selenide.parameters if p.name == "chalcogen_c").low >= 180  # Se evaporates hotter
    assert parse_material("graphene").recipe_type is GrowthRecipe
    assert parse_material("MoS2").recipe_type is TmdRecipe


def test_tmd_recipe_loads_powders_by_share() -> None:
    recipe = TmdRecipe.from_params({"w_fraction": 0.25, "s_fraction": 0.5, "promoter": "NaCl"},
                                   parse_material("MoS2").defaults())
    assert recipe.w_fraction == 0.25
    assert recipe.precursors_mg() == {"MoO3": 7.5, "WO3": 2.5, "S": 100.0, "Se": 100.0, "NaCl": 1.0}
    assert "NaCl" not in TmdRecipe().precursors_mg() and "WO3" not in TmdRecipe().precursors_mg()
    with pytest.raises(ValueError, match="unknown recipe parameter"):
        TmdRecipe.from_params({"temperature_c": 700})


def se_share(params: dict[str, float], formula: str) -> float:
    """The Se share of the chalcogen powder loaded for planner ``params`` on ``formula``."""
    loads = TmdRecipe.from_params(params, parse_material(formula).defaults()).precursors_mg()
    return loads.get("Se", 0.0) / (loads.get("S", 0.0) + loads.get("Se", 0.0))


def test_material_defaults_load_the_nominal_chalcogen_shares() -> None:
    assert [se_share({}, formula) for formula in ("MoS2", "MoS1.5Se0.5", "MoSe2")] == [0.0, 0.25, 1.0]


def test_mixed_chalcogen_space_reaches_the_se_rich_powders_mixed_films_need() -> None:
    """S is ~10³× as volatile as Se: films with y_Se = 0.1 … 0.9 need ~96 … 99.95 % Se in the powder."""
    (share,) = [p for p in parse_material("MoSSe").space().parameters if p.name == "s_fraction"]
    assert isinstance(share, Real) and share.log  # resolution where it matters: ‰ shares and below
    assert se_share({"s_fraction": share.low}, "MoSSe") >= 0.999
    for world in range(3):
        truth = TmdTruth.draw(world)
        for y_se in (0.1, 0.3, 0.5, 0.7, 0.9):
            needed = 1 - standard_recipe(truth, 0.0, y_se).chalcogen_se_fraction  # S share the twin needs
            assert share.low <= needed <= share.high, (world, y_se, needed)


def sim_conditions(recipe: TmdRecipe) -> tmd.TmdConditions:
    """The growth model's constant conditions of a lab recipe: its zones, flows and the shares of its powders."""
    loads = recipe.precursors_mg()
    chalcogen = loads.get("S", 0.0) + loads.get("Se", 0.0)
    return tmd.TmdRecipe(growth_c=recipe.growth_c, chalcogen_c=recipe.chalcogen_c, ar_sccm=recipe.ar_sccm,
                         precursor_mg=recipe.precursor_mg, growth_min=int(recipe.growth_min),
                         promoter=recipe.promoter == "NaCl", h2_sccm=recipe.h2_sccm,
                         precursor_w_fraction=loads.get("WO3", 0.0) / recipe.precursor_mg,
                         chalcogen_se_fraction=loads.get("Se", 0.0) / chalcogen).conditions()


def test_literature_recipes_give_the_composition_under_the_literature_model_and_bracket_the_s_share() -> None:
    nominal = TmdTruth.nominal()
    for formula, x_w, y_se in (("MoSSe", 0.0, 0.5), ("Mo0.5W0.5S1.5Se0.5", 0.5, 0.25), ("WS2", 1.0, 0.0)):
        material = parse_material(formula)
        space = material.space()
        recipes = material.literature_recipes(space)
        assert all(space.validate(r) == r for r in recipes)
        first = TmdRecipe.from_params(recipes[0], material.defaults())
        film = growth_rates(nominal, sim_conditions(first))
        assert film.x_w == pytest.approx(x_w, abs=0.02) and film.y_se == pytest.approx(y_se, abs=0.02)
        assert film.nucleation_eq_um2 > 0  # it grows
        if 0 < y_se < 1:
            assert [r["s_fraction"] / recipes[0]["s_fraction"] for r in recipes] == pytest.approx([1.0, 0.5, 2.0])
            assert all({k: v for k, v in r.items() if k != "s_fraction"} ==
                       {k: v for k, v in recipes[0].items() if k != "s_fraction"} for r in recipes)
        else:
            assert len(recipes) == 1
    assert parse_material("graphene").literature_recipes(parse_material("graphene").space()) == []


def test_the_nominal_world_is_the_centre_of_the_drawn_ones() -> None:
    nominal, drawn = TmdTruth.nominal(), [TmdTruth.draw(seed) for seed in range(200)]
    assert nominal.window_high_c == 775.0 and nominal.chalcogen_excess == 11.0
    assert np.median([t.window_high_c for t in drawn]) == pytest.approx(775.0, abs=2.0)
    assert np.median([t.chalcogen_excess for t in drawn]) == pytest.approx(11.0, rel=0.05)
