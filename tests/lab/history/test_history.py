"""The run history: filters, statuses and exports, on runs a real RunEngine writes into a real tiled catalog."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from bluesky import RunEngine
from bluesky.plans import count
from ophyd.sim import det

from lab.cli.app import main
from lab.errors import UserError
from lab.history.servers import live_server
from lab.history.store import CHARACTERIZATION_PLAN, GROWTH_PLAN, RunFilter, RunStore
from lab.history.tables import (
    CAMPAIGN_COLUMNS,
    EXPERIMENT_COLUMNS,
    campaign_status,
    parameters,
    parse_time,
    query,
    rows,
)

# (campaign, station, material, outcomes): one growth and one characterization run per outcome
CAMPAIGNS = [("g-early", "furnace-a", "graphene", [{"failed": False, "quality": 0.4},
                                                   {"failed": True, "quality": 0.0}]),
             ("g-late", "furnace-b", "graphene", [{"failed": False, "quality": 0.7},
                                                  {"failed": True, "unfit": True, "quality": 0.0, "error": "NaN"}]),
             ("m-late", "furnace-b", "MoS2", [{"failed": False, "quality": 0.2}, None])]  # None: not analysed yet


def _experiment(engine: RunEngine, store: RunStore, campaign: str, station: str, material: str, index: int,
                outcome: dict[str, Any] | None) -> None:
    md = {"campaign": campaign, "station": station, "material": material, "experiment_index": index,
          "experiment_id": f"{campaign}/{index}", "params": {"temperature_c": 1000.0 + index, "substrate": "Cu"}}
    engine(count([det], md={**md, "plan_name": GROWTH_PLAN}))
    (uid,) = engine(count([det], num=2, md={**md, "plan_name": CHARACTERIZATION_PLAN}))
    if outcome is not None:
        store.record_outcome(uid, outcome)


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RunStore, Path, float]]:
    """A catalog with three campaigns; the returned epoch time separates g-early from the later two. $SDLAB_HOME is
    its home for the module: campaign records (`$SDLAB_HOME/campaigns`) left by other modules' tests are not its."""
    home = tmp_path_factory.mktemp("history-home")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("SDLAB_HOME", str(home))
        store = RunStore(home / "catalog")
        engine = RunEngine(context_managers=[])
        engine.subscribe(store.writer())
        for campaign, station, material, outcomes in CAMPAIGNS:
            for index, outcome in enumerate(outcomes):
                _experiment(engine, store, campaign, station, material, index, outcome)
            if campaign == "g-early":
                time.sleep(1.1)
                between = time.time()
                time.sleep(1.1)
        store.client  # noqa: B018 (waits until everything is written: another process may read it first)
        yield store, home, between
        store.close()


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="seconds")


def test_campaigns_summarize_their_experiments(catalog) -> None:
    store, _, _ = catalog
    found = {row["campaign"]: row for row in rows(store, query())}
    assert set(found) == {"g-early", "g-late", "m-late"}
    assert found["g-late"] | {"started": None} == {
        "campaign": "g-late", "material": "graphene", "planner": None, "station": "furnace-b", "started": None,
        "experiments": 2, "ok": 1, "failed": 0, "unfit": 1, "best_quality": 0.7, "open_runs": 0, "failed_runs": 0,
        "status": "complete", "resume": None}
    assert found["m-late"]["open_runs"] == 1 and found["m-late"]["status"] == "incomplete"


@pytest.mark.parametrize(("filters", "expected"), [
    ({"station": "furnace-b"}, {"g-late", "m-late"}),
    ({"material": "graphene"}, {"g-early", "g-late"}),
    ({"station": "furnace-b", "material": "mos2"}, {"m-late"}),
    ({"status": "incomplete"}, {"m-late"}),
    ({"station": "nowhere"}, set()),
])
def test_campaigns_filter_by_station_material_and_status(catalog, filters: dict[str, str], expected: set[str]) -> None:
    store, _, _ = catalog
    assert {row["campaign"] for row in rows(store, query(**filters))} == expected


def test_dates_select_by_start_time(catalog) -> None:
    store, _, between = catalog
    today = datetime.now(UTC).date().isoformat()
    assert {row["campaign"] for row in rows(store, query(since=_iso(between)))} == {"g-late", "m-late"}
    assert {row["campaign"] for row in rows(store, query(until=_iso(between)))} == {"g-early"}
    assert len(rows(store, query(since=today, until=today))) == 3  # a bare --until date includes that day
    assert rows(store, query(since="2999-01-01")) == []
    late = rows(store, query(experiments=True, since=_iso(between)))
    assert {row["experiment_id"] for row in late} == {"g-late/0", "g-late/1", "m-late/0"}


@pytest.mark.parametrize(("status", "expected"), [
    ("ok", {"g-early/0", "g-late/0", "m-late/0"}),
    ("failed", {"g-early/1"}),
    ("unfit", {"g-late/1"}),
])
def test_experiments_filter_by_outcome_status(catalog, status: str, expected: set[str]) -> None:
    store, _, _ = catalog
    found = rows(store, query(experiments=True, status=status))
    assert {row["experiment_id"] for row in found} == expected
    assert all(row["status"] == status for row in found)


