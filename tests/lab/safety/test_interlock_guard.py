"""The interlock at the driver boundary: refusals never reach a driver, faults latch, the latch persists."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from devices.config import PUMP_LINE, StationConfig
from devices.drivers import DeviceError
from lab.campaign.drivers import sim_drivers
from lab.errors import UserError
from lab.safety.audit import AuditLog, read_audit
from lab.safety.interlock import Interlock, InterlockError
from lab.safety.latch import Latch, LatchedError
from lab.safety.safeguards import Safeguards
from lab.safety.watchdog import Lease, Watchdog
from lab.settings import load_station
from simulators.gas import VacuumModel
from simulators.twin import Twin
from simulators.worlds import GrapheneWorld, TmdWorld
from tests.devices.devices_fakes import FakeClock
from tests.lab.safety.safety_fakes import wrap_all

CONFIG = load_station()


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SDLAB_HOME", str(tmp_path))
    return tmp_path


class Rig:
    """A twin on a manual clock, its sim drivers wrapped (to count calls or cut them) and the interlock."""

    def __init__(self, config: StationConfig = CONFIG, leak: float | None = None) -> None:
        self.clock = FakeClock(1000.0)
        self.twin = Twin(GrapheneWorld.draw(0), self.clock, gases=[line.gas for line in config.gas_lines])
        if leak is not None:
            self.twin.vacuum = replace(VacuumModel(), leak_torr_l_per_s=leak)
        self.raw = wrap_all(sim_drivers(config, self.twin))
        self.audit = AuditLog(config.name, source={"campaign": "guard-test"})
        self.interlock = Interlock(config, self.raw, self.clock, self.audit, Latch(config.name, self.audit))
        self.d = self.interlock.guarded()

    def wait(self, seconds: float) -> None:
        self.clock.sleep(seconds)
        self.twin.advance()

    def leak_check(self, hold_s: float = 60.0) -> None:
        self.d[f"valve:{PUMP_LINE}"].write_open(True)
        self.wait(300.0)
        self.d[f"valve:{PUMP_LINE}"].write_open(False)
        self.wait(hold_s)
        self.d[f"valve:{PUMP_LINE}"].write_open(True)

    def purge(self, seconds: float = 60.0) -> None:
        self.d["valve:Ar"].write_open(True)
        self.d["mfc:Ar"].write_setpoint(200.0)
        self.wait(seconds)
        self.d["mfc:Ar"].write_setpoint(0.0)  # the purge ends; pump down
        self.wait(300.0)
        self.d["mfc:Ar"].write_setpoint(10.0)  # the carrier

    def writes(self, key: str) -> list[tuple[str, tuple]]:
        return [call for call in self.raw[key].calls if call[0].startswith(("write", "load", "move"))]


def decisions(**match: object) -> list[dict]:
    return [e for e in read_audit() if all(e.get(k) == v for k, v in match.items())]


def test_a_refused_command_never_reaches_the_driver_and_is_audited() -> None:
    rig = Rig()
    rig.d["holder"].load("Cu")
    with pytest.raises(InterlockError) as error:
        rig.d["furnace"].write_setpoint(1075.0)
    assert str(error.value) == ("furnace.write_setpoint(1075) refused: setpoint 1075 °C is outside 0 … 1070 °C "
                                "(the Cu cap)")
    assert isinstance(error.value, UserError) and "\n" not in str(error.value)
    assert ("write_setpoint", (1075.0,)) not in rig.raw["furnace"].calls
    assert rig.twin.furnace.target_c < 100.0
    (refused,) = decisions(decision="refuse")
    assert refused["device"] == "furnace" and refused["args"] == [1075.0]
    assert refused["source"] == {"campaign": "guard-test"} and refused["clock_s"] == pytest.approx(1000.0)
    assert "the Cu cap" in refused["reason"]


def test_an_interlock_refusal_latches_the_station_in_the_safe_state() -> None:
    rig = Rig()
    with pytest.raises(InterlockError, match="has not passed a leak check"):
        rig.d["valve:H2"].write_open(True)
    assert "interlock refused valve:H2.write_open(True)" in rig.interlock.latch.reason
    assert [e["device"] for e in decisions(decision="safe-state")] == [
        "furnace", "mfc:H2", "valve:H2", "mfc:CH4", "valve:CH4", "valve:Ar", f"valve:{PUMP_LINE}", "pressure",
        "mfc:Ar"]
    rig.twin.advance()
    assert rig.twin.valves["Ar"] and rig.twin.valves[PUMP_LINE] and rig.twin.flow_setpoints["Ar"] == 200.0
    assert rig.twin.furnace.manual  # heater off


def test_flammables_are_admitted_only_after_an_observed_leak_check_and_purge() -> None:
    rig = Rig()
    rig.leak_check()
    assert rig.interlock.state.leak_checked and not rig.interlock.state.purged
    assert "leak check passed" in decisions(device=None)[0]["reason"]
    rig.purge()
    assert rig.interlock.state.purged
    rig.d["valve:H2"].write_open(True)
    rig.d["mfc:H2"].write_setpoint(20.0)
    assert rig.writes("mfc:H2") == [("write_setpoint", (20.0,))]
    assert rig.interlock.latch.reason is None
    assert not decisions(decision="refuse")


@pytest.mark.parametrize(("hold_s", "purge_s", "leak", "says"), [
    (10.0, 60.0, None, "has not passed a leak check"),  # too short to count
    (60.0, 30.0, None, "has not been purged"),  # purge too short
    (60.0, 60.0, 0.5, "has not passed a leak check"),  # a leaky tube fails it
])
def test_a_short_or_failed_leak_check_or_purge_keeps_flammables_out(hold_s: float, purge_s: float,
                                                                    leak: float | None, says: str) -> None:
    rig = Rig(leak=leak)
    rig.leak_check(hold_s)
    rig.purge(purge_s)
    with pytest.raises(InterlockError, match=says):
        rig.d["valve:H2"].write_open(True)
    assert rig.writes("valve:H2") == [("write_open", (False,))]  # only the safe state's close


def test_opening_the_tube_starts_over() -> None:
    rig = Rig()
    rig.leak_check()
    rig.purge()
    rig.d["holder"].load("CuNi")
    assert not rig.interlock.state.leak_checked and not rig.interlock.state.purged
    with pytest.raises(InterlockError, match="leak check"):
        rig.d["valve:CH4"].write_open(True)


def test_reads_pass_through_untouched() -> None:
    rig = Rig()
    assert rig.d["gauge"].read_pressure() == pytest.approx(760.0, rel=0.05)
    assert not [e for e in read_audit() if e["decision"] != "allow"]


def test_the_raman_analyzer_is_commanded_through_the_interlock() -> None:
    config = load_station(kind="tmd")
    clock = FakeClock(1000.0)
    twin = Twin(TmdWorld.draw(0), clock, gases=[line.gas for line in config.gas_lines])
    audit = AuditLog(config.name, source={"campaign": "guard-test"})
    interlock = Interlock(config, sim_drivers(config, twin), clock, audit, Latch(config.name, audit))
    analyzer = interlock.guarded()["analyzer"]
    analyzer.write_position("crossed")
    assert twin.analyzer == analyzer.read_position() == "crossed"
    assert len(decisions(device="analyzer", method="write_position", decision="allow")) == 1
    interlock.trip("operator stop", source="operator")  # latched: turning the analyzer is harmless, still allowed
    analyzer.write_position("parallel")
    assert twin.analyzer == "parallel"
    assert len(decisions(device="analyzer", method="write_position", decision="allow")) == 2


def test_a_device_that_stops_answering_reaches_the_latched_safe_state_within_a_second() -> None:
    rig = Rig()
    paced = wrap_all(rig.raw, rig.clock)  # every driver call costs a serial exchange of clock time
    interlock = Interlock(CONFIG, paced, rig.clock, rig.audit, Latch(CONFIG.name, rig.audit))
    guarded = interlock.guarded()
    rig.twin.update(target_c=900.0, ramp_c_per_min=25.0)
    for gas in ("H2", "CH4"):
        rig.twin.set_valve(gas, True)
        rig.twin.set_flow(gas, 10.0)
    paced["gauge"].cut = True
    start = rig.clock.time()
    with pytest.raises(DeviceError):
        guarded["gauge"].read_pressure()
    record = interlock.latch.read()
    assert record["reason"].startswith("device fault: gauge on /dev/ttyTEST: no reply")
    assert record["source"] == "interlock" and record["safe_state_errors"] == []
    assert record["safe_state_clock_s"] - start <= 1.0
    rig.twin.advance()
    assert rig.twin.furnace.manual and not rig.twin.valves["H2"] and not rig.twin.valves["CH4"]
    assert rig.twin.flow_setpoints["H2"] == rig.twin.flow_setpoints["CH4"] == 0.0
    assert rig.twin.valves["Ar"] and rig.twin.flow_setpoints["Ar"] == 200.0


def test_a_dead_furnace_does_not_keep_the_gases_from_their_safe_state() -> None:
    rig = Rig()
    rig.raw["furnace"].cut = True
    rig.twin.set_valve("H2", True)
    rig.twin.set_flow("H2", 10.0)
    rig.interlock.trip("test", source="operator")
    record = rig.interlock.latch.read()
    assert len(record["safe_state_errors"]) == 1 and record["safe_state_errors"][0].startswith("furnace.write_heater")
    assert not rig.twin.valves["H2"] and rig.twin.valves["Ar"]


def test_a_silent_device_is_not_queried_again_until_the_latch_is_cleared() -> None:
    """Each query of a dead line waits out its timeouts and retries: once it stopped answering, the latched
    station answers for it at once (the safe state and the plan's failure are not held up)."""
    rig = Rig()
    rig.raw["gauge"].cut = True
    with pytest.raises(DeviceError, match="no reply"):
        rig.d["gauge"].read_pressure()
    queried = len(rig.raw["gauge"].calls)
    with pytest.raises(DeviceError, match=r"gauge on /dev/ttyTEST: no reply.*; not queried again until the latch"):
        rig.d["gauge"].read_pressure()
    rig.d["valve:H2"].write_open(False)  # a command toward the safe state still goes out, without the gauge
    assert len(rig.raw["gauge"].calls) == queried and not rig.twin.valves["H2"]
    rig.raw["gauge"].cut = False  # the line is repaired and the operator clears the station
    rig.interlock.latch.clear("ann", "replaced the gauge cable")
    assert rig.d["gauge"].read_pressure() > 0 and len(rig.raw["gauge"].calls) == queried + 1


def test_the_latch_persists_across_processes_until_an_operator_clears_it() -> None:
    rig = Rig()
    rig.interlock.trip("watchdog: test", source="watchdog")
    later = Rig()  # another process, on a station the first left hot and flowing
    later.twin.set_valve("H2", True)
    later.twin.set_flow("H2", 10.0)
    assert later.interlock.enforce() is True  # it drives the safe state itself
    assert not later.twin.valves["H2"]
    assert later.interlock.enforce() is False  # once
    with pytest.raises(LatchedError, match=r"latched in the safe state \(watchdog: test\).*sdlab safety clear"):
        later.interlock.latch.require_clear()
    with pytest.raises(InterlockError, match="latched"):
        later.d["furnace"].write_heater(True)
    with pytest.raises(UserError, match="--operator NAME and --reason"):
        later.interlock.latch.clear("", "")
    cleared = later.interlock.latch.clear("ann", "checked the tube")
    assert cleared["reason"] == "watchdog: test"
    later.d["furnace"].write_heater(True)
    (clear,) = decisions(decision="clear")
    assert clear["source"] == {"actor": "operator", "operator": "ann"} and "checked the tube" in clear["reason"]


def test_the_audit_log_only_grows() -> None:
    rig = Rig()
    rig.d["stage"].move_to(1.0, 2.0)
    first = (Path(os.environ["SDLAB_HOME"]) / "safety" / "audit.jsonl").read_text()
    rig.d["furnace"].write_ramp_rate(10.0)
    second = (Path(os.environ["SDLAB_HOME"]) / "safety" / "audit.jsonl").read_text()
    assert second.startswith(first) and len(second.splitlines()) == len(first.splitlines()) + 1
    assert decisions(device="stage")[0]["args"] == [1.0, 2.0]


def test_commands_are_attributed_to_the_run_that_sent_them() -> None:
    rig = Rig()
    rig.audit.track("start", {"plan_name": "cvd_growth", "uid": "u1", "campaign": "c", "experiment_id": "c/4"})
    rig.d["furnace"].write_ramp_rate(10.0)
    rig.audit.track("stop", {"run_start": "u1"})
    rig.d["furnace"].write_ramp_rate(12.0)
    inside, after = decisions(device="furnace")
    assert inside["source"] == {"campaign": "c", "plan": "cvd_growth", "run": "u1", "experiment_id": "c/4"}
    assert after["source"] == {"campaign": "guard-test"}


# ---- watchdog --------------------------------------------------------------------------------------------

def watchdog(rig: Rig, timeout_s: float = 600.0) -> Watchdog:
    settings = CONFIG.safety.model_copy(update={"watchdog_s": timeout_s, "watchdog_min_wall_s": 0.0})
    return Watchdog(rig.interlock, settings, Lease(CONFIG.name))


def test_a_silent_orchestrator_during_growth_trips_the_watchdog() -> None:
    rig = Rig()
    dog = watchdog(rig)
    dog.track("start", {"plan_name": "cvd_growth", "uid": "u1", "experiment_id": "c/0"})
    assert dog.lease.read()["pid"] == os.getpid()
    for _ in range(5):  # beating: fine
        rig.wait(500.0)
        dog.beat()
        assert dog.check() is False
    rig.wait(601.0)
    assert dog.check() is True
    record = rig.interlock.latch.read()
    assert record["source"] == "watchdog" and "no heartbeat from the orchestrator for 601 s" in record["reason"]
    assert record["safe_state_clock_s"] == pytest.approx(rig.clock.time(), abs=1.0)
    assert dog.armed is False


def test_the_watchdog_sleeps_between_growths() -> None:
    rig = Rig()
    dog = watchdog(rig)
    dog.track("start", {"plan_name": "cvd_growth", "uid": "u1"})
    dog.track("stop", {"run_start": "u1"})
    assert dog.lease.read() is None
    dog.track("start", {"plan_name": "characterize", "uid": "u2"})
    rig.wait(10_000.0)
    assert dog.check() is False and rig.interlock.latch.reason is None


def test_an_operator_stop_from_another_process_is_driven_by_the_watchdog() -> None:
    rig = Rig()
    rig.twin.set_valve("CH4", True)
    rig.twin.set_flow("CH4", 5.0)
    Latch(CONFIG.name, AuditLog(CONFIG.name)).trip("operator stop by ann: test", source="operator")
    assert watchdog(rig).check() is True
    assert not rig.twin.valves["CH4"] and rig.interlock.latch.read()["safe_state_errors"] == []


def test_a_process_killed_during_growth_leaves_a_lease_the_next_one_acts_on() -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    lease = Lease(CONFIG.name)
    lease.path.write_text(f'{{"pid": {int(dead.stdout)}, "run": "u9", "experiment_id": "c/9"}}')
    rig = Rig()
    safeguards = Safeguards.start(CONFIG, rig.raw, rig.clock)
    try:
        record = safeguards.latch.read()
        assert f"process {int(dead.stdout)} stopped during growth c/9" in record["reason"]
        assert "safe_state_clock_s" in record and lease.read() is None
    finally:
        safeguards.close()


def test_a_station_in_use_by_a_live_process_is_refused() -> None:
    with subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"]) as other:
        try:
            Lease(CONFIG.name).path.write_text(f'{{"pid": {other.pid}, "run": "u1", "experiment_id": "c/1"}}')
            with pytest.raises(UserError, match=f"running a growth in process {other.pid}"):
                Lease(CONFIG.name).stale()
        finally:
            other.kill()
