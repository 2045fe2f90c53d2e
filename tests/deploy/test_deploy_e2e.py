"""End to end: `sdlab deploy up` on this machine (PostgreSQL of the system's binaries, Prefect server, tiled, a
worker per station), campaigns submitted to stations, the history in the shared catalog, down and up again."""

from __future__ import annotations

import json
import shutil
import stat
import tempfile
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.deploy.deployment import FINISHED, all_runs, flow_runs, history, kill_worker, postgres_or_skip, sdlab
from tests.processes import run, sdlab_args, sdlab_env

pytestmark = pytest.mark.e2e
CAMPAIGNS = {"dep-c": "station-2", "dep-a": "station-1", "dep-b": "station-1"}  # two on one station
EXPERIMENTS = 4  # each campaign runs long enough (tens of seconds) for the other station's to start meanwhile


@pytest.fixture(scope="module")
def deployment() -> Iterator[Path]:
    """The $SDLAB_HOME of one deployment of two stations for the module's tests (bringing one up costs tens of
    seconds), a home the postgres user can traverse (PostgreSQL runs as postgres when the tests run as root)."""
    postgres_or_skip()
    home = Path(tempfile.mkdtemp(prefix="sdlab-deploy-"))
    home.chmod(0o711)
    try:
        sdlab(home, "deploy", "up", "--stations", "2")
        yield home
    finally:
        run(sdlab_args("deploy", "down"), env=sdlab_env(home), timeout_s=300)
        shutil.rmtree(home, ignore_errors=True)


def _interval(run: dict[str, Any]) -> tuple[datetime, datetime]:
    return datetime.fromisoformat(run["start_time"]), datetime.fromisoformat(run["end_time"])


def test_campaigns_submitted_to_two_stations_run_through_the_deployment_and_their_history_survives(
        deployment: Path) -> None:
    home, deploy = deployment, deployment / "deploy"
    layout = json.loads((deploy / "deploy.json").read_text())
    for secret in ("deploy.json", "pgpass", "tiled.yml"):
        assert stat.S_IMODE((deploy / secret).stat().st_mode) == 0o600, secret
    # Without the auth string or the API key, the servers refuse.
    assert httpx.post(f"http://127.0.0.1:{layout['prefect_port']}/api/flow_runs/filter", json={},
                      trust_env=False).status_code == 401
    assert httpx.get(f"http://127.0.0.1:{layout['tiled_port']}/api/v1/search/",
                     trust_env=False).status_code == 401
    assert httpx.get(f"http://127.0.0.1:{layout['tiled_port']}/api/v1/search/?api_key={layout['tiled_api_key']}",
                     trust_env=False).status_code == 200

    for seed, (cid, station) in enumerate(CAMPAIGNS.items()):
        sdlab(home, "submit", "--station", station, "--campaign-id", cid, "--experiments", str(EXPERIMENTS),
               "--planner", "random", "--seed", str(seed))
    deadline = time.monotonic() + 1200
    runs = flow_runs(layout, tuple(CAMPAIGNS))
    while {run["state_type"] for run in runs.values()} - FINISHED:
        assert time.monotonic() < deadline, {name: run["state_type"] for name, run in runs.items()}
        time.sleep(1)
        runs = flow_runs(layout, tuple(CAMPAIGNS))
    assert {name: run["state_type"] for name, run in runs.items()} == dict.fromkeys(CAMPAIGNS, "COMPLETED")
    c, a, b = (_interval(runs[name]) for name in CAMPAIGNS)
    first, second = sorted([a, b])
    assert second[0] >= first[1], "the busy station's second campaign waited in its pool"
    assert any(c[0] < end and start < c[1] for start, end in (first, second)), \
        "the other station's campaign ran at the same time as one of them"

    shown = history(home)
    assert {cid: shown[cid][::2] for cid in CAMPAIGNS} == dict.fromkeys(CAMPAIGNS, (EXPERIMENTS, "complete"))
    sdlab(home, "deploy", "down")
    assert "up" not in sdlab(home, "deploy", "status").replace("sdlab deploy up", "")
    sdlab(home, "deploy", "up")
    assert history(home) == shown


def test_a_campaign_whose_worker_is_killed_continues_when_the_worker_is_back(
        deployment: Path) -> None:
    home = deployment  # brought up again by the test before, if it ran: read the layout as it is now
    layout = json.loads((home / "deploy" / "deploy.json").read_text())
    submit = ["submit", "--station", "station-1", "--campaign-id", "dep-kill", "--experiments", "5", "--planner",
              "random"]
    sdlab(home, *submit)
    deadline = time.monotonic() + 900
    # Killed as soon as its run is under way (an `sdlab history` poll is too slow: on virtual time the campaign
    # could end between two polls); that the campaign resumes from what the catalog holds is the fault benchmark's.
    while all_runs(layout, ("dep-kill",))[0]["state_type"] != "RUNNING":
        assert time.monotonic() < deadline
        time.sleep(0.2)
    kill_worker(home, "station-1")

    up = sdlab(home, "deploy", "up")
    assert "submitted again (their process or its worker had stopped while they ran): dep-kill" in up
    assert all_runs(layout, ("dep-kill",))[0]["state_type"] == "CRASHED"
    if _finished(layout, "dep-kill") != "COMPLETED":  # killed during a growth: the run submitted again stopped
        status = sdlab(home, "safety", "status", "--station", "station-1")
        assert "station-1: LATCHED" in status and "safe state reached" in status
        sdlab(home, "safety", "clear", "--station", "station-1", "--operator", "test", "--reason", "sample removed")
        sdlab(home, *submit)  # the operator continues the campaign
        assert _finished(layout, "dep-kill") == "COMPLETED"
    rows = json.loads(sdlab(home, "history", "dep-kill", "--format", "json"))
    assert [row["index"] for row in rows] == list(range(5))  # none lost, none twice


def _finished(layout: dict[str, Any], name: str) -> str:
    """The state of the latest flow run named `name` once it has finished."""
    deadline = time.monotonic() + 900
    while (state := flow_runs(layout, (name,))[name]["state_type"]) not in FINISHED:
        assert time.monotonic() < deadline
        time.sleep(1)
    return state
