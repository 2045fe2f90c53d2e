"""Fault injection: serial faults through the protocol emulators, a device that stops answering on its line,
and a process killed during a growth. Each ends in the right state."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from devices.config import PUMP_LINE
from devices.station import build_station
from lab.campaign.drivers import DriverSet, build_drivers, station_twin
from lab.campaign.plans import cvd_growth, run_engine
from lab.recipe import GrowthRecipe
from lab.safety.audit import read_audit
from lab.safety.latch import LatchedError
from lab.safety.safeguards import Safeguards
from lab.safety.watchdog import Lease
from lab.settings import load_station
from simulators.emulators.station import EmulatedStation, start_emulated_station
from simulators.twin import Twin

CONFIG = load_station()
RECIPE = GrowthRecipe(ar_sccm=5.0, growth_min=5.0, anneal_min=2.0, purge_min=1.0, ramp_c_per_min=25.0)


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SDLAB_HOME", str(tmp_path))
    return tmp_path


class SerialRig:
    """The twin behind protocol emulators on ptys, driven by the serial drivers behind the safeguards."""

    def __init__(self, speedup: float, fault_rate: float = 0.0) -> None:
        self.twin: Twin = station_twin(CONFIG, 0, speedup)
        self.emulation: EmulatedStation = start_emulated_station(CONFIG, self.twin, fault_rate=fault_rate)
        self.drivers: DriverSet = build_drivers(self.emulation.config, self.twin)
        self.guarded = self.drivers.guard(CONFIG, self.twin.clock, source={"campaign": "faults"})
        assert self.drivers.safeguards is not None
        self.safeguards: Safeguards = self.drivers.safeguards

    def close(self) -> None:
        self.drivers.close()
        self.emulation.stop()


@pytest.fixture
def serial_rig(request: pytest.FixtureRequest) -> Iterator[SerialRig]:
    rig = SerialRig(*request.param)
    yield rig
    rig.close()


@pytest.mark.e2e
@pytest.mark.parametrize("serial_rig", [(6000.0, 0.01)], indirect=True)
def test_a_growth_over_serial_lines_with_one_percent_faults_completes(serial_rig: SerialRig) -> None:
    station = build_station(CONFIG, serial_rig.guarded, serial_rig.twin.clock)
    engine = run_engine(station)
    serial_rig.safeguards.attach(engine)
    stops: list[dict] = []
    engine.subscribe(lambda _name, doc: stops.append(doc), "stop")
    engine(cvd_growth(station, RECIPE, md={"experiment_id": "faults/0"}))
    assert stops[-1]["exit_status"] == "success"
    assert serial_rig.safeguards.latch.reason is None
    injected = sum(sum(counts.values()) for counts in serial_rig.emulation.fault_counts().values())
    retried = sum(stats.as_dict()["retries"] for stats in serial_rig.drivers.stats().values())
    assert injected > 0 and retried > 0  # faults happened, and the drivers' retries absorbed them


@pytest.mark.parametrize("serial_rig", [(1.0, 0.0)], indirect=True)
def test_a_gauge_that_stops_answering_on_its_line_latches_the_safe_state_within_a_second(serial_rig: SerialRig
                                                                                       ) -> None:
    """Simulated time runs at wall speed here, so the second is a real one: every safe-state command goes
    over the serial lines of the devices that still answer."""
    twin = serial_rig.twin
    twin.update(target_c=900.0, ramp_c_per_min=25.0)
    for gas in ("H2", "CH4"):
        twin.set_valve(gas, True)
        twin.set_flow(gas, 10.0)
    gauge = serial_rig.emulation.emulators["gauge"]
    gauge.faults.counts = {"dropped": 0}  # from now on every reply is lost on the line
    gauge.faults.rate = 1.0
    with pytest.raises(Exception, match="gauge"):
        serial_rig.guarded["gauge"].read_pressure()
    record = serial_rig.safeguards.latch.read()
    assert record["reason"].startswith("device fault: gauge") and record["safe_state_errors"] == []
    assert record["safe_state_clock_s"] - record["tripped_clock_s"] <= 1.0
    twin.advance()
    assert twin.furnace.manual and not twin.valves["H2"] and not twin.valves["CH4"]
    assert twin.flow_setpoints["H2"] == twin.flow_setpoints["CH4"] == 0.0
    assert twin.valves["Ar"] and twin.valves[PUMP_LINE] and twin.flow_setpoints["Ar"] == 200.0


CHILD = """
import sys, time
from devices.station import build_station
from lab.settings import load_station
from lab.campaign.drivers import sim_drivers, station_twin
from lab.campaign.plans import cvd_growth, run_engine
from lab.recipe import GrowthRecipe
from lab.safety.safeguards import Safeguards

