"""The interlock rules (pure functions): what may reach a driver in which state."""

from __future__ import annotations

import math

import pytest

from devices.config import PUMP_LINE, StationConfig
from lab.safety.rules import ProcessState, is_command, refusal, safe_direction, safe_state_commands
from lab.settings import load_station

CONFIG = load_station()


def ready(**changes: object) -> ProcessState:
    """A station ready for flammable gas: cold Cu loaded, leak-checked, purged, pumped, Ar carrier flowing."""
    state = ProcessState(flows={"Ar": 10.0, "H2": 0.0, "CH4": 0.0},
                         valves={"Ar": True, "H2": False, "CH4": False, PUMP_LINE: True},
                         temperatures={"furnace": 25.0}, pressure_torr=0.05, loading={"1": "Cu"}, leak_checked=True,
                         purged=True)
    for name, value in changes.items():
        setattr(state, name, value)
    return state


def flowing(gas: str = "H2", sccm: float = 20.0) -> ProcessState:
    state = ready()
    state.flows[gas], state.valves[gas] = sccm, True
    return state


def with_oxygen() -> StationConfig:
    lines = [*CONFIG.gas_lines, CONFIG.gas_lines[0].model_copy(update={"gas": "O2", "inert": False,
                                                                       "oxidizer": True})]
    return CONFIG.model_copy(update={"gas_lines": lines})


def test_reads_are_not_commands() -> None:
    assert is_command("furnace", "write_setpoint") and is_command("valve:H2", "write_open")
    assert is_command("holder", "load") and is_command("stage", "move_to")
    assert is_command("analyzer", "write_position") and not is_command("analyzer", "read_position")
    assert not is_command("furnace", "read_pv") and not is_command("gauge", "read_pressure")
    assert refusal(CONFIG, ProcessState(latched="x"), "furnace", "read_pv", ()) is None


# ---- temperatures and ramps -----------------------------------------------------------------------------

@pytest.mark.parametrize(("substrate", "celsius", "says"), [
    ("Cu", 1070.0, None), ("Cu", 1070.5, "setpoint 1070.5 °C is outside 0 … 1070 °C (the Cu cap)"),
    (None, 1080.0, None), (None, 1081.0, "(the station cap)"), ("Cu", -1.0, "outside"),
    ("Cu", math.nan, "not a finite number"), ("Cu", "hot", "not a number")])
def test_furnace_setpoint_is_capped_per_substrate(substrate: str | None, celsius: object, says: str | None) -> None:
    reason = refusal(CONFIG, ready(loading={"1": substrate} if substrate else {}), "furnace", "write_setpoint",
                     celsius)
    assert reason is None if says is None else says in reason


@pytest.mark.parametrize(("rate", "refused"), [(25.0, False), (25.1, True), (0.0, True), (math.inf, True)])
def test_ramp_rate_is_capped(rate: float, refused: bool) -> None:
    assert (refusal(CONFIG, ready(), "furnace", "write_ramp_rate", rate) is not None) is refused


# ---- flammable gases ----------------------------------------------------------------------------------------

def test_flammable_flow_is_allowed_when_every_condition_holds() -> None:
    assert refusal(CONFIG, ready(), "valve:H2", "write_open", True) is None
    state = ready()
    state.valves["H2"] = True
    assert refusal(CONFIG, state, "mfc:H2", "write_setpoint", 20.0) is None


@pytest.mark.parametrize(("changes", "says"), [
    ({"leak_checked": False}, "has not passed a leak check"),
    ({"purged": False}, "has not been purged with Ar"),
    ({"pressure_torr": 20.0}, "tube pressure 20 Torr is not below the limit 20 Torr"),
    ({"pressure_torr": math.nan}, "pressure reading (nan) is not usable"),
    ({"pressure_torr": None}, "pressure reading (None) is not usable"),
])
def test_flammable_gas_needs_leak_check_purge_and_low_pressure(changes: dict, says: str) -> None:
    state = ready(**changes)
    for key, method, value in (("valve:H2", "write_open", True), ("mfc:CH4", "write_setpoint", 1.0)):
        reason = refusal(CONFIG, state, key, method, value)
        assert reason is not None and says in reason, (key, reason)


