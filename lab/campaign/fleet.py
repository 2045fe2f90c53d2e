"""Campaigns away from the CLI: a deployable `station-campaign` flow (what a station's Prefect worker runs),
and a `fleet` flow that runs many simulated campaigns in parallel on a Dask cluster (prefect-dask, the optional
extra `sdlab[dask]`), each on a simulated station of its own.

Either opens the campaign's session in the process that runs it (a worker, a Dask worker) and runs the
`campaign` flow there; all of them write to one run catalog.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from prefect import flow, task
from prefect.cache_policies import NONE
from prefect.settings import PREFECT_API_URL, temporary_settings

from devices.config import StationConfig
from lab.campaign.prefect_server import ensure_server
from lab.errors import UserError
from lab.heap import building_heap
from lab.history.store import RunStore
from lab.settings import CampaignConfig, campaign_config, load_station
from planners import DEFAULT_PLANNER


def fleet_station(station: StationConfig, index: int) -> StationConfig:
    """The `index`-th simulated station of a fleet: the same station under its own name (its own lease,
    latch and audit log), so campaigns never share a furnace."""
    return station.model_copy(update={"name": f"{station.name}-fleet-{index}"})


def run_campaign(config: CampaignConfig, station: StationConfig, transport: str = "sim") -> dict[str, Any]:
    """Record the campaign (so `sdlab resume` can finish it), open its session here and run it to its budget;
    returns the campaign flow's summary."""
    from lab.campaign.flows import campaign
    from lab.campaign.session import open_session
    from lab.history.records import CampaignRecord, open_record

    open_record(CampaignRecord(config, station, transport))
    with building_heap() as settle, RunStore() as store:
        session = open_session(config, station, store, transport=transport)
        settle()
        try:
            return campaign.with_options(flow_run_name=config.campaign_id)(config.campaign_id)
        finally:
            session.close()


@flow(name="station-campaign")
def station_campaign(campaign_id: str, station: str | None = None, material: str = "graphene",
                     planner: str = DEFAULT_PLANNER, experiments: int = 12, batch: int = 1, seed: int = 0,
                     speedup: float | None = None, approved: dict[str, list[float]] | None = None) -> dict[str, Any]:
    """A campaign on the station configured at `station` (a YAML path where the worker runs; default: the
    built-in simulated station). What a deployment runs on a station's work pool.

    On a station with real instruments the campaign runs in real time and, as `sdlab run` does, pauses for the
    operator's approval in the Prefect UI before its first heating and for proposals outside `approved`
    (parameter → [low, high]; none: the whole space). A simulated station pauses only when `approved` is given.
    """
    settings: dict[str, Any] = {"campaign_id": campaign_id, "material": material, "planner": planner,
                                "experiments": experiments, "batch": batch, "seed": seed, "speedup": speedup,
                                "approved": approved}
    config = load_station(Path(station) if station else None, campaign_config(**settings).material_spec.kind)
    return run_campaign(deployed_settings(settings, config), config)


def deployed_settings(settings: dict[str, Any], station: StationConfig) -> CampaignConfig:
    """The settings of a deployed campaign: on a station with real instruments, real time (speed-up 1) and
    operator approval (the given box, or the whole space: it still asks before the first heating)."""
    if station.real_instruments():
        settings = {**settings, "speedup": 1.0, "approved": settings.get("approved") or {}}
    return campaign_config(**settings)


@task(name="simulated-campaign", cache_policy=NONE)
def simulated_campaign(settings: dict[str, Any], station: dict[str, Any]) -> dict[str, Any]:
    """One campaign of a fleet, in a Dask worker process."""
    return run_campaign(campaign_config(**settings), StationConfig.model_validate(station))


@flow(name="fleet")
def fleet(campaigns: list[dict[str, Any]], stations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Run every campaign (settings as dicts) on its station at once; their summaries in the same order."""
    futures = simulated_campaign.map(campaigns, stations)
    return [future.result() for future in futures]


NO_PROFILER = {"distributed.worker.profile.enabled": False}
"""Dask's statistical profiler off in the cluster's processes: it calls `sys._current_frames()` every 10 ms, which
on CPython 3.11 before 3.11.9 can deadlock the interpreter against a garbage collection in another thread
(python/cpython#106883, dask/distributed#8616): a campaign's worker process froze mid-run, every thread waiting
for the interpreter lock. A fleet has no use for the profile (no dashboard is shown)."""


@contextmanager
def dask_runner(workers: int) -> Iterator[Any]:
    """A Dask task runner on a local cluster of `workers` single-threaded processes (without Dask's profiler:
    NO_PROFILER), which this context owns and closes in order: the runner's client first (when the flow ends), then
    the workers, then the scheduler. Dask's own chatter stays off the terminal: below warnings while it runs, and all
    of it while it shuts down (a worker's last heartbeat cut off by the close is not news)."""
    try:
        import dask
        from distributed import LocalCluster
        from prefect_dask import DaskTaskRunner
    except ImportError:
        raise UserError("sdlab fleet needs prefect-dask: pip install 'sdlab[dask]'") from None
    dask_log = logging.getLogger("distributed")
    level = dask_log.level
    dask_log.setLevel(logging.WARNING)
    try:
        with dask.config.set(NO_PROFILER):
            cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0",
                                   silence_logs=logging.WARNING)
            try:
                yield DaskTaskRunner(address=cluster.scheduler_address)
            finally:
                _close_quietly(cluster)
    finally:
        dask_log.setLevel(level)


def _silence_dask() -> None:
    """In a Dask process: log nothing more (it is being shut down)."""
    logging.getLogger("distributed").setLevel(logging.CRITICAL + 1)


def _close_quietly(cluster: Any) -> None:
    """Silence the cluster's workers and scheduler, then close the workers and, once they are gone, the scheduler
    (`LocalCluster.close` closes them in that order)."""
    from distributed import Client

    try:
        with Client(cluster, set_as_default=False) as client:
            client.run(_silence_dask)
    finally:
        _silence_dask()
        cluster.close()


@contextmanager
def shared_prefect_api() -> Iterator[str | None]:
    """Point Prefect (and the worker processes, which inherit this context) at one API: the configured one,
    or else this process's temporary server (`lab.campaign.prefect_server`), which each worker would otherwise try
    to start for itself."""
    url = ensure_server()
    with temporary_settings({PREFECT_API_URL: url}):
        yield url


def run_fleet(campaigns: list[CampaignConfig], station: StationConfig, workers: int) -> list[dict[str, Any]]:
    """Run `campaigns` in parallel on `workers` Dask worker processes, each on its own copy of `station`."""
    stations = [fleet_station(station, index).model_dump(mode="json") for index in range(len(campaigns))]
    with RunStore(), shared_prefect_api(), dask_runner(workers) as runner:  # one catalog, Prefect API and cluster
        return fleet.with_options(task_runner=runner)([c.model_dump(mode="json") for c in campaigns], stations)
