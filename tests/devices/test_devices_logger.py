"""InSituLogger: a flyer whose collect_pages matches describe_collect."""

from __future__ import annotations

import time

import numpy as np
import pytest
from devices_fakes import FakeClock

from devices.logger import InSituLogger
from simulators.clock import VirtualClock
from simulators.drivers import SimDataLogger
from simulators.twin import Twin
from simulators.worlds import GrapheneWorld


def test_pages_match_describe_collect(twin: Twin, sim_clock: VirtualClock) -> None:
    logger = InSituLogger(SimDataLogger(twin), clock=sim_clock, period_s=10.0)
    assert logger.kickoff().success
    sim_clock.sleep(300.0)
    assert logger.complete().success
    (page,) = list(logger.collect_pages())

    (stream,) = logger.describe_collect()
    keys = logger.describe_collect()[stream]
    assert stream == "insitu"
    assert set(keys) == set(page["data"]) == set(page["timestamps"])
    assert {"temperature_c", "pressure_torr", "ch4_sccm", "elapsed_s"} <= set(keys)
    assert all(key["dtype"] == "number" and key["shape"] == [] for key in keys.values())
    assert keys["elapsed_s"]["units"] == "s" and keys["temperature_c"]["units"] == "degC"

    n = len(page["time"])
    assert n == 31  # at kickoff, then every 10 s for 300 clock seconds
    assert all(len(column) == n for column in page["data"].values())
    assert all(len(stamps) == n for stamps in page["timestamps"].values())

    elapsed = np.array(page["data"]["elapsed_s"])
    assert elapsed[0] >= 0.0
    assert np.all(np.diff(elapsed) > 0)
    assert np.median(np.diff(elapsed)) == pytest.approx(10.0, abs=0.5)
    stamps = np.array(page["time"])
    assert np.all(np.diff(stamps) >= 0)
    assert stamps[-1] <= time.time()
    # wall stamps keep the clock's spacing in wall time (none on virtual time: the samples are simulated at once)
    np.testing.assert_allclose(np.diff(stamps), sim_clock.wall_seconds(1.0) * np.diff(elapsed), atol=1e-3)

    assert list(logger.collect_pages()) == []  # everything was collected


def test_elapsed_time_counts_from_kickoff_on_a_hand_driven_clock() -> None:
    clock = FakeClock(now=2.0)
    twin = Twin(GrapheneWorld.draw(0), clock, seed=0)
    logger = InSituLogger(SimDataLogger(twin), clock=clock, period_s=5.0, stream="furnace_log", name="log")
    logger.kickoff()
    clock.now = 23.0
    twin.advance()
    logger.complete()
    clock.now = 60.0
    (page,) = list(logger.collect_pages())
    assert page["data"]["elapsed_s"] == pytest.approx([3.0, 8.0, 13.0, 18.0])
    assert page["data"]["temperature_c"] == pytest.approx([25.0] * 4, abs=2.0)
    assert list(logger.describe_collect()) == ["furnace_log"]
    assert logger.describe_collect()["furnace_log"]["elapsed_s"]["source"] == "log:clock"


def test_nothing_recorded_means_no_page() -> None:
    clock = FakeClock()
    twin = Twin(GrapheneWorld.draw(0), clock, seed=0)
    logger = InSituLogger(SimDataLogger(twin), clock=clock, period_s=5.0)
    logger.kickoff()
    logger.complete()
    assert list(logger.collect_pages()) == []
