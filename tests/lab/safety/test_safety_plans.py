"""The safety layer under a real RunEngine: guarded growths, device faults, a hung orchestrator, suspenders."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import bluesky.plan_stubs as bps
import bluesky.preprocessors as bpp
import pytest
from bluesky.utils import RunEngineInterrupted

from devices.config import PUMP_LINE, StationConfig
from devices.station import Station, build_station
from lab.campaign.drivers import sim_drivers, station_twin
from lab.campaign.plans import cvd_growth, run_engine
from lab.recipe import GrowthRecipe, Recipe, TmdRecipe
from lab.safety.audit import read_audit
from lab.safety.rules import is_command
from lab.safety.safeguards import Safeguards
from lab.settings import load_station
from simulators.twin import Twin
from tests.lab.safety.safety_fakes import Flaky, wrap_all

SPEEDUP = 6000.0
RECIPE = GrowthRecipe(temperature_c=1030.0, ch4_sccm=5.0, h2_sccm=20.0, ar_sccm=5.0, pressure_torr=1.0,
                      growth_min=5.0, anneal_min=2.0, purge_min=1.0, ramp_c_per_min=25.0, reading_period_s=60.0)
RECIPES: dict[str, Recipe] = {"graphene": RECIPE, "tmd": TmdRecipe(h2_sccm=5.0, growth_min=5.0, purge_min=1.0)}
MD = {"campaign": "safety-plans", "experiment_id": "safety-plans/0"}


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SDLAB_HOME", str(tmp_path))
    return tmp_path


class Guarded:
    """A simulated station behind its safeguards, with a RunEngine attached."""

    def __init__(self, kind: str = "graphene", speedup: float | None = SPEEDUP, **safety: Any) -> None:
        base = load_station(kind=kind)
        self.config: StationConfig = base.model_copy(update={"safety": base.safety.model_copy(update=safety)})
        self.recipe = RECIPES[kind]
        self.twin = station_twin(self.config, 0, speedup)
        self.raw: dict[str, Flaky] = wrap_all(sim_drivers(self.config, self.twin))
        self.safeguards = Safeguards.start(self.config, self.raw, self.twin.clock, source={"campaign": "safety-plans"})
        self.safeguards.monitor.min_poll_wall_s = 0.02
        self.station: Station = build_station(self.config, self.safeguards.interlock.guarded(), self.twin.clock)
        self.engine = run_engine(self.station)
        self.safeguards.attach(self.engine)
        self.stops: list[dict] = []
        self.engine.subscribe(lambda name, doc: self.stops.append(doc), "stop")

    def grow(self, plan: Any = None) -> None:
        self.engine(plan or cvd_growth(self.station, self.recipe, md=MD))

    def close(self) -> None:
        self.safeguards.close()


@pytest.fixture(params=["graphene", "tmd"])
def rig(request: pytest.FixtureRequest) -> Guarded:
    """A guarded graphene station, then a guarded two-zone TMD station, on virtual time (on an accelerated wall
    clock, a loaded machine lets the furnace cool between a plan's reading and its command)."""
    guarded = Guarded(request.param, speedup=None)
    yield guarded
    guarded.close()


def at_step(plan: Any, step: str, action: Callable[[], Any]) -> Any:
    """`plan` with `action` run (it may be a plan) just before it enters `step`."""
    def mutate(msg: Any) -> tuple[Any, None]:
        if msg.command == "set" and getattr(msg.obj, "name", "") == "step" and msg.args[0] == step:
            def head() -> Any:
                result = action()
                if result is not None:
                    yield from result
                return (yield msg)
            return head(), None
        return None, None
    return bpp.plan_mutator(plan, mutate)


def audit(**match: object) -> list[dict]:
    return [e for e in read_audit() if all(e.get(k) == v for k, v in match.items())]


def assert_safe(twin: Twin, config: StationConfig) -> None:
    """Every zone's heater off, every flammable line off and closed, the pumped tube purged with Ar."""
    twin.advance()
    assert all(zone.manual for zone in twin.zones.values()), "heaters off"
    for gas in (line.gas for line in config.gas_lines if line.flammable):
        assert twin.flow_setpoints[gas] == 0.0 and not twin.valves[gas], gas
    assert twin.valves["Ar"] and twin.flow_setpoints["Ar"] == 200.0 and twin.valves[PUMP_LINE]


def test_a_guarded_growth_runs_with_every_command_audited_and_none_refused(rig: Guarded) -> None:
    rig.grow()
    assert rig.stops[-1]["exit_status"] == "success"
    assert rig.safeguards.latch.reason is None
    records = audit()
    assert not [e for e in records if e["decision"] == "refuse"]
    # every command that reached a driver passed the interlock (and nothing else did)
    for key, driver in rig.raw.items():
        sent = [(m, list(a) if len(a) != 1 else a) for m, a in driver.calls if is_command(key, m)]
        allowed = [e for e in records if e["device"] == key and e["decision"] == "allow"]
        assert len(sent) == len(allowed), key
    growth = [e for e in records if e["device"] and e["source"].get("plan") == "cvd_growth"]
    assert growth and all(e["source"]["experiment_id"] == "safety-plans/0" for e in growth)
    assert rig.safeguards.watchdog.lease.read() is None  # released at the end of the run
    assert any("leak check passed" in (e["reason"] or "") for e in records)


def test_a_gauge_that_stops_answering_mid_growth_ends_in_the_latched_safe_state(rig: Guarded) -> None:
    def cut() -> None:
        rig.raw["gauge"].cut = True

    with pytest.raises(Exception, match="gauge on /dev/ttyTEST"):
        rig.grow(at_step(cvd_growth(rig.station, rig.recipe, md=MD), "grow", cut))
    assert rig.stops[-1]["exit_status"] == "fail"
    record = rig.safeguards.latch.read()
    assert record["reason"].startswith("device fault: gauge") and record["safe_state_errors"] == []
    assert_safe(rig.twin, rig.config)
    assert rig.safeguards.watchdog.lease.read() is None
    # the plan's own contingency ran too: every safe-state command it sent was allowed despite the latch
    after = [e for e in audit() if e["time"] > record["tripped_at"] and e["device"]]
    assert after and not [e for e in after if e["decision"] == "refuse"]


def test_a_hung_orchestrator_trips_the_watchdog_during_growth() -> None:
    rig = Guarded(watchdog_s=600.0, watchdog_min_wall_s=0.3)
    try:
        def hang() -> Any:  # the plan stalls for 6000 s of clock time (1 s of wall time) without a message
            return bps.sleep(6000.0)

        with pytest.raises(Exception, match="latched"):
            rig.grow(at_step(cvd_growth(rig.station, RECIPE, md=MD), "anneal", hang))
        record = rig.safeguards.latch.read()
        assert record["source"] == "watchdog" and "no heartbeat from the orchestrator" in record["reason"]
        (refused, *_) = audit(decision="refuse")  # the plan's next command, after it woke up
        assert record["safe_state_clock_s"] < refused["clock_s"]
        assert rig.stops[-1]["exit_status"] == "fail"
        assert_safe(rig.twin, rig.config)
    finally:
        rig.close()


WHEN_POLL_S = 1.0  # simulated seconds between checks of a `when` condition
WHEN_GIVE_UP_S = 12 * 3600.0  # simulated time after which `when` stops checking


def when(rig: Guarded, condition: Callable[[], bool], action: Callable[[], None]) -> threading.Thread:
    """Run `action` as soon as `condition` holds, checked every simulated second by a thread that takes part in
    the rig's clock (on virtual time no check is skipped, whatever the machine's load)."""
    clock = rig.twin.clock

    def wait() -> None:
        for _ in range(int(WHEN_GIVE_UP_S / WHEN_POLL_S)):
            if condition():
                action()
                return
            clock.sleep(WHEN_POLL_S)
    return clock.worker(wait, "when")


def stuck_heater(twin: Twin) -> None:
    """The controller's output sticks at 100 % (manual mode): the tube heats past any setpoint."""
    twin.update(manual=True, manual_output_pct=100.0)


def leak(twin: Twin, torr_l_per_s: float) -> None:
    """A fitting lets go (or is fixed): the tube's air in-leak changes."""
    twin.vacuum = replace(twin.vacuum, leak_torr_l_per_s=torr_l_per_s)


@pytest.mark.parametrize("speedup", [SPEEDUP, None], ids=["wall-clock", "virtual-time"])
def test_an_over_pressure_suspends_the_growth_until_it_recovers(speedup: float | None) -> None:
    rig = Guarded(speedup=speedup, resume_timeout_s=6 * 3600.0)
    try:
        monitor = rig.safeguards.monitor
        leaking = when(rig, lambda: rig.twin.flow_setpoints["CH4"] > 0, lambda: leak(rig.twin, 600.0))  # during growth
        repaired = when(rig, lambda: monitor.suspended_since is not None, lambda: leak(rig.twin, 2e-5))
        rig.grow()
        leaking.join(60)
        repaired.join(60)
        assert rig.stops[-1]["exit_status"] == "success"
        (suspended,) = audit(decision="suspend")
        assert "pressure_fraction_of_limit" in suspended["reason"]
        (resumed,) = audit(decision="resume")
        assert resumed["clock_s"] > suspended["clock_s"]
        assert rig.safeguards.latch.reason is None
    finally:
        rig.close()


def test_a_pressure_that_stays_out_of_range_ends_in_the_latched_safe_state() -> None:
    rig = Guarded(resume_timeout_s=900.0)
    try:
        leaking = when(rig, lambda: rig.twin.flow_setpoints["CH4"] > 0, lambda: leak(rig.twin, 600.0))  # during growth
        with pytest.raises(RunEngineInterrupted):
            rig.grow(cvd_growth(rig.station, replace(RECIPE, growth_min=60.0), md=MD))
        leaking.join(60)
        record = rig.safeguards.latch.read()
        assert record["source"] == "suspender" and "pressure_fraction_of_limit" in record["reason"]
        assert "readings out of range for more than 900 s" in record["reason"]
        (halted,) = audit(decision="halt")  # the suspended plan ends at once: it is not resumed into a latch
        assert "readings out of range for more than 900 s" in halted["reason"]
        assert rig.stops[-1]["exit_status"] == "abort"
        rig.twin.advance()
        assert not rig.twin.valves["H2"] and not rig.twin.valves["CH4"] and rig.twin.furnace.manual
    finally:
        rig.close()


def test_an_over_temperature_suspends_the_growth_and_a_runaway_ends_latched() -> None:
    """A runaway never recovers: the station ends latched and the suspended plan halted."""
    rig = Guarded(resume_timeout_s=900.0)
    try:
        with pytest.raises(RunEngineInterrupted):
            rig.grow(at_step(cvd_growth(rig.station, RECIPE, md=MD), "anneal", lambda: stuck_heater(rig.twin)))
        (suspended, *_) = audit(decision="suspend")
        assert "over_temperature_c" in suspended["reason"]
        assert rig.safeguards.latch.reason is not None
        assert audit(decision="halt") and rig.stops[-1]["exit_status"] == "abort"
        assert_safe(rig.twin, rig.config)
    finally:
        rig.close()
