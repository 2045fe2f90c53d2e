"""Fuzzing the furnace profile and the holder's slots: generated profiles, slot layouts, loadings, recipes and
furnace commands on a guarded twin. No slot's local temperature may exceed its substrate's cap in any command that
reaches a device.

Shared by tests/lab/safety/test_safety_slots.py (a small hypothesis budget) and benchmarks/safety.py (1 000
examples). The `SlotOracle` judges every furnace and holder command before it reaches the raw driver, from the
twin's true loading and its own reading of the profile table (numpy interpolation, not `devices.profile`).
"""

from __future__ import annotations

import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
from hypothesis import strategies as st

from devices.config import StationConfig
from devices.profile import AMBIENT_C
from lab.campaign.drivers import sim_drivers
from lab.errors import UserError
from lab.recipe import GrowthRecipe
from lab.safety.audit import AuditLog
from lab.safety.interlock import Interlock
from lab.safety.latch import Latch
from lab.safety.limits import check
from lab.settings import load_station
from simulators.twin import Twin
from simulators.worlds import WORLDS
from tests.devices.devices_fakes import FakeClock
from tests.lab.safety.safety_fuzz import Tally, parse_station

BASE_RECIPE = GrowthRecipe(ar_sccm=10.0)  # within the packaged graphene station's limits but for the temperature
TOLERANCE_C = 1e-6  # floating-point round-off of the inverse, far below any thermocouple's resolution


def oracle_local_c(profile: dict[str, Any], setpoint_c: float, position_mm: float) -> float:
    """A slot's local temperature, computed independently from the config's own numbers."""
    if profile["kind"] == "measured":
        xs = [p["position_mm"] for p in profile["points"]]
        offsets = [p["offset_c"] for p in profile["points"]]
        share = 1.0 + float(np.interp(position_mm, xs, offsets)) / (profile["setpoint_c"] - AMBIENT_C)
    else:
        beyond = max(0.0, abs(position_mm) - profile["flat_zone_mm"] / 2)
        share = float(np.exp(-((beyond / profile["falloff_mm"]) ** 2)))
    return AMBIENT_C + (setpoint_c - AMBIENT_C) * share


@st.composite
def profiles(draw: st.DrawFn) -> dict[str, Any]:
    """A measured table (2–7 points, overshoot up to +40 °C, fall-off down to −700 °C) or a flat zone."""
    if draw(st.booleans()):
        return {"kind": "flat_zone", "flat_zone_mm": draw(st.floats(5, 400)), "falloff_mm": draw(st.floats(5, 200))}
    positions = sorted(draw(st.lists(st.floats(-300, 300), min_size=2, max_size=7, unique=True)))
    setpoint = draw(st.floats(200, 1100))
    offsets = [draw(st.floats(-min(700.0, setpoint - AMBIENT_C - 1.0), 40)) for _ in positions]
    return {"kind": "measured", "setpoint_c": setpoint,
            "points": [{"position_mm": x, "offset_c": o} for x, o in zip(positions, offsets, strict=True)]}


def _span(profile: dict[str, Any]) -> tuple[float, float]:
    if profile["kind"] == "measured":
        return profile["points"][0]["position_mm"], profile["points"][-1]["position_mm"]
    half = profile["flat_zone_mm"] / 2 + 3 * profile["falloff_mm"]
    return -half, half


@st.composite
def slot_stations(draw: st.DrawFn) -> dict[str, Any]:
    """The graphene station with a fuzzed profile, 1–6 slots (a few outside the profile) and substrate caps."""
    data = load_station(kind="graphene").model_dump(exclude_unset=True)
    profile = draw(profiles())
    low, high = _span(profile)
    inside = st.floats(low, high)
    position = st.integers(0, 19).flatmap(lambda i: st.floats(high + 1, high + 500) if i == 0 else inside)
    positions = draw(st.lists(position, min_size=1, max_size=6, unique=True))
    data["profile"] = profile
    data["stage"] = {"driver": "sim", "travel_mm": 40.0}  # room for a row of six substrates
    data["holder"] = {"driver": "sim", "slots": [{"name": f"s{i}", "position_mm": x} for i, x in enumerate(positions)]}
    data["limits"] = {**data["limits"], "substrate_max_c": {"Cu": draw(st.floats(300, 1070)),
                                                           "CuNi": draw(st.floats(300, 1080))}}
    return data


SETPOINTS = st.integers(0, 9).flatmap(lambda i: st.floats(0, 1200) if i else st.sampled_from([0.0, 1070.0, 1080.0]))


@st.composite
def slot_commands(draw: st.DrawFn, config: StationConfig) -> list[tuple[str, Any]]:
    """Loads (a substrate per chosen slot), setpoints, heater switches and recipes checked against the loading."""
    slots = [slot.name for slot in config.holder.slots]
    loading = st.dictionaries(st.sampled_from(slots), st.sampled_from(config.substrates), min_size=1)
    op = st.one_of(st.tuples(st.just("load"), loading), st.tuples(st.just("setpoint"), SETPOINTS),
                   st.tuples(st.just("heater"), st.booleans()),
                   st.tuples(st.just("recipe"), st.tuples(SETPOINTS, loading)))
    return draw(st.lists(op, min_size=3, max_size=12))


