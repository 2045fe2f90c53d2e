"""`sdlab calibrate`, `sdlab predict` and `sdlab simulate --world`: a lab's past runs (imported) fitted into a
graphene or a TMD world file, predictions out of it; bad files exit 2."""

from __future__ import annotations

import dataclasses
import io

import pandas as pd
import pytest
import yaml

from lab.campaign.drivers import station_twin
from lab.settings import load_station
from simulators.graphene import GrapheneTruth
from simulators.tmd import TmdTruth
from simulators.worlds import GrapheneWorld, TmdWorld

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


def test_a_calibrated_world_grows_its_own_kind_of_material(sdlab_cli, world):
    result = sdlab_cli("simulate", "--world", str(world), "--material", "MoS2", "--experiments", "1")
    assert result.code == 2 and "is a calibrated graphene world; MoS2 does not grow in it" in result.err


TMD_ROWS = """growth (C);S zone (C);Ar;oxide (mg);minutes;NaCl;film
700;150;60;10;15;none;yes
720;160;80;12;20;none;yes
560;120;20;2;5;none;no
940;240;190;40;30;none;no
680;140;50;8;15;NaCl;yes
600;130;30;3;10;none;no
"""
TMD_MAP = """parameters:
  growth_c: {column: growth (C)}
  chalcogen_c: {column: S zone (C)}
  ar_sccm: {column: Ar}
  precursor_mg: {column: oxide (mg)}
  growth_min: {column: minutes, unit: min}
  promoter: {column: NaCl}
outcome:
  grew: {column: film}
"""


@pytest.mark.e2e  # a tiled catalog server for the import and the calibration
def test_a_tmd_lab_s_past_runs_calibrate_a_tmd_world_that_predicts_and_simulates(sdlab_cli, tmp_path):
    (tmp_path / "runs.csv").write_text(TMD_ROWS)
    (tmp_path / "map.yaml").write_text(TMD_MAP)
    imported = sdlab_cli("import", str(tmp_path / "runs.csv"), "--material", "MoS2", "--columns",
                         str(tmp_path / "map.yaml"), "--campaign", "past-mos2")
    assert imported.code == 0, imported.err
    world = tmp_path / "world.yaml"
    calibrated = sdlab_cli("calibrate", "past-mos2", "--out", str(world))
    assert calibrated.code == 0, calibrated.err
    assert "calibrated tmd world from 6 growths" in calibrated.out and "window_low_c" in calibrated.out
    data = yaml.safe_load(world.read_text())
    assert data["material"] == "tmd" and data["observed"] == 6
    assert set(data["posterior_widths"]) <= set(data["constants"])  # fitted: what growth depends on
    assert "vacancy_floor_cm2" in data["constants"] and "vacancy_floor_cm2" not in data["posterior_widths"]

    (tmp_path / "recipes.csv").write_text("growth_c,chalcogen_c,ar_sccm,precursor_mg,growth_min,material\n"
                                          "700,150,60,10,15,\n560,120,20,2,5,\n760,300,60,10,15,WSe2\n")
    predicted = sdlab_cli("predict", str(tmp_path / "recipes.csv"), "--world", str(world))
    assert predicted.code == 0, predicted.err
    table = pd.read_csv(io.StringIO(predicted.out))
    assert {"p_grow", "coverage", "monolayer_fraction", "quality", "pl_gap_ev"} <= set(table.columns)
    assert table["p_grow"][0] > table["p_grow"][1]  # the lab's working recipe over one that grew nothing
    assert table["pl_gap_ev"][0] == pytest.approx(1.87, abs=0.05)  # MoS2's A exciton; WSe2's is lower
    assert table["pl_gap_ev"][2] < table["pl_gap_ev"][0]

    refused = sdlab_cli("simulate", "--world", str(world), "--experiments", "1")  # graphene in a TMD world
    assert refused.code == 2 and "is a calibrated tmd world; graphene does not grow in it" in refused.err
    (tmp_path / "graphene.csv").write_text(RECIPES.replace("note", "material").replace(",a", ",graphene"))
    mixed = sdlab_cli("predict", str(tmp_path / "graphene.csv"), "--world", str(world))
    assert mixed.code == 2 and "row 1: graphene does not grow in a tmd world" in mixed.err


@pytest.mark.parametrize(("kind", "truth"), [("graphene", GrapheneTruth.draw(3)), ("tmd", TmdTruth.draw(3))])
def test_a_simulated_station_grows_in_the_world_of_its_file(kind, truth, tmp_path):
    path = tmp_path / "world.yaml"
    path.write_text(yaml.safe_dump({"material": kind, "constants": dataclasses.asdict(truth)}))
    twin = station_twin(load_station(kind=kind), seed=0, speedup=None, world_file=str(path))
    assert isinstance(twin.world, GrapheneWorld if kind == "graphene" else TmdWorld) and twin.world.truth == truth