config = load_station()
twin = station_twin(config, 0, 60.0)
safeguards = Safeguards.start(config, sim_drivers(config, twin), twin.clock, source={"campaign": "killed"})
station = build_station(config, safeguards.interlock.guarded(), twin.clock)
engine = run_engine(station)
safeguards.attach(engine)
engine(cvd_growth(station, GrowthRecipe(ar_sccm=5.0),
                  md={"campaign": "killed", "experiment_id": "killed/3"}))
"""


@pytest.mark.e2e
def test_a_process_killed_during_growth_ends_latched_in_the_safe_state_with_its_history_intact(home: Path) -> None:
    child = subprocess.Popen([sys.executable, "-c", CHILD], cwd=Path(__file__).parents[3], env=os.environ.copy(),
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    lease = Lease(CONFIG.name)
    try:
        deadline = time.monotonic() + 120.0
        while lease.read() is None or len(list(read_audit())) < 10:  # well into the growth
            assert child.poll() is None and time.monotonic() < deadline, child.stderr.read() if child.stderr else ""
            time.sleep(0.05)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    sent = list(read_audit())
    twin = station_twin(CONFIG, 0, 60.0)  # the station the next process finds (the killed one's state is gone)
    safeguards = Safeguards.start(CONFIG, build_drivers(CONFIG, twin).drivers, twin.clock)
    try:
        record = safeguards.latch.read()
        assert f"process {child.pid} stopped during growth killed/3" in record["reason"]
        assert record["source"] == "watchdog" and record["safe_state_errors"] == []
        assert lease.read() is None
        with pytest.raises(LatchedError, match="sdlab safety clear"):
            safeguards.latch.require_clear()
    finally:
        safeguards.close()
    lines = (home / "safety" / "audit.jsonl").read_text().splitlines()
    assert [json.loads(line) for line in lines[:len(sent)]] == sent  # the killed process's records are intact
    assert all(e["source"].get("experiment_id") == "killed/3" for e in sent if e["device"] and e["source"].get("plan"))


@pytest.mark.e2e
def test_an_unrecoverable_fault_stops_the_campaign_cleanly_with_its_history_intact(
        tmp_path: Path, prefect_harness: None, monkeypatch: pytest.MonkeyPatch) -> None:
    from lab.campaign.flows import campaign
    from lab.campaign.session import open_session
    from lab.history.store import GROWTH_PLAN, RunStore
    from lab.settings import campaign_config

    monkeypatch.setenv("SDLAB_HOME", str(tmp_path))  # its own: the station it latches is no other test's
    settings = campaign_config(campaign_id="safety-fault", experiments=2, seed=1, spots=4)
    with RunStore() as store:
        session = open_session(settings, CONFIG, store, transport="serial")
        assert session.emulation is not None

        def gauge_dies(_result: object) -> None:  # after the first experiment, every gauge reply is lost
            gauge = session.emulation.emulators["gauge"]  # type: ignore[union-attr]
            gauge.faults.counts = {"dropped": 0}
            gauge.faults.rate = 1.0

        session.listeners.append(gauge_dies)
        try:
            # the growth's own read, or the monitor's poll between experiments, finds the dead gauge first
            with pytest.raises(LatchedError, match=r"station sim-graphene-1 is latched in the safe state \(device "
                                                   "fault: gauge on"):
                campaign(settings.campaign_id)
            growths = store.runs(settings.campaign_id, GROWTH_PLAN)
            rows = store.experiments(settings.campaign_id)
        finally:
            session.close()
    assert [run.metadata["stop"]["exit_status"] for run in growths] in (["success"], ["success", "fail"])
    assert [row["index"] for row in rows] == [0] and len(session.results) == 1
    assert session.safeguards.latch.read()["safe_state_errors"] == []
