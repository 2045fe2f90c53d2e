"""`sdlab predict` and `sdlab simulate --world`: a calibrated world file in, predictions out; bad files exit 2."""

from __future__ import annotations

import dataclasses
import io

import pandas as pd
import pytest
import yaml

from simulators.graphene import GrapheneTruth

RECIPES = "temperature_c,ch4_sccm,h2_sccm,pressure_torr,growth_min,substrate,note\n" \
          "1030,5,20,1,20,Cu,a\n900,1,90,5,5,CuNi,b\n"


@pytest.fixture
def world(tmp_path):
    path = tmp_path / "world.yaml"
    path.write_text(yaml.safe_dump({"material": "graphene", "constants": dataclasses.asdict(GrapheneTruth.draw(3))}))
    return path


def test_predictions_per_recipe_as_csv(sdlab_cli, world, tmp_path):
    (tmp_path / "recipes.csv").write_text(RECIPES)
    result = sdlab_cli("predict", str(tmp_path / "recipes.csv"), "--world", str(world))
    assert result.code == 0, result.err
    table = pd.read_csv(io.StringIO(result.out))
    assert list(table["note"]) == ["a", "b"]
    assert {"p_grow", "coverage", "monolayer_fraction", "quality", "id_ig"} <= set(table.columns)
    assert table["p_grow"].between(0, 1).all() and table["quality"].between(0, 1).all()


def test_bad_recipes_are_refused_naming_each_row(sdlab_cli, world, tmp_path):
    (tmp_path / "recipes.csv").write_text(RECIPES.replace("1030", "hot").replace("CuNi", "Au"))
    result = sdlab_cli("predict", str(tmp_path / "recipes.csv"), "--world", str(world))
    assert result.code == 2 and len(result.err_lines) == 1
    assert "row 1: temperature_c" in result.err and "row 2: values must be finite" in result.err


@pytest.mark.parametrize("command", [["predict", "RECIPES"], ["simulate", "--experiments", "1"]])
def test_a_file_that_is_not_a_world_is_refused(sdlab_cli, tmp_path, command):
    (tmp_path / "recipes.csv").write_text(RECIPES)
    args = [str(tmp_path / "recipes.csv") if a == "RECIPES" else a for a in command]
    result = sdlab_cli(*args, "--world", str(tmp_path / "recipes.csv"))
    assert result.code == 2 and len(result.err_lines) == 1
    assert "not a world file of sdlab calibrate" in result.err


def test_a_calibrated_world_is_for_graphene_campaigns(sdlab_cli, world):
    result = sdlab_cli("simulate", "--world", str(world), "--material", "MoS2", "--experiments", "1")
    assert result.code == 2 and "calibrated worlds are graphene worlds" in result.err
