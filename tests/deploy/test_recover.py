"""`sdlab deploy up` recovers the flow runs left under way by a process that is gone (on a temporary Prefect server):
a run whose process died while PostgreSQL was down stays Pending or Running for ever, holding its station's pool,
and so does the `campaign` subflow of a killed run (the Prefect UI showed it running)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from dataclasses import replace
from urllib.parse import urlparse

from prefect import flow, task
from prefect.client.orchestration import get_client
from prefect.settings import get_current_settings
from prefect.states import Pending, Running

from lab.deploy.lab import FLOW, _recover, _register
from lab.deploy.layout import Layout


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


@task(name="campaign-step")
def _step() -> None: ...


@flow(name="campaign")
def _subflow() -> None: ...


def test_runs_whose_process_is_gone_are_crashed_and_submitted_again_the_others_left_alone(prefect_harness) -> None:
    layout = replace(Layout.create(2), prefect_port=urlparse(get_current_settings().api.url).port)
    asyncio.run(_register(layout))
    with get_client(sync_client=True) as client:
        runs = {}
        for name, pool, state, pid in [("died-pending", "station-1", Pending(), _dead_pid()),
                                       ("died-running", "station-2", Running(), _dead_pid()),
                                       ("alive", "station-1", Running(), os.getpid()),
                                       ("starting", "station-2", Pending(), None)]:  # no process yet
            deployment = client.read_deployment_by_name(f"{FLOW}/{pool}")
            run = client.create_flow_run_from_deployment(deployment.id, name=name,
                                                         parameters={"campaign_id": name})
            client.set_flow_run_state(run.id, state, force=True)
            if pid is not None:
                client.update_flow_run(run.id, infrastructure_pid=str(pid))
            runs[name] = run.id
        for parent in ("died-running", "alive"):  # each runs its campaign as a subflow
            step = client.create_task_run(_step, runs[parent], dynamic_key="0")
            runs[f"{parent}-subflow"] = client.create_flow_run(_subflow, name=parent, parent_task_run_id=step.id,
                                                               state=Running()).id

        assert sorted(asyncio.run(_recover(layout, []))) == ["died-pending", "died-running"]
        states = {name: client.read_flow_run(run_id).state.type.value for name, run_id in runs.items()}
        assert states == {"died-pending": "CRASHED", "died-running": "CRASHED", "died-running-subflow": "CRASHED",
                          "alive": "RUNNING", "alive-subflow": "RUNNING", "starting": "PENDING"}
        ours = {client.read_deployment_by_name(f"{FLOW}/{pool}").id for pool in ("station-1", "station-2")}
        again = [run for run in client.read_flow_runs()  # the worker's Prefect server holds other tests' runs too
                 if run.deployment_id in ours and run.id not in runs.values()]
        assert sorted((run.name, run.parameters["campaign_id"], run.state.type.value) for run in again) == [
            ("died-pending", "died-pending", "SCHEDULED"), ("died-running", "died-running", "SCHEDULED")]
