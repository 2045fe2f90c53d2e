"""`sdlab deploy up|status|down` and what uses a deployment: bring the services up in order (PostgreSQL, Prefect
server, tiled, then a station pool with its deployment and worker per station), report them, take them down;
data (the cluster, the arrays, the campaign records) stays under `$SDLAB_HOME` across down and up."""

from __future__ import annotations

import asyncio
import os
from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml

import lab
from lab.deploy import services
from lab.deploy.layout import Layout, deploy_dir, write_private
from lab.errors import UserError
from lab.history.catalog_server import initialize
from lab.home import sdlab_home

WORKER_POLL_S = 2  # how often a station's worker asks for submitted runs (Prefect's 10 s delays every start)
FLOW = "station-campaign"  # lab.campaign.fleet.station_campaign, what each station's deployment runs
ENTRYPOINT = "lab/campaign/fleet.py:station_campaign"
SOURCE = Path(lab.__file__).resolve().parent.parent  # the folder holding lab/: where workers load the flow from
# While PostgreSQL is down (stopped, restarting) the Prefect server answers 500. A worker and the flow runs it starts
# try such requests again, backing off (2, 4, … 64 s: about two minutes in all), so that a campaign waits for the
# database instead of dying half-way through a state change and leaving its flow run stuck in Pending or Running.
API_RETRIES = {"PREFECT_CLIENT_RETRY_EXTRA_CODES": "500", "PREFECT_CLIENT_MAX_RETRIES": "6"}


def _common_env() -> dict[str, str]:
    return {"PGPASSFILE": str(deploy_dir() / "pgpass"), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "DO_NOT_TRACK": "1", "SDLAB_HOME": str(sdlab_home())}


def up(stations: int | None = None) -> tuple[Layout, list[str]]:
    """Start (or finish starting) the deployment; `stations` changes the number of station pools. Returns it and
    the flow runs it submitted again (see `_recover`)."""
    layout = Layout.load()
    layout = Layout.create(stations or 2) if layout is None else replace(layout, stations=stations or layout.stations)
    layout.save()
    services.init_postgres(layout)
    services.start_postgres(layout)
    common = _common_env()
    services.spawn("prefect", [services.python(), "-m", "prefect", "server", "start", "--host", "127.0.0.1",
                               "--port", str(layout.prefect_port)],
                   {**common, "PREFECT_HOME": str(deploy_dir() / "prefect"), "PREFECT_API_URL": "",
                    "PREFECT_API_DATABASE_CONNECTION_URL": layout.database("prefect", "postgresql+asyncpg"),
                    "PREFECT_SERVER_API_AUTH_STRING": layout.prefect_auth, "PREFECT_UI_API_URL": layout.prefect_api})
    start_catalog(layout)
    services.wait_until("prefect", lambda: services.answers(f"{layout.prefect_api}/health",
                                                            auth=tuple(layout.prefect_auth.split(":", 1))))
    services.wait_until("tiled", lambda: services.answers(f"http://127.0.0.1:{layout.tiled_port}/healthz"))
    asyncio.run(_register(layout))
    restarted = [pool for pool in layout.station_pools() if services.service_pid(f"worker-{pool}") is None]
    for pool in layout.station_pools():  # the pool admits one flow run at a time (a worker --limit can stick)
        services.spawn(f"worker-{pool}", [services.python(), "-m", "prefect", "worker", "start", "--pool", pool,
                                          "--type", "process", "--name", pool],
                       {**common, **layout.client_env(), **API_RETRIES,
                        "PREFECT_HOME": str(deploy_dir() / "prefect-worker"),
                        "PREFECT_WORKER_QUERY_SECONDS": str(WORKER_POLL_S),
                        "PREFECT_LOGGING_LEVEL": "INFO"})  # its log tells which flow runs it started
    return layout, asyncio.run(_recover(layout, restarted))


def start_catalog(layout: Layout) -> None:
    """Start the catalog server (`lab.deploy.catalog`) on the cluster, its catalog initialized where new."""
    initialize(layout.database("catalog", "postgresql+asyncpg", password=layout.db_password))
    services.spawn("tiled", [services.python(), "-m", "lab.deploy.catalog", str(_tiled_config(layout))],
                   _common_env())


def _process_gone(run: Any) -> bool:
    """Whether the process a worker started for flow run `run` has ended (its pid, as the process worker records
    it, names no live process); False while no process is known (the worker is still starting it)."""
    pid = (run.infrastructure_pid or "").rpartition(":")[2]
    if not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, another user's
        pass
    return False