def test_one_campaigns_experiments_have_parameters_as_columns(catalog) -> None:
    store, _, _ = catalog
    found = rows(store, query("g-late"))
    assert [row["index"] for row in found] == [0, 1]
    assert found[0]["temperature_c"] == 1000.0 and found[0]["substrate"] == "Cu"
    assert found[1]["error"] == "NaN"
    assert found[0]["growth_uid"] and found[0]["characterization_uid"]


def test_every_row_has_the_columns_an_empty_table_keeps(catalog) -> None:
    store, _, _ = catalog
    assert [tuple(row) for row in rows(store, query())] == [CAMPAIGN_COLUMNS] * 3
    experiments = rows(store, query(experiments=True))
    assert experiments and all(set(EXPERIMENT_COLUMNS) <= set(row) for row in experiments)
    assert parameters(experiments[0]) == {"temperature_c": 1000.0, "substrate": "Cu"}


def test_campaign_status_prefers_the_budget_when_known() -> None:
    summary = {"experiments": 3, "open_runs": 0, "failed_runs": 0}
    assert campaign_status(summary, budget=5) == "incomplete"
    assert campaign_status(summary, budget=3) == "complete"
    assert campaign_status(summary, budget=None) == "complete"
    assert campaign_status({**summary, "failed_runs": 1}, budget=3) == "failed"


@pytest.mark.parametrize(("values", "says"), [
    ({"since": "yesterday"}, "--since: 'yesterday' is not an ISO date"),
    ({"until": "2026-02-30"}, "--until"),
    ({"since": "2026-11-02", "until": "2026-11-01"}, "is not before"),
    ({"status": "ok"}, "unknown campaign status 'ok'"),
    ({"material": "unobtainium"}, "--material: material 'unobtainium'"),
    ({"status": "complete", "experiments": True}, "unknown experiment status 'complete'"),
])
def test_bad_filters_are_user_errors(values: dict[str, Any], says: str) -> None:
    with pytest.raises(UserError, match=says):
        query(**values)


def test_dates_are_utc_unless_they_say_otherwise() -> None:
    assert parse_time("2026-11-30", "--since") == datetime(2026, 11, 30, tzinfo=UTC).timestamp()
    assert parse_time("2026-11-30", "--until", end=True) == datetime(2026, 12, 1, tzinfo=UTC).timestamp()
    assert parse_time("2026-11-30T12:00+01:00", "--since") == datetime(2026, 11, 30, 11, tzinfo=UTC).timestamp()


def test_run_filter_admits_half_open_intervals() -> None:
    where = RunFilter(since=10.0, until=20.0)
    assert [where.admits(t) for t in (9.9, 10.0, 19.9, 20.0)] == [False, True, True, False]


def _cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], home: Path, *args: str
         ) -> tuple[int, str, str]:
    """Run `sdlab history ARGS` in this process (exit code, stdout, stderr)."""
    monkeypatch.setenv("SDLAB_HOME", str(home))
    monkeypatch.setattr(sys, "argv", ["sdlab", "history", *args])
    code = 0
    try:
        main()
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_cli_exports_filtered_experiments(catalog, monkeypatch, capsys, tmp_path: Path, suffix: str) -> None:
    _, home, _ = catalog
    path = tmp_path / f"experiments{suffix}"
    code, _, err = _cli(monkeypatch, capsys, home, "--experiments", "--station", "furnace-b", "--status", "ok",
                        "--output", str(path))
    assert code == 0, err
    frame = pd.read_csv(path) if suffix == ".csv" else pd.read_parquet(path)
    assert sorted(frame["experiment_id"]) == ["g-late/0", "m-late/0"]
    assert {"temperature_c", "quality", "status", "station", "material"} <= set(frame.columns)


def test_another_process_reads_filtered_campaigns(catalog) -> None:
    _, home, _ = catalog  # the CLI reaches the catalog through this process's server
    result = subprocess.run([sys.executable, "-m", "lab", "history", "--material", "MoS2", "--format", "json"],
                            capture_output=True, text=True, timeout=120, env={**os.environ, "SDLAB_HOME": str(home)})
    assert result.returncode == 0, result.stderr
    assert [row["campaign"] for row in json.loads(result.stdout)] == ["m-late"]


@pytest.mark.parametrize(("args", "says"), [
    (["--since", "2026-13-01"], "--since"),
    (["--status", "bogus"], "unknown campaign status 'bogus'"),
    (["x", "--status", "complete"], "unknown experiment status"),
    (["--output", "rows.xlsx"], ".csv or .parquet"),
])
def test_cli_bad_filters_exit_2_with_one_line(monkeypatch, capsys, args: list[str], says: str, tmp_path: Path) -> None:
    code, out, err = _cli(monkeypatch, capsys, tmp_path, *args)
    assert code == 2 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("sdlab: error:") and says in lines[0], err
    assert not (tmp_path / "catalog").exists()  # refused before the catalog was opened


def test_a_store_uses_the_lab_catalog_named_by_sdlab_catalog_uri(catalog, monkeypatch, tmp_path: Path) -> None:
    _, home, _ = catalog
    record = live_server(home / "catalog")
    assert record is not None
    monkeypatch.setenv("SDLAB_HOME", str(tmp_path))  # a home without a catalog of its own
    monkeypatch.setenv("SDLAB_CATALOG_URI", record["uri"])
    with RunStore() as remote:
        assert {row["campaign"] for row in remote.campaigns()} == {"g-early", "g-late", "m-late"}
    assert not (tmp_path / "catalog" / "server.json").exists()
