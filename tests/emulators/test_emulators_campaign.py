"""A campaign over serial (emulators + serial drivers) matches the sim transport and records its faults."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from lab.campaign.session import open_session
from lab.history.store import CHARACTERIZATION_PLAN, GROWTH_PLAN, RunStore
from lab.safety.audit import AuditLog
from lab.safety.latch import Latch
from lab.settings import campaign_config, load_station

pytestmark = pytest.mark.e2e


def _run(campaign_id: str, transport: str, fault_rate: float = 0.0):
    from lab.campaign.flows import campaign

    # On a wall clock: on virtual time a serial line is polled once per simulated second, as a real one would be,
    # and the emulators' replies take the wall time of a pty; this test is about the protocols, not the physics.
    settings = campaign_config(campaign_id=campaign_id, planner="random", experiments=2, seed=7, spots=4,
                               speedup=7200.0)
    with RunStore() as store:
        session = open_session(settings, load_station(), store, transport=transport, fault_rate=fault_rate)
        try:
            campaign(campaign_id)
        finally:
            session.close()
        starts = [run.metadata["start"] for run in store.runs(campaign_id, GROWTH_PLAN)]
        rows = store.experiments(campaign_id)
        measured = store.runs(campaign_id, CHARACTERIZATION_PLAN)
        return session, starts, rows, [run.metadata["outcome"] for run in measured]


@pytest.fixture
def unlatched_afterwards(sdlab_home: Path) -> Iterator[None]:
    """The station unlatched after the test: a campaign over ptys on a loaded host can latch it (a reply later than
    the driver's quiet window), and the latch would fail every later test of this worker that grows on it."""
    yield
    station = load_station().name
    latch = Latch(station, AuditLog(station))
    if latch.read() is not None:
        latch.clear("tests", "left latched by the serial-transport campaign test")


@pytest.mark.usefixtures("unlatched_afterwards")
def test_serial_campaign_matches_sim_and_counts_faults(sdlab_home: Path, prefect_harness: None) -> None:
    _, sim_starts, sim_rows, _ = _run("e2e-sim-transport", "sim")
    serial, serial_starts, serial_rows, outcomes = _run("e2e-serial-transport", "serial", fault_rate=0.02)
    assert [s["transport"] for s in sim_starts] == ["sim", "sim"]
    assert [s["transport"] for s in serial_starts] == ["serial", "serial"]
    assert len(serial_rows) == len(sim_rows) == 2
    for a, b in zip(sim_rows, serial_rows, strict=True):
        assert a["params"] == b["params"]  # the random planner proposes the same recipes for the same seed
        assert b["coverage"] == pytest.approx(a["coverage"], abs=0.05)
        assert b["failed"] == a["failed"]
        # The accelerated clock runs on wall time, so two runs (even sim vs sim) differ by timing jitter:
        # film metrics agree to within that noise, not exactly.
        assert b["mean_i2d_ig"] == pytest.approx(a["mean_i2d_ig"], rel=0.5)
    for outcome in outcomes:
        assert {"transport_retries", "transport_timeouts", "transport_reply_errors", "injected_dropped"} <= set(outcome)
    assert sum(o["injected_dropped"] + o["injected_corrupted"] + o["injected_delayed"] for o in outcomes) > 0
    assert all(not e.is_alive() for e in [em._thread for em in serial.emulation.emulators.values()])