def test_flammable_flow_needs_the_inert_carrier() -> None:
    no_carrier = ready()
    no_carrier.flows["Ar"] = 4.0
    reason = refusal(CONFIG, no_carrier, "mfc:H2", "write_setpoint", 20.0)
    assert "the Ar carrier is not flowing at ≥ 5 sccm" in reason
    # ... and the carrier may not drop or close while a flammable gas flows
    assert "below the carrier minimum 5 sccm while H2 flow" in refusal(CONFIG, flowing(), "mfc:Ar", "write_setpoint",
                                                                       1.0)
    assert "closing the Ar carrier while H2 flow" in refusal(CONFIG, flowing(), "valve:Ar", "write_open", False)
    assert refusal(CONFIG, flowing(), "mfc:Ar", "write_setpoint", 5.0) is None


def test_the_pump_line_stays_open_while_flammables_flow() -> None:
    assert "would fill a sealed tube" in refusal(CONFIG, flowing(), f"valve:{PUMP_LINE}", "write_open", False)
    assert refusal(CONFIG, ready(), f"valve:{PUMP_LINE}", "write_open", False) is None


def test_never_flammable_with_oxidizer() -> None:
    config = with_oxygen()
    state = flowing()
    state.flows["O2"], state.valves["O2"] = 0.0, False
    assert "never with oxidizer" in refusal(config, state, "valve:O2", "write_open", True)
    assert "never with oxidizer" in refusal(config, state, "mfc:O2", "write_setpoint", 1.0)
    oxidizing = ready()
    oxidizing.flows["O2"], oxidizing.valves["O2"] = 5.0, True
    assert "oxidizer line(s) O2 are open" in refusal(config, oxidizing, "valve:H2", "write_open", True)


def test_mfc_setpoints_stay_within_full_scale() -> None:
    assert "outside 0 … 50 sccm" in refusal(CONFIG, ready(), "mfc:CH4", "write_setpoint", 51.0)
    assert "outside 0 … 500 sccm" in refusal(CONFIG, ready(), "mfc:Ar", "write_setpoint", -1.0)
    assert "no N2 line" in refusal(CONFIG, ready(), "mfc:N2", "write_setpoint", 1.0)


def test_pressure_setpoint_within_the_process_limit() -> None:
    assert refusal(CONFIG, ready(), "pressure", "write_setpoint", 20.0) is None
    assert "outside 0 … 20 Torr" in refusal(CONFIG, ready(), "pressure", "write_setpoint", 20.5)


# ---- the tube ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("temperature", "says"), [
    (99.0, None), (100.0, None), (100.5, "may not open at 100.5 °C (furnace; only at or below 100 °C)"),
    (math.nan, "not usable")])
def test_the_tube_opens_only_when_cold(temperature: float, says: str | None) -> None:
    reason = refusal(CONFIG, ready(temperatures={"furnace": temperature}), "holder", "load", "Cu")
    assert reason is None if says is None else says in reason


def test_the_tube_stays_shut_while_flammable_lines_are_open() -> None:
    assert "while line(s) H2 are open" in refusal(CONFIG, flowing(), "holder", "load", "Cu")
    assert "not one of" in refusal(CONFIG, ready(), "holder", "load", "Ni")


# ---- the latch -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("key", "method", "value"), [
    ("furnace", "write_heater", True), ("furnace", "write_setpoint", 500.0), ("valve:H2", "write_open", True),
    ("mfc:H2", "write_setpoint", 1.0), ("valve:Ar", "write_open", False), (f"valve:{PUMP_LINE}", "write_open", False),
    ("pressure", "write_setpoint", 5.0), ("holder", "load", "Cu")])
def test_a_latched_station_refuses_everything_that_leads_away_from_safety(key: str, method: str, value: object
                                                                          ) -> None:
    reason = refusal(CONFIG, ready(latched="device fault"), key, method, value)
    assert "latched in the safe state (device fault)" in reason and "sdlab safety clear" in reason


