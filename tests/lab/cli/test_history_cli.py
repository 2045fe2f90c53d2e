"""`sdlab history` as an operator reads it: tables that fit 80 columns, every column with `--wide`, empty results
that say so, exports that say what they wrote."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from bluesky import RunEngine
from bluesky.plans import count
from ophyd.sim import det

from lab.history.store import CHARACTERIZATION_PLAN, GROWTH_PLAN, RunStore
from tests.processes import run, sdlab_args, sdlab_env

CAMPAIGN = "graphene-botorch-s0-20261204-172753"
PARAMS = [{"temperature_c": 1012.4, "ch4_sccm": 12.35, "h2_sccm": 20.0, "pressure_torr": 1.25, "growth_min": 10,
           "substrate": "Cu"},
          {"temperature_c": 1047.9, "ch4_sccm": 3.1, "h2_sccm": 45.5, "pressure_torr": 0.5, "growth_min": 25,
           "substrate": "CuNi"},
          {"temperature_c": 990.0, "ch4_sccm": 30.0, "h2_sccm": 5.0, "pressure_torr": 8.0, "growth_min": 5,
           "substrate": "Cu"}]
OUTCOMES = [{"failed": False, "quality": 0.712, "coverage": 0.93, "monolayer_fraction": 0.81, "i2d_ig": 2.1,
             "id_ig": 0.05, "fwhm_2d": 31.2},
            {"failed": False, "quality": 0.402, "coverage": 0.88, "monolayer_fraction": 0.55, "i2d_ig": 1.6,
             "id_ig": 0.21, "fwhm_2d": 38.0},
            {"failed": True, "quality": 0.0, "coverage": 0.0, "monolayer_fraction": 0.0, "i2d_ig": None,
             "id_ig": None, "fwhm_2d": None}]


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, list[str]]]:
    """A home whose catalog holds one graphene campaign of three experiments; its growth uids."""
    home = tmp_path_factory.mktemp("history-cli-home")
    store = RunStore(home / "catalog")
    engine = RunEngine(context_managers=[])
    engine.subscribe(store.writer())
    growths = []
    for index, (params, outcome) in enumerate(zip(PARAMS, OUTCOMES, strict=True)):
        md: dict[str, Any] = {"campaign": CAMPAIGN, "station": "sim-graphene-1", "material": "graphene",
                              "planner": "botorch", "experiment_index": index,
                              "experiment_id": f"{CAMPAIGN}/{index}", "params": params}
        growths += engine(count([det], md={**md, "plan_name": GROWTH_PLAN}))
        (uid,) = engine(count([det], num=2, md={**md, "plan_name": CHARACTERIZATION_PLAN}))
        store.record_outcome(uid, outcome)
    store.client  # noqa: B018 (waits until everything is written)
    yield home, growths
    store.close()


def history(home: Path, *args: str, columns: int = 80) -> str:
    """`sdlab history ARGS` in a terminal `columns` wide (a child process, through the fixture's catalog server)."""
    result = run(sdlab_args("history", *args), env=sdlab_env(home, COLUMNS=str(columns)))
    assert result.returncode == 0 and result.stderr == "", result.stderr
    return result.stdout


def _fits(text: str, columns: int = 80) -> None:
    assert all(len(line) <= columns for line in text.splitlines()), text


def _words(text: str) -> set[str]:
    return {word for line in text.splitlines() for word in line.replace("│", " ").split()}


def test_a_campaigns_experiments_read_at_80_columns(catalog) -> None:
    home, growths = catalog
    shown = history(home, CAMPAIGN)
    _fits(shown)
    assert {"#", "status", "quality", "parameters", "growth"} <= _words(shown), shown
    assert {"temperature_c=1012.4", "substrate=CuNi", "ok", "failed", "0.712"} <= _words(shown), shown
    assert all(uid[:8] in shown and uid not in shown for uid in growths), shown


def test_the_campaigns_read_at_80_columns(catalog) -> None:
    home, _ = catalog
    shown = history(home)
    _fits(shown)
    assert {CAMPAIGN, "graphene", "campaign", "experiments", "best", "status", "complete"} <= _words(shown), shown


def test_wide_shows_every_column_and_full_uids(catalog) -> None:
    home, growths = catalog
    shown = history(home, CAMPAIGN, "--wide")
    assert all(uid in shown for uid in growths), shown
    assert {"characterization_uid", "monolayer_fraction", "temperature_c", "station"} <= _words(shown), shown


@pytest.mark.parametrize(("args", "says"), [
    (["--since", "2030-01-01"], "no campaigns match --since 2030-01-01"),
    (["--station", "nosuch"], "no campaigns match --station nosuch"),
    (["--status", "failed"], "no campaigns match --status failed"),
    (["--experiments", "--material", "MoS2"], "no experiments match --material MoS2"),
    ([CAMPAIGN, "--status", "unfit"], f"no experiments of campaign {CAMPAIGN} match --status unfit"),
])
def test_empty_results_say_that_nothing_matches(args: list[str], says: str, catalog, sdlab_cli) -> None:
    home, _ = catalog
    shown = sdlab_cli("history", *args, home=home)
    assert shown.code == 0 and shown.out.strip() == says, shown.err


def test_an_empty_csv_keeps_its_header(catalog, sdlab_cli, tmp_path: Path) -> None:
    home, _ = catalog
    shown = sdlab_cli("history", "--experiments", "--status", "unfit", "--format", "csv", home=home)
    assert shown.code == 0, shown.err
    (header,) = shown.out.splitlines()
    assert {"campaign", "experiment_id", "status", "growth_uid"} <= set(header.split(","))
    exported = sdlab_cli("history", "--status", "failed", "--output", str(tmp_path / "none.csv"), home=home)
    assert exported.code == 0 and exported.err.strip() == f"0 rows written to {tmp_path / 'none.csv'}"
    assert {"campaign", "status", "best_quality"} <= set((tmp_path / "none.csv").read_text().split()[0].split(","))


def test_an_export_counts_its_rows_in_words(catalog, sdlab_cli, tmp_path: Path) -> None:
    home, _ = catalog
    path = tmp_path / "failed.csv"
    exported = sdlab_cli("history", "--experiments", "--status", "failed", "--output", str(path), home=home)
    assert exported.code == 0 and exported.err.strip() == f"1 row written to {path}"


def test_interrupted_campaigns_are_listed_with_the_command_that_resumes_them(sdlab_cli, tmp_path: Path) -> None:
    from lab.history.records import CampaignRecord, open_record, running
    from lab.settings import campaign_config, load_station

    for cid in ("killed-before-start", "still-running"):  # recorded, killed before (or running its) first experiment
        open_record(CampaignRecord(campaign_config(campaign_id=cid, experiments=3), load_station()))
    with running("still-running"):
        listed = sdlab_cli("history", "--format", "json")
        shown = sdlab_cli("history")
    assert listed.code == 0 and shown.code == 0, listed.err + shown.err
    rows = {row["campaign"]: row for row in json.loads(listed.out)}
    assert rows["killed-before-start"]["status"] == "incomplete"
    assert rows["killed-before-start"]["resume"] == "sdlab resume killed-before-start"
    assert rows["still-running"]["resume"] is None
    assert ("interrupted: killed-before-start (0 experiments done); continue with: sdlab resume killed-before-start"
            in shown.out)
    assert "resume still-running" not in shown.out
