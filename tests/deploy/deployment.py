"""Driving a deployment (`sdlab deploy up`) from outside, as an operator or a fault would: sdlab commands on its
home, its flow runs as Prefect's API reports them, its history, a worker killed with the flow run it started.

Shared by tests/deploy/test_deploy_e2e.py, test_catalog_outage.py and benchmarks/deploy_faults.py.
"""

from __future__ import annotations

import json
import os
import pwd
import signal
from pathlib import Path
from typing import Any

import httpx
import pytest

from lab.deploy.services import pg_bin
from tests.processes import children, run, sdlab_args, sdlab_env

FINISHED = {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}


def postgres_or_skip() -> None:
    """Skip the test where PostgreSQL cannot run: no server binaries, or root without a postgres user."""
    if pg_bin() is None:
        pytest.skip("PostgreSQL's server binaries are not installed (apt-get install postgresql-15)")
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root, and there is no postgres user to run PostgreSQL as")


def sdlab(home: Path, *args: str) -> str:
    """`sdlab ARGS` on `home`; its output (AssertionError with its output when it fails)."""
    result = run(sdlab_args(*args), env=sdlab_env(home), timeout_s=600)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def all_runs(layout: dict[str, Any], names: tuple[str, ...]) -> list[dict[str, Any]]:
    """The flow runs named `names` that a deployment started (not the `campaign` subflow each runs under the same
    name), oldest first."""
    user, password = layout["prefect_auth"].split(":", 1)
    response = httpx.post(f"http://127.0.0.1:{layout['prefect_port']}/api/flow_runs/filter", auth=(user, password),
                          json={"flow_runs": {"name": {"any_": list(names)}, "parent_task_run_id": {"is_null_": True}},
                                "sort": "EXPECTED_START_TIME_ASC"},
                          timeout=30, trust_env=False)
    response.raise_for_status()
    return response.json()


def flow_runs(layout: dict[str, Any], names: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    """The latest flow run a deployment started under each name."""
    return {run["name"]: run for run in all_runs(layout, names)}


def history(home: Path) -> dict[str, tuple[int, float | None, str]]:
    """`sdlab history`: campaign → (experiments, best quality, status)."""
    rows = json.loads(sdlab(home, "history", "--format", "json"))
    return {row["campaign"]: (row["experiments"], row["best_quality"], row["status"]) for row in rows}


def kill_worker(home: Path, station: str) -> None:
    """SIGKILL the worker of `station`'s pool and the flow run it started (in a session of its own)."""
    worker = int((home / "deploy" / "run" / f"worker-{station}.pid").read_text())
    runs = children(worker)
    os.killpg(worker, signal.SIGKILL)
    for pid in runs:
        os.killpg(pid, signal.SIGKILL)