async def _recover(layout: Layout, restarted: list[str]) -> list[str]:
    """Flow runs under way on the stations' pools whose process is gone: those of the `restarted` pools (their
    worker was gone: killed, or taken down), and those whose process ended without telling the server (e.g. it
    died while PostgreSQL was down, leaving its run Pending or Running for ever, holding its pool's only slot).
    Marked crashed, with the `campaign` subflows they left under way, and submitted again, to continue their
    campaign from the catalog (the interrupted experiment is marked aborted and grown again; a station a growth was
    interrupted on stays latched until an operator clears it). Returns their names."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        FlowRunFilter,
        FlowRunFilterParentFlowRunId,
        FlowRunFilterState,
        FlowRunFilterStateType,
        WorkPoolFilter,
        WorkPoolFilterName,
    )
    from prefect.client.schemas.objects import StateType
    from prefect.states import Crashed

    under_way = FlowRunFilterState(type=FlowRunFilterStateType(
        any_=[StateType.RUNNING, StateType.PENDING, StateType.CANCELLING]))
    pools = WorkPoolFilter(name=WorkPoolFilterName(any_=layout.station_pools()))
    with _api(layout):
        async with get_client() as client:
            runs = [run for run in await client.read_flow_runs(flow_run_filter=FlowRunFilter(state=under_way),
                                                               work_pool_filter=pools)
                    if run.work_pool_name in restarted or _process_gone(run)]
            if not runs:
                return []
            subflows = await client.read_flow_runs(flow_run_filter=FlowRunFilter(
                state=under_way, parent_flow_run_id=FlowRunFilterParentFlowRunId(any_=[run.id for run in runs])))
            for run in subflows:
                await client.set_flow_run_state(run.id, Crashed(message="the process running it stopped"), force=True)
            for run in runs:
                await client.set_flow_run_state(run.id, Crashed(message="its process or its worker stopped while it "
                                                                        "ran; submitted again"), force=True)
                await client.create_flow_run_from_deployment(run.deployment_id, parameters=run.parameters,
                                                             name=run.name)
    return [run.name for run in runs]


def _api(layout: Layout) -> Any:
    """Prefect's client settings for the deployment's server (a context manager)."""
    from prefect.settings import PREFECT_API_AUTH_STRING, PREFECT_API_URL, temporary_settings

    return temporary_settings({PREFECT_API_URL: layout.prefect_api, PREFECT_API_AUTH_STRING: layout.prefect_auth})


def _tiled_config(layout: Layout) -> Path:
    """tiled's configuration (mode 0600: it holds the database password and the API key): the catalog and the
    tables in PostgreSQL, arrays in files under `$SDLAB_HOME/deploy/arrays`, on loopback."""
    path = deploy_dir() / "tiled.yml"
    with_password = {"password": layout.db_password}
    write_private(path, yaml.safe_dump({
        "trees": [{"path": "/", "tree": "catalog", "args": {
            "uri": layout.database("catalog", "postgresql+asyncpg", **with_password),  # `up` initializes it
            "writable_storage": [str(deploy_dir() / "arrays"), layout.database("tables", **with_password)]}}],
        "authentication": {"single_user_api_key": layout.tiled_api_key},
        "uvicorn": {"host": "127.0.0.1", "port": layout.tiled_port}}))
    return path


def station_file(pool: str) -> Path:
    """The simulated station of pool `pool` (the built-in graphene station under the pool's name)."""
    return deploy_dir() / "stations" / f"{pool}.yaml"


async def _register(layout: Layout) -> None:
    """A process work pool per station (one flow run at a time) and its `station-campaign` deployment."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.utilities.callables import parameter_schema

    from lab.campaign.fleet import station_campaign
    from lab.settings import load_station

    schema = parameter_schema(station_campaign.fn).model_dump_for_openapi()
    with _api(layout):
        async with get_client() as client:
            flow_id = await client.create_flow_from_name(FLOW)
            for pool in layout.station_pools():
                path = station_file(pool)
                path.parent.mkdir(parents=True, exist_ok=True)
                station = load_station(None, "graphene").model_copy(update={"name": pool})
                path.write_text(yaml.safe_dump(station.model_dump(mode="json"), sort_keys=False))
                await client.create_work_pool(WorkPoolCreate(name=pool, type="process", concurrency_limit=1),
                                              overwrite=True)
                await client.create_deployment(flow_id=flow_id, name=pool, work_pool_name=pool,
                                               entrypoint=ENTRYPOINT, pull_steps=[{  # run in place, no copy
                                                   "prefect.deployments.steps.set_working_directory":
                                                       {"directory": str(SOURCE)}}],
                                               parameters={"station": str(path)},
                                               parameter_openapi_schema=schema)


def status() -> list[dict[str, Any]]:
    """One row per service: name, pid (None: not running), where it listens."""
    layout = Layout.load()
    if layout is None:
        return []
    rows = [{"service": "postgres", "pid": services.postgres_pid(), "address": f"127.0.0.1:{layout.postgres_port}"},
            {"service": "prefect", "pid": services.service_pid("prefect"), "address": layout.prefect_api},
            {"service": "tiled", "pid": services.service_pid("tiled"),
             "address": f"http://127.0.0.1:{layout.tiled_port}/api/v1"}]
    rows += [{"service": f"worker-{pool}", "pid": services.service_pid(f"worker-{pool}"), "address": f"pool {pool}"}
             for pool in layout.station_pools()]
    return rows


def down() -> None:
    """Stop the workers, then tiled and Prefect, then PostgreSQL (their data stays)."""
    layout = Layout.load()
    if layout is None:
        return
    services.stop(*(f"worker-{pool}" for pool in layout.station_pools()))
    services.stop("tiled", "prefect")
    services.stop_postgres()


def running() -> Layout | None:
    """The deployment, if its Prefect and tiled servers run."""
    layout = Layout.load()
    if layout is None or services.service_pid("prefect") is None or services.service_pid("tiled") is None:
        return None
    return layout


def use_when_up() -> None:
    """Point this process's Prefect and catalog clients at the deployment when it is up (unless the environment
    already names others)."""
    layout = running()
    if layout is not None:
        for key, value in layout.client_env().items():
            os.environ.setdefault(key, value)


def submit(station: str, parameters: dict[str, Any]) -> Any:
    """Start a `station-campaign` flow run on `station`'s pool (it waits there while the station is busy)."""
    layout = running()
    if layout is None:
        raise UserError("no deployment is up: start it with sdlab deploy up")
    if station not in layout.station_pools():
        raise UserError(f"--station {station}: the deployment's stations are {', '.join(layout.station_pools())}")
    from prefect.deployments import run_deployment

    with _api(layout):
        return run_deployment(f"{FLOW}/{station}", parameters={"station": str(station_file(station)), **parameters},
                              timeout=0, flow_run_name=parameters["campaign_id"])