class SlotOracle:
    """Judges furnace setpoints, heater switches and loads against every loaded slot's cap."""

    def __init__(self, data: dict[str, Any], config: StationConfig, twin: Twin, tally: Tally) -> None:
        self.profile, self.config, self.twin, self.tally = data["profile"], config, twin, tally
        self.positions = {slot.name: slot.position_mm for slot in config.holder.slots}

    def hot_slots(self, setpoint_c: float, loading: dict[str, str]) -> list[str]:
        """Every slot (and the tube's hottest measured point) above its cap at `setpoint_c`."""
        limits = self.config.limits
        found = [f"slot {slot} {substrate} at {local:.2f} °C over {cap:g}"
                 for slot, substrate in loading.items()
                 for local, cap in [(oracle_local_c(self.profile, setpoint_c, self.positions[slot]),
                                     limits.substrate_max_c.get(substrate, limits.max_temperature_c))]
                 if local > cap + TOLERANCE_C]
        if self.profile["kind"] == "measured":
            hottest = max(oracle_local_c(self.profile, setpoint_c, p["position_mm"]) for p in self.profile["points"])
            if hottest > limits.max_temperature_c + TOLERANCE_C:
                found.append(f"tube at {hottest:.2f} °C over the station cap")
        return found

    def judge(self, method: str, args: tuple[Any, ...]) -> None:
        furnace = self.twin.furnace
        if method == "write_setpoint":
            found = self.hot_slots(float(args[0]), self.twin.loading)
        elif method == "write_heater" and args[0] is True:
            found = self.hot_slots(furnace.target_c, self.twin.loading)
        elif method == "load" and not furnace.manual:  # the heater is on
            found = self.hot_slots(furnace.target_c, self.config.holder.loading(args[0]))
        else:
            found = []
        self.tally.unsafe += [f"{method}{args}: {why}" for why in found]


class _Judged:
    def __init__(self, oracle: SlotOracle, driver: Any) -> None:
        self._oracle, self._driver = oracle, driver

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._driver, name)
        if name.startswith("read") or not callable(attribute):
            return attribute

        def call(*args: Any) -> Any:
            self._oracle.judge(name, args)
            return attribute(*args)

        return call


def slot_case(data: dict[str, Any], commands: Any, tally: Tally) -> None:
    """A generated station: refused clearly, or driven by fuzzed loads, setpoints and recipes with no slot ever
    commanded above its cap; a recipe `check` accepts for a loading is one the interlock accepts too."""
    def case() -> None:
        config = parse_station(data)
        clock = FakeClock(1000.0)
        twin = Twin(WORLDS["graphene"].draw(0), clock, holder=config.holder, profile=config.profile)
        oracle = SlotOracle(data, config, twin, tally)
        drivers = sim_drivers(config, twin)
        drivers["furnace"], drivers["holder"] = _Judged(oracle, drivers["furnace"]), _Judged(oracle, drivers["holder"])
        with tempfile.TemporaryDirectory() as directory:
            audit = AuditLog(config.name, Path(directory) / "audit.jsonl")
            interlock = Interlock(config, drivers, clock, audit, Latch(config.name, audit, Path(directory)))
            guarded = interlock.guarded()
            for kind, value in commands(config):
                _send(guarded, interlock, oracle, kind, value, tally)

    tally.run("slots", case)


def _send(guarded: dict[str, Any], interlock: Interlock, oracle: SlotOracle, kind: str, value: Any,
          tally: Tally) -> None:
    try:
        if kind == "load":
            guarded["holder"].load(value)
        elif kind == "setpoint":
            guarded["furnace"].write_setpoint(value)
        elif kind == "heater":
            guarded["furnace"].write_heater(value)
        else:
            setpoint, loading = value
            accepted = _checked(replace(BASE_RECIPE, temperature_c=setpoint), interlock.config, loading)
            if accepted and oracle.hot_slots(setpoint, loading):
                tally.unsafe.append(f"check passed a recipe at {setpoint:g} °C with {loading}")
            if accepted:
                tally.counts["slot_recipe_accepted"] += 1
                guarded["furnace"].write_heater(False)
                guarded["holder"].load(loading)
                guarded["furnace"].write_setpoint(setpoint)  # accepted by check: the interlock must agree
                guarded["furnace"].write_heater(True)
    except UserError as exc:
        tally.clear("slot_command", str(exc))
        if kind == "recipe":
            tally.unsafe.append(f"a recipe check accepted was refused by the interlock: {exc}")
        interlock.latch.clear("fuzz", "next example")
    else:
        tally.counts["slot_command_sent"] += 1


def _checked(recipe: GrowthRecipe, config: StationConfig, loading: dict[str, str]) -> bool:
    try:
        check(recipe, config, loading)
    except UserError:
        return False
    return True

