"""Several substrates per run: the interlock and the recipe check hold every loaded slot's local temperature
(from the furnace's axial profile) within its substrate's cap; fuzzed profiles, slot layouts, loadings and
recipes never put a slot above its cap in a command that reaches a device (benchmarks/safety.py: 1 000 examples)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from devices.config import StationConfig
from lab.safety.limits import SafetyError, check
from lab.safety.rules import ProcessState, refusal
from lab.settings import load_station
from tests.lab.safety.safety_fuzz import Tally
from tests.lab.safety.slot_fuzz import BASE_RECIPE, slot_case, slot_commands, slot_stations

BUDGET = settings(max_examples=60, deadline=None, database=None,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def overshooting() -> StationConfig:
    """A measured profile whose middle runs 8 °C above the setpoint, with three slots along it."""
    data = load_station(kind="graphene").model_dump(exclude_unset=True)
    data["profile"] = {"kind": "measured", "setpoint_c": 1000.0,
                       "points": [{"position_mm": -100, "offset_c": -60}, {"position_mm": 30, "offset_c": 8},
                                  {"position_mm": 150, "offset_c": -150}]}
    data["holder"] = {"slots": [{"name": "up", "position_mm": -60}, {"name": "hot", "position_mm": 30},
                                {"name": "down", "position_mm": 120}]}
    data["limits"]["max_temperature_c"] = 1100.0
    return StationConfig.model_validate(data)


def test_cu_in_the_hottest_slot_never_passes_its_cap() -> None:
    config = overshooting()
    cap, where = config.growth_cap({"hot": "Cu"})
    assert where == "the Cu cap in slot hot" and 1061.0 < cap < 1062.0  # 1070 − 8 · (1045/975)
    assert refusal(config, ProcessState(loading={"hot": "Cu"}), "furnace", "write_setpoint", cap + 0.01)
    assert refusal(config, ProcessState(loading={"hot": "Cu"}), "furnace", "write_setpoint", cap) is None
    with pytest.raises(SafetyError, match="exceeds the Cu cap in slot hot"):
        check(replace(BASE_RECIPE, temperature_c=1065.0), config, {"up": "CuNi", "hot": "Cu"})
    check(replace(BASE_RECIPE, temperature_c=1065.0), config, {"up": "Cu", "down": "Cu"})  # cooler slots: allowed


def test_a_load_into_a_hot_slot_is_refused_while_the_heater_holds_the_setpoint() -> None:
    config = overshooting()
    state = ProcessState(loading={"down": "Cu"}, setpoints={"furnace": 1065.0}, heaters={"furnace": True},
                         temperatures={"furnace": 25.0})
    assert refusal(config, state, "holder", "load", {"down": "Cu", "up": "CuNi"}) is None
    reason = refusal(config, state, "holder", "load", {"hot": "Cu"})
    assert reason is not None and "Cu cap in slot hot" in reason
    assert "unknown slot(s) nope" in refusal(config, state, "holder", "load", {"nope": "Cu"})  # type: ignore[operator]


def test_one_slot_on_a_flat_profile_keeps_todays_caps() -> None:
    config = load_station(kind="graphene")
    assert config.growth_cap({"1": "Cu"}) == (1070.0, "the Cu cap")
    assert config.growth_cap({}) == (config.limits.max_temperature_c, "the station cap")


def test_fuzzed_profiles_slots_and_recipes_never_put_a_slot_above_its_cap() -> None:
    tally = Tally()

    @BUDGET
    @given(slot_stations(), st.data())
    def fuzz(data: dict, draw: st.DataObject) -> None:
        slot_case(data, lambda config: draw.draw(slot_commands(config)), tally)

    fuzz()
    assert tally.unsafe == [] and tally.tracebacks == [], tally.as_dict()
    assert tally.counts["slots_accepted"] and tally.counts["slots_rejected"]
    assert tally.counts["slot_command_sent"] and tally.counts["slot_command_rejected"]
    assert tally.counts["slot_recipe_accepted"]
