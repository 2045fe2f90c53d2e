"""`sdlab import`: past runs become an imported campaign of the run history (units converted, source rows kept),
listed by `sdlab history` and usable as a planner's warm start; a bad file is refused whole, nothing stored."""

from __future__ import annotations

from pathlib import Path

import pytest

from lab.campaign.session import OBJECTIVE, warm_start
from lab.history.store import RunStore
from lab.materials import parse_material
from planners import make_planner

ROWS = """run;T (K);CH4 (sccm);H2 (sccm);p (mbar);time (s);foil;grown;Q;operator
1;1300;5;20;1,3;1200;Cu;yes;0.61;ann
2;1310;10;40;2.6;600;Cu;no;;bob
3;1290;2;10;0.8;1800;CuNi;yes;0.45;ann
"""
MAP = """parameters:
  temperature_c: {column: T (K), unit: K}
  ch4_sccm: {column: CH4 (sccm)}
  h2_sccm: {column: H2 (sccm)}
  pressure_torr: {column: p (mbar), unit: mbar}
  growth_min: {column: time (s), unit: s}
  substrate: {column: foil}
outcome:
  grew: {column: grown}
  quality: {column: Q}
"""


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    (tmp_path / "runs.csv").write_text(ROWS)
    (tmp_path / "map.yaml").write_text(MAP)
    return tmp_path / "runs.csv", tmp_path / "map.yaml"


@pytest.mark.e2e  # a tiled catalog server and a dozen writes: ~10 s, more on a busy machine
def test_past_runs_become_an_imported_campaign_that_warm_starts_a_planner(sdlab_cli, files, tmp_path):
    runs, columns = files
    with RunStore(tmp_path / "catalog") as store:  # the commands below write and read through its server
        result = sdlab_cli("import", str(runs), "--material", "graphene", "--columns", str(columns),
                           "--campaign", "past")
        assert result.code == 0, result.err
        assert "imported 3 growths (2 grew)" in result.out
        listed = sdlab_cli("history")
        assert "past" in listed.out and "3 (1 failed)" in listed.out and "0.610" in listed.out
        first = store.experiments("past")[0]
        assert first["params"]["temperature_c"] == pytest.approx(1026.85)
        assert first["params"]["pressure_torr"] == pytest.approx(1.3 * 0.750062)
        assert first["params"]["growth_min"] == 20 and first["imported"] is True and first["station"] == "imported"
        [run] = [r for r in store.runs("past") if r.metadata["start"]["experiment_index"] == 0]
        source = run.metadata["start"]["source"]
        assert source["row"] == 1 and source["values"]["operator"] == "ann"
        planner = make_planner("random", parse_material("graphene").space(), objectives=[OBJECTIVE], seed=0)
        assert warm_start(planner, store, "past") == 3
        unknown = sdlab_cli("simulate", "--warm-start", "nope", "--experiments", "1")
        assert unknown.code == 2 and "--warm-start nope: no experiments of that campaign" in unknown.err
    assert sum(o.failed for o in planner.prior_observations) == 1


def test_a_bad_file_is_refused_whole_listing_every_bad_cell(sdlab_cli, files, tmp_path):
    runs, columns = files
    runs.write_text(ROWS.replace("1310", "13x0").replace("CuNi", "Au").replace("0.61", "1.6"))
    result = sdlab_cli("import", str(runs), "--material", "graphene", "--columns", str(columns))
    assert result.code == 2 and len(result.err_lines) == 1
    for where in ("row 2 column 'T (K)' (temperature_c): '13x0' is not a number",
                  "row 3 column 'foil' (substrate): 'Au' is not one of Cu, CuNi",
                  "row 1 column 'Q' (quality): 1.6 is outside 0–1", "3 bad cell(s), nothing imported"):
        assert where in result.err
    assert not (tmp_path / "catalog").exists()  # refused before the run history was opened: nothing stored


@pytest.mark.parametrize("change, message", [
    (("unit: mbar", "unit: psi"), "parameter pressure_torr: unit 'psi' is not one of Torr, mbar, Pa"),
    (("column: foil", "column: metal"), "substrate: column 'metal' is not in the file"),
    (("  substrate: {column: foil}\n", ""), "parameter substrate: not in the column map"),
])
def test_a_bad_column_map_is_refused(sdlab_cli, files, change, message):
    runs, columns = files
    columns.write_text(MAP.replace(*change))
    result = sdlab_cli("import", str(runs), "--material", "graphene", "--columns", str(columns))
    assert result.code == 2 and len(result.err_lines) == 1 and message in result.err, result.err


def test_hostile_tables_are_refused(sdlab_cli, files, tmp_path):
    _, columns = files
    (tmp_path / "blob.xlsx").write_bytes(bytes(range(256)) * 4)
    (tmp_path / "empty.csv").write_text("a,b\n")
    for path, message in ((tmp_path, "is a directory"), (tmp_path / "blob.xlsx", "not a readable CSV or Excel table"),
                          (tmp_path / "empty.csv", "no rows")):
        result = sdlab_cli("import", str(path), "--material", "graphene", "--columns", str(columns))
        assert result.code == 2 and len(result.err_lines) == 1 and message in result.err, result.err
