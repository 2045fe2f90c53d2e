"""End to end: a Prefect campaign drives the simulated station; the catalog holds every run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from lab.campaign.session import open_session
from lab.history.store import CHARACTERIZATION_PLAN, GROWTH_PLAN, RunStore
from lab.settings import campaign_config, load_station

pytestmark = pytest.mark.e2e
EXPERIMENTS = 3


@pytest.fixture(scope="module")
def finished_campaign(sdlab_home: Path, prefect_harness: None):
    from lab.campaign.flows import campaign

    settings = campaign_config(campaign_id="e2e-graphene", experiments=EXPERIMENTS, batch=2, seed=3, spots=9)
    with RunStore() as store:
        session = open_session(settings, load_station(), store)
        summary = campaign(settings.campaign_id)
        growths = store.runs(settings.campaign_id, GROWTH_PLAN)
        measurements = store.runs(settings.campaign_id, CHARACTERIZATION_PLAN)
        rows = store.experiments(settings.campaign_id)
        yield session, summary, growths, measurements, rows


def test_every_experiment_is_one_growth_and_one_characterization_run(finished_campaign) -> None:
    session, summary, growths, measurements, rows = finished_campaign
    assert summary["experiments"] == EXPERIMENTS == len(session.results)
    assert len(growths) == len(measurements) == len(rows) == EXPERIMENTS
    assert [row["index"] for row in rows] == list(range(EXPERIMENTS))


def test_start_documents_carry_the_campaign_metadata(finished_campaign) -> None:
    session, _, growths, measurements, _ = finished_campaign
    for index, (growth, measurement) in enumerate(zip(growths, measurements, strict=True)):
        for run in (growth, measurement):
            start = run.metadata["start"]
            assert start["campaign"] == "e2e-graphene"
            assert start["experiment_index"] == index
            assert start["experiment_id"] == f"e2e-graphene/{index}"
            assert start["station"] == "sim-graphene-1"
            assert start["planner"] == session.planner.name
            assert start["sdlab_version"]
            assert set(start["params"]) == {"temperature_c", "ch4_sccm", "h2_sccm", "pressure_torr", "growth_min",
                                            "substrate"}
        start = growth.metadata["start"]
        assert start["recipe"]["temperature_c"] == start["params"]["temperature_c"]
        assert growth.metadata["stop"]["exit_status"] == "success"


def test_growth_runs_stream_process_and_insitu_data(finished_campaign) -> None:
    _, _, growths, _, _ = finished_campaign
    run = growths[0]
    primary, insitu = run["primary"].read(), run["insitu"].read()
    steps = list(dict.fromkeys(primary["step"].values))
    assert steps == ["load", "leak_check", "purge", "pump_down", "heat", "anneal", "grow", "cool", "done"]
    target = run.metadata["start"]["recipe"]["temperature_c"]
    assert abs(float(insitu["temperature_c"].max()) - target) < 6.0
    assert len(insitu["elapsed_s"]) > 100


def test_outcomes_are_recorded_and_told_to_the_planner(finished_campaign) -> None:
    session, _, _, measurements, rows = finished_campaign
    for row, measurement in zip(rows, measurements, strict=True):
        assert 0.0 <= row["quality"] <= 1.0
        assert row["n_spots"] == 9
        spectra = measurement["raman_counts"].read()
        assert spectra.shape == (9, 2048)
    assert len(session.planner.observations) == EXPERIMENTS


def test_a_second_process_reads_the_history(finished_campaign, sdlab_home: Path) -> None:
    env = {**os.environ, "SDLAB_HOME": str(sdlab_home)}
    result = subprocess.run([sys.executable, "-m", "lab", "history", "e2e-graphene", "--format", "json"],
                            capture_output=True, text=True, env=env, timeout=120, check=True)
    rows = json.loads(result.stdout)
    assert [row["index"] for row in rows] == list(range(EXPERIMENTS))
    assert all(row["experiment_id"].startswith("e2e-graphene/") for row in rows)


PAGE = 200  # Prefect's API answers at most this many logs at once (PREFECT_API_DEFAULT_LIMIT)


def test_the_flow_runs_logs_tell_each_experiment_and_its_growth_steps(finished_campaign) -> None:
    from prefect.client.orchestration import get_client
    from prefect.logging.handlers import APILogHandler

    session, *_ = finished_campaign
    APILogHandler().flush()
    messages, page = [], ["first"]
    with get_client(sync_client=True) as client:
        while page:  # every log of the server, a page at a time (one page holds at most 200, other tests' too)
            page = [log.message for log in client.read_logs(limit=PAGE, offset=len(messages))]
            messages += page
    messages = [message for message in messages if "e2e-graphene/" in message]
    for result in session.results:
        told = [m for m in messages if m.startswith(f"experiment {result.experiment_id}: ")]
        assert len(told) == 1, messages
        assert f"temperature_c={result.params['temperature_c']:.4g}" in told[0]
        assert f"→ quality {result.quality:.3f}" in told[0] or "→ failed" in told[0]
        steps = [m.split(" step ")[1].split(":")[0] for m in messages
                 if m.startswith(f"growth {result.experiment_id} step ")]
        assert steps == ["load", "leak_check", "purge", "pump_down", "heat", "anneal", "grow", "cool", "done"]