def test_the_safe_state_commands_are_allowed_while_latched() -> None:
    state = flowing()
    state.latched, state.temperatures = "watchdog", {"furnace": 900.0}
    for key, method, value in safe_state_commands(CONFIG):
        assert safe_direction(CONFIG, state, key, method, value), key
        assert refusal(CONFIG, state, key, method, value) is None, key
    assert refusal(CONFIG, state, "furnace", "write_setpoint", 880.0) is None  # holding or lowering
    assert refusal(CONFIG, state, "stage", "move_to", (1.0, 1.0)) is None  # not a process command


def test_safe_state_commands_in_order() -> None:
    commands = safe_state_commands(with_oxygen())
    assert commands[0] == ("furnace", "write_heater", False)
    closing = commands[1:7]
    assert {key for key, _, _ in closing} == {"mfc:H2", "valve:H2", "mfc:CH4", "valve:CH4", "mfc:O2", "valve:O2"}
    assert all(value in (0.0, False) for _, _, value in closing)
    assert commands[7:] == [("valve:Ar", "write_open", True), (f"valve:{PUMP_LINE}", "write_open", True),
                            ("pressure", "write_setpoint", 0.0), ("mfc:Ar", "write_setpoint", 200.0)]


# ---- a two-zone TMD station -------------------------------------------------------------------------------

TMD = load_station(kind="tmd")


def tmd_ready(**temperatures: float) -> ProcessState:
    state = ready(loading={"1": "SiO2/Si"}, temperatures={"furnace": 25.0, "furnace:chalcogen": 25.0, **temperatures})
    state.flows, state.valves = {"Ar": 10.0, "H2": 0.0}, {"Ar": True, "H2": False, PUMP_LINE: True}
    return state


def test_the_chalcogen_zone_is_capped_by_its_own_limit() -> None:
    assert refusal(TMD, tmd_ready(), "furnace:chalcogen", "write_setpoint", 400.0) is None
    reason = refusal(TMD, tmd_ready(), "furnace:chalcogen", "write_setpoint", 401.0)
    assert "setpoint 401 °C is outside 0 … 400 °C (the chalcogen zone cap)" in reason
    assert "(the SiO2/Si cap)" in refusal(TMD, tmd_ready(), "furnace", "write_setpoint", 1001.0)
    state = tmd_ready()
    state.setpoints = {"furnace:chalcogen": 450.0}
    assert "furnace:chalcogen setpoint 450 °C is above the chalcogen zone cap" in refusal(
        TMD, state, "furnace:chalcogen", "write_heater", True)


def test_the_tube_opens_only_when_every_zone_is_cold() -> None:
    assert refusal(TMD, tmd_ready(), "holder", "load", ("sapphire", {"S": 200.0})) is None
    reason = refusal(TMD, tmd_ready(**{"furnace:chalcogen": 150.0}), "holder", "load", ("sapphire", {"S": 200.0}))
    assert "may not open at 150.0 °C (furnace:chalcogen" in reason
    assert "not usable" in refusal(TMD, tmd_ready(**{"furnace:chalcogen": None}), "holder", "load", "sapphire")


def test_the_safe_state_turns_every_heater_off() -> None:
    commands = safe_state_commands(TMD)
    assert commands[:2] == [("furnace", "write_heater", False), ("furnace:chalcogen", "write_heater", False)]
    assert ("mfc:H2", "write_setpoint", 0.0) in commands and ("valve:H2", "write_open", False) in commands
    state = tmd_ready(**{"furnace:chalcogen": 300.0})
    state.latched = "operator stop"
    assert refusal(TMD, state, "furnace:chalcogen", "write_setpoint", 290.0) is None  # cooling is fine
    assert "latched" in refusal(TMD, state, "furnace:chalcogen", "write_setpoint", 350.0)
    assert "latched" in refusal(TMD, state, "furnace:chalcogen", "write_heater", True)
