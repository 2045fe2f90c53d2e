"""`lab.campaign.fleet`: simulated campaigns in parallel on a Dask cluster, each on its own station, one catalog."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from lab.campaign.fleet import deployed_settings, fleet_station
from lab.history.store import RunStore
from lab.settings import campaign_config, load_station


def test_fleet_stations_are_the_station_under_their_own_names() -> None:
    station = load_station()
    copies = [fleet_station(station, index) for index in range(2)]
    assert [copy.name for copy in copies] == [f"{station.name}-fleet-0", f"{station.name}-fleet-1"]
    assert copies[0].model_dump(exclude={"name"}) == station.model_dump(exclude={"name"})


def test_a_deployed_campaign_on_real_instruments_runs_in_real_time_and_asks_the_operator() -> None:
    settings = {"campaign_id": "deployed", "speedup": 3600.0, "approved": None}
    simulated = load_station()
    real = simulated.model_copy(update={"furnace": simulated.furnace.model_copy(
        update={"driver": "serial", "port": "/dev/ttyUSB0"})})
    assert deployed_settings(settings, simulated).speedup == 3600.0
    assert deployed_settings(settings, simulated).approved is None  # a simulation never pauses
    on_hardware = deployed_settings(settings, real)
    assert on_hardware.speedup == 1.0 and on_hardware.approved == {}  # asks before the first heating
    box = deployed_settings({**settings, "approved": {"temperature_c": [1000.0, 1050.0]}}, real)
    assert box.approved == {"temperature_c": (1000.0, 1050.0)}


@pytest.mark.e2e
def test_two_tiny_campaigns_run_in_parallel_dask_workers(sdlab_home: Path, prefect_harness: None) -> None:
    pytest.importorskip("prefect_dask")
    from lab.campaign.fleet import run_fleet

    settings = [campaign_config(campaign_id=f"e2e-fleet-{index}", experiments=1, seed=index, spots=4)
                for index in range(2)]
    summaries = run_fleet(settings, load_station(), workers=2)
    assert [summary["campaign"] for summary in summaries] == ["e2e-fleet-0", "e2e-fleet-1"]
    assert all(summary["experiments"] == 1 for summary in summaries)
    with RunStore() as store:
        stations = {row["campaign"]: row["station"] for row in store.campaigns()
                    if row["campaign"].startswith("e2e-fleet")}
        assert [len(store.experiments(summary["campaign"])) for summary in summaries] == [1, 1]
    assert stations == {"e2e-fleet-0": "sim-graphene-1-fleet-0", "e2e-fleet-1": "sim-graphene-1-fleet-1"}


def _profiling(dask_worker: Any) -> bool:
    """Whether a Dask worker samples its threads' stacks (`sys._current_frames()`) in a periodic callback."""
    return "profile" in dask_worker.periodic_callbacks


def test_the_fleets_cluster_runs_without_dasks_profiler() -> None:
    pytest.importorskip("prefect_dask")
    from distributed import Client

    from lab.campaign.fleet import dask_runner

    with dask_runner(1) as runner, Client(runner.address, set_as_default=False) as client:
        assert list(client.run(_profiling).values()) == [False]
