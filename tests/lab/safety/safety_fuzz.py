"""Fuzzing the safety layer: generated station configs (with command sequences), campaign configs, planner
outputs and CLI arguments.

Shared by tests/lab/safety/test_safety_fuzz.py (a small hypothesis budget) and benchmarks/safety.py (1 000 examples).
Two properties: a rejection is a clear error (a one-line `UserError`, or exit 2 with one line on stderr), never
a traceback; and no command reaches a driver that an independent `Oracle`, judging the twin's true state,
finds unsafe. A `Tally` counts both over every example (hypothesis explores all of them rather than stopping
at the first failure).
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import sys
import tempfile
import traceback
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hypothesis import strategies as st
from pydantic import ValidationError

from devices.config import PUMP_LINE, StationConfig
from lab.campaign.drivers import sim_drivers
from lab.campaign.space import campaign_plan
from lab.errors import UserError, describe_validation
from lab.safety.audit import AuditLog
from lab.safety.interlock import Interlock
from lab.safety.latch import Latch
from lab.safety.limits import check
from lab.settings import campaign_config, load_station
from simulators.twin import Twin
from simulators.worlds import WORLDS
from tests.devices.devices_fakes import FakeClock

NOISE_C = 3.0  # the interlock judges noisy readings; the oracle the true state, with this much slack
NOISE_FRACTION = 0.05


class Tally:
    """Counts examples, clear rejections, unsafe commands and tracebacks; keeps the first few of the last two."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.unsafe: list[str] = []
        self.tracebacks: list[str] = []

    def run(self, category: str, case: Callable[[], None]) -> None:
        """Run one example: accepted, rejected with a clear error, or a traceback."""
        try:
            case()
        except UserError as exc:
            self.clear(category, str(exc))
        except Exception:
            self.tracebacks.append(f"{category}: {traceback.format_exc(limit=8)}")
        else:
            self.counts[f"{category}_accepted"] += 1
        self.counts[f"{category}_examples"] += 1  # (an example hypothesis abandons mid-draw does not count)

    def clear(self, category: str, message: str) -> None:
        """A rejection: it must be one non-empty line."""
        self.counts[f"{category}_rejected"] += 1
        if not message.strip() or "\n" in message.strip():
            self.tracebacks.append(f"{category}: unclear error message {message!r}")

    def as_dict(self) -> dict[str, Any]:
        return {**dict(sorted(self.counts.items())), "unsafe_commands": len(self.unsafe),
                "tracebacks": len(self.tracebacks), "first_unsafe": self.unsafe[:3],
                "first_tracebacks": self.tracebacks[:3]}


# ---- the oracle ---------------------------------------------------------------------------------------------

class Oracle:
    """Judges each command before it reaches a raw driver, from the twin's true state and the audit log."""

    def __init__(self, config: StationConfig, twin: Twin, audit_path: Path, tally: Tally) -> None:
        self.config, self.twin, self.audit_path, self.tally = config, twin, audit_path, tally
        self.lines = {line.gas: line for line in config.gas_lines}

    def wrap(self, drivers: dict[str, Any]) -> dict[str, Any]:
        return {key: _Judged(self, key, driver) for key, driver in drivers.items()}

    def _cap(self, key: str) -> float:
        zone = key.partition(":")[2]
        limits = self.config.limits
        if zone:
            return float(getattr(limits, f"max_{zone}_c"))
        return limits.substrate_max_c.get(self.twin.substrate or "", limits.max_temperature_c)

    def _flowing(self, attr: str) -> list[str]:
        return [gas for gas, line in self.lines.items() if getattr(line, attr) and self.twin.valves[gas]
                and self.twin.flow_setpoints[gas] > 0]

    def _leak_checked(self) -> bool:
        """A passed leak check is in the audit log after the last load."""
        records = [json.loads(line) for line in self.audit_path.read_text().splitlines()]
        loads = [i for i, r in enumerate(records) if r["device"] == "holder" and r["decision"] == "allow"]
        passed = [i for i, r in enumerate(records) if (r["reason"] or "").startswith("leak check passed")]
        return bool(passed) and (not loads or passed[-1] > loads[-1])

    def _admission(self) -> list[str]:
        found = [] if self._leak_checked() else ["no passed leak check since the last load"]
        if self.twin.pressure_torr >= self.config.limits.max_pressure_torr * (1 + NOISE_FRACTION):
            found.append(f"pressure {self.twin.pressure_torr:.3g} Torr is at or above the limit")
        oxidizers = [gas for gas, line in self.lines.items() if line.oxidizer and self.twin.valves[gas]]
        return found + [f"oxidizer {gas} is open" for gas in oxidizers]

    def judge(self, key: str, method: str, args: tuple[Any, ...]) -> list[str]:
        """Why this command is unsafe (empty: it is safe)."""
        kind, _, name = key.partition(":")
        value = args[0] if args else None
        number = value if isinstance(value, int | float) and not isinstance(value, bool) else math.nan
        limits, twin = self.config.limits, self.twin
        if (kind, method) == ("furnace", "write_setpoint"):
            return [] if 0 <= number <= self._cap(key) else [f"setpoint {value!r} beyond {self._cap(key):g} °C"]
        if (kind, method) == ("furnace", "write_ramp_rate"):
            return [] if 0 < number <= limits.max_ramp_c_per_min else [f"ramp {value!r}"]
        if (kind, method) == ("furnace", "write_heater") and value is True:
            target = twin.zones[name or "growth"].target_c
            return [] if target <= self._cap(key) else [f"heater on toward {target:g} °C"]
        if (kind, method) == ("pressure", "write_setpoint"):
            return [] if 0 <= number <= limits.max_pressure_torr else [f"pressure setpoint {value!r}"]
        if (kind, method) == ("holder", "load"):
            hot = [f"{zone} at {state.tube_c:.0f} °C" for zone, state in twin.zones.items()
                   if state.tube_c > limits.unload_below_c + NOISE_C]
            return hot + [f"{gas} open" for gas, line in self.lines.items()
                          if (line.flammable or line.oxidizer) and twin.valves[gas]]
        if kind == "mfc":
            return self._mfc(name, number)
        if kind == "valve":
            return self._valve(name, value)
        return []

    def _mfc(self, gas: str, sccm: float) -> list[str]:
        line = self.lines[gas]
        if not 0 <= sccm <= line.full_scale_sccm:
            return [f"{gas} flow {sccm!r}"]
        if line.inert and sccm < self.config.limits.min_carrier_sccm and self._flowing("flammable"):
            return [f"carrier {gas} cut to {sccm:g} sccm while flammables flow"]
        if line.flammable and sccm > self.twin.flow_setpoints[gas] and self.twin.valves[gas]:
            inert = self.config.inert_gas
            carrier = self.twin.valves[inert] and self.twin.flow_setpoints[inert] >= self.config.limits.min_carrier_sccm
            return self._admission() + ([] if carrier else ["no carrier"])
        if line.oxidizer and sccm > 0 and self._flowing("flammable"):
            return [f"{gas} with flammables"]
        return []

    def _valve(self, name: str, value: Any) -> list[str]:
        flowing = self._flowing("flammable")
        if name == PUMP_LINE:
            return ["pump closed while flammables flow"] if value is False and flowing else []
        line = self.lines[name]
        if value is False and line.inert and flowing:
            return ["carrier closed while flammables flow"]
        if value is True and line.flammable and not self.twin.valves[name] and self.twin.flow_setpoints[name] > 0:
            return self._admission()
        if value is True and line.oxidizer and any(self.twin.valves[g] for g, x in self.lines.items() if x.flammable):
            return [f"{name} opened with flammables open"]
        return []


class _Judged:
    """A raw driver whose commands the oracle judges (recording any unsafe one) before they are sent."""

    def __init__(self, oracle: Oracle, key: str, driver: Any) -> None:
        self._oracle, self._key, self._driver = oracle, key, driver

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._driver, name)
        if not callable(attribute) or name.startswith("read"):
            return attribute

        def call(*args: Any) -> Any:
            for why in self._oracle.judge(self._key, name, args):
                self._oracle.tally.unsafe.append(f"{self._key}.{name}{args}: {why}")
            return attribute(*args)

        return call


# ---- station configs and command sequences ------------------------------------------------------------------

def _base(kind: str) -> dict[str, Any]:
    return load_station(kind=kind).model_dump(exclude_unset=True)


WILD = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=4), st.none(), st.booleans())


def _number(low: float, high: float) -> st.SearchStrategy[Any]:
    """Mostly (70 %) plausible values, some beyond the range, a few wild ones."""
    beyond = st.floats(-2 * abs(high) - 1, 2 * abs(high) + 1)
    return st.integers(0, 9).flatmap(lambda i: st.floats(low, high) if i < 7 else beyond if i < 9 else WILD)


LIMIT_RANGES = {"max_temperature_c": (100, 1100), "max_ramp_c_per_min": (1, 50), "max_pressure_torr": (1, 900),
                "max_chalcogen_c": (100, 600), "unload_below_c": (20, 200), "min_carrier_sccm": (0, 50),
                "min_leak_check_s": (1, 120), "min_purge_s": (0, 600), "max_tube_torr": (100, 912),
                "max_leak_rate_torr_per_min": (0.001, 1)}
GAS_FLAGS = {"Ar": {"inert": True}, "N2": {"inert": True}, "H2": {"flammable": True}, "CH4": {"flammable": True},
             "O2": {"oxidizer": True}}


@st.composite
def station_dicts(draw: st.DrawFn) -> dict[str, Any]:
    """A packaged station with some limits, caps and gas lines changed (plausibly, beyond range, or wildly)."""
    data = _base(draw(st.sampled_from(["graphene", "tmd"])))
    limits = dict(data["limits"])
    for name in draw(st.lists(st.sampled_from(sorted(LIMIT_RANGES)), max_size=2, unique=True)):
        limits[name] = draw(_number(*LIMIT_RANGES[name]))
    substrates = data["substrates"]
    if draw(st.integers(0, 3)) == 0:
        limits["substrate_max_c"] = draw(st.dictionaries(st.sampled_from([*substrates, "Ni"]), _number(100, 1100),
                                                         max_size=2))
    data["limits"] = limits
    if draw(st.integers(0, 3)) == 0:
        gases = draw(st.lists(st.sampled_from(sorted(GAS_FLAGS)), min_size=1, max_size=4))
        data["gas_lines"] = [{"gas": gas, "full_scale_sccm": draw(_number(1, 1000)), **GAS_FLAGS[gas]}
                             for gas in gases]
    return data


def _command_values(key: str, method: str, config: StationConfig) -> st.SearchStrategy[Any]:
    if method in ("write_heater", "write_open"):
        return st.one_of(st.booleans(), WILD)
    if method == "load":
        return st.one_of(st.sampled_from(config.substrates), WILD)
    return _number(0, 1200)


PREPARE = "prepare"  # leak check and purge, as a recipe does them: lets fuzzed flammable commands be admitted
WAIT = "wait"


@st.composite
def command_sequences(draw: st.DrawFn, config: StationConfig) -> list[tuple[str, str, Any]]:
    """Commands to the station's drivers (with waits and the odd leak check and purge)."""
    from lab.safety.rules import COMMANDS, kind_of

    commands = [(key, method) for key in config.driver_specs() for method in sorted(COMMANDS.get(kind_of(key), ()))
                if kind_of(key) in ("furnace", "mfc", "valve", "pressure", "holder")]
    op = st.one_of(st.sampled_from(commands).flatmap(
        lambda km: st.tuples(st.just(km[0]), st.just(km[1]), _command_values(km[0], km[1], config))),
        st.tuples(st.just(WAIT), st.just(""), st.floats(0, 3600)), st.just((PREPARE, "", None)))
    return draw(st.lists(op, min_size=5, max_size=30))


def parse_station(data: dict[str, Any]) -> StationConfig:
    """Validate a station dict as `lab.campaign.drivers.load_station` does (a one-line UserError when invalid)."""
    try:
        return StationConfig.model_validate(data)
    except ValidationError as exc:
        raise describe_validation("station config", exc) from None


class FuzzStation:
    """A station's sim drivers behind the oracle and the interlock, on a manual clock, in a private directory."""

    def __init__(self, config: StationConfig, directory: Path, tally: Tally, seed: int = 0) -> None:
        self.clock = FakeClock(1000.0)
        self.twin = Twin(WORLDS[config.material].draw(seed), self.clock, seed=seed,
                         gases=[line.gas for line in config.gas_lines])
        audit = AuditLog(config.name, directory / "audit.jsonl")
        self.oracle = Oracle(config, self.twin, audit.path, tally)
        self.interlock = Interlock(config, self.oracle.wrap(sim_drivers(config, self.twin)), self.clock, audit,
                                   Latch(config.name, audit, directory))
        self.drivers = self.interlock.guarded()
        self.config = config

    def wait(self, seconds: float) -> None:
        self.clock.sleep(seconds)
        self.twin.advance()

    def prepare(self) -> None:
        """Leak check, then purge with the inert gas (the recipe's sequence)."""
        pump, inert = self.drivers[f"valve:{PUMP_LINE}"], self.config.inert_gas
        for line in self.config.gas_lines:
            self.drivers[f"valve:{line.gas}"].write_open(False)
        pump.write_open(True)
        self.wait(600.0)
        pump.write_open(False)
        self.wait(self.config.limits.min_leak_check_s + 1.0)
        pump.write_open(True)
        self.drivers[f"valve:{inert}"].write_open(True)
        self.drivers[f"mfc:{inert}"].write_setpoint(self.oracle.lines[inert].full_scale_sccm)
        self.wait(self.config.limits.min_purge_s + 1.0)

    def send(self, key: str, method: str, value: Any, tally: Tally) -> None:
        """One fuzzed step; a refusal must be a clear error, after which an operator clears the latch."""
        if key == WAIT:
            self.wait(value)
            return
        try:
            if key == PREPARE:
                self.prepare()
            else:
                getattr(self.drivers[key], method)(value)
        except UserError as exc:
            tally.clear("command", str(exc))
            self.interlock.latch.clear("fuzz", "next example")
        else:
            tally.counts["command_sent"] += 1


def station_case(data: dict[str, Any], sequence: Callable[[StationConfig], list[tuple[str, str, Any]]],
                 tally: Tally) -> None:
    """A generated station config: refused clearly, or driven by fuzzed commands with nothing unsafe sent."""
    def case() -> None:
        config = parse_station(data)
        with tempfile.TemporaryDirectory() as directory:
            station = FuzzStation(config, Path(directory), tally)
            for key, method, value in sequence(config):
                station.send(key, method, value, tally)

    tally.run("station", case)


# ---- campaign configs, planner outputs, CLI arguments --------------------------------------------------------

MATERIALS = ["graphene", "MoS2", "WSe2", "Mo0.5W0.5S2", "MoSSe", "Xx2", ""]
RECIPE_NAMES = ["temperature_c", "ch4_sccm", "h2_sccm", "ar_sccm", "pressure_torr", "leak_check_s", "purge_min",
                "ramp_c_per_min", "growth_c", "chalcogen_c", "cool_below_c", "laser_power"]


@st.composite
def campaign_dicts(draw: st.DrawFn) -> dict[str, Any]:
    """Campaign settings: mostly plausible, some out of range, wild recipe overrides."""
    return {"campaign_id": draw(_mostly(st.from_regex(r"[a-z0-9][a-z0-9-]{0,20}", fullmatch=True), WILD)),
            "material": draw(_mostly(st.sampled_from(MATERIALS[:-2]), st.sampled_from(MATERIALS[-2:]))),
            "planner": draw(_mostly(st.sampled_from(["random", "sobol", "skopt", "botorch"]), st.just("nope"))),
            "experiments": draw(_mostly(st.integers(1, 50), st.integers(-5, 20_000))),
            "batch": draw(_mostly(st.integers(1, 8), st.integers(-1, 100))),
            "seed": draw(_mostly(st.integers(0, 2**32 - 1), st.integers(-2**33, 2**33))),
            "speedup": draw(_number(1, 1e6)),
            "recipe": draw(st.dictionaries(st.sampled_from(RECIPE_NAMES), _number(0, 1200), max_size=2))}


def _mostly(usual: st.SearchStrategy[Any], odd: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """`usual` nine times in ten, else `odd`."""
    return st.integers(0, 9).flatmap(lambda i: usual if i else odd)


def campaign_case(settings: dict[str, Any], tally: Tally) -> None:
    """A generated campaign: refused clearly, or every corner of its space within the station's limits."""
    def case() -> None:
        campaign = campaign_config(**settings)
        campaign_plan(campaign, load_station(kind=campaign.material_spec.kind))

    tally.run("campaign", case)


@st.composite
def planner_outputs(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    """Parameters a planner might propose, including ones beyond any sane space."""
    if draw(st.booleans()):
        return "graphene", {"temperature_c": draw(_number(900, 1100)), "ch4_sccm": draw(_number(0.5, 50)),
                            "h2_sccm": draw(_number(2, 100)), "pressure_torr": draw(_number(0.1, 10)),
                            "growth_min": draw(_number(1, 60)),
                            "substrate": draw(st.sampled_from(["Cu", "CuNi", "Ni"]))}
    return "tmd", {"growth_c": draw(_number(500, 1000)), "chalcogen_c": draw(_number(100, 400)),
                   "ar_sccm": draw(_number(10, 200)), "h2_sccm": draw(_number(0, 20)),
                   "growth_min": draw(_number(5, 30)),
                   "substrate": draw(st.sampled_from(["SiO2/Si", "sapphire", "Cu"]))}


def planner_case(kind: str, params: dict[str, Any], tally: Tally) -> None:
    """A proposal is checked against the station as `LabSession.synthesize` does: safe, or a SafetyError."""
    def case() -> None:
        station = load_station(kind=kind)
        campaign = campaign_config(campaign_id="fuzz", material="graphene" if kind == "graphene" else "MoS2")
        _, defaults = campaign_plan(campaign, station)
        check(type(defaults).from_params(params, defaults.as_dict()), station)

    tally.run("planner", case)


def growth_case(kind: str, params: dict[str, Any], tally: Tally, seed: int = 0) -> None:
    """A proposal that passed the check, grown on a guarded twin (in a private $SDLAB_HOME) under the oracle:
    the growth completes, the interlock refuses nothing and the oracle finds nothing unsafe."""

    from devices.station import build_station
    from lab.campaign.drivers import station_twin
    from lab.campaign.plans import cvd_growth, run_engine
    from lab.safety.audit import AUDIT_FILE, read_audit, safety_dir
    from lab.safety.safeguards import Safeguards

    def case() -> None:
        station = load_station(kind=kind)
        campaign = campaign_config(campaign_id="fuzz", material="graphene" if kind == "graphene" else "MoS2")
        _, defaults = campaign_plan(campaign, station)
        recipe = check(type(defaults).from_params(params, {**defaults.as_dict(), "purge_min": 1.0}), station)
        twin = station_twin(station, seed, speedup=None)
        oracle = Oracle(station, twin, safety_dir() / AUDIT_FILE, tally)
        safeguards = Safeguards.start(station, oracle.wrap(sim_drivers(station, twin)), twin.clock)
        try:
            guarded = build_station(station, safeguards.interlock.guarded(), twin.clock)
            engine = run_engine(guarded)
            safeguards.attach(engine)
            stops: list[dict[str, Any]] = []
            engine.subscribe(lambda _name, doc: stops.append(doc), "stop")
            engine(cvd_growth(guarded, recipe))
        finally:
            safeguards.close()
        refused = [entry for entry in read_audit() if entry["decision"] in ("refuse", "trip")]
        if refused or stops[-1]["exit_status"] != "success":
            raise AssertionError(f"a checked recipe was refused or failed: {refused[:1]} {stops[-1]}")

    tally.run("growth", case)


INVALID_SIMULATE = [["--experiments", "0"], ["--planner", "nope"], ["--material", "Xx2"], ["--batch", "-1"],
                    ["--speedup", "-1"], ["--seed", "-5"], ["--spots", "0"], ["--fault-rate", "2"],
                    ["--transport", "usb"], ["--campaign-id", "Bad Id!"], ["--config", "/nonexistent.yaml"]]


@st.composite
def cli_arguments(draw: st.DrawFn) -> list[str]:
    """`sdlab safety …` with odd options, or `sdlab simulate` with at least one invalid option (so that it is
    refused before any campaign starts)."""
    text = st.text(st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), max_size=12)
    if draw(st.booleans()):
        options = [["--station", draw(st.one_of(st.from_regex(r"[a-z][a-z0-9-]{0,8}", fullmatch=True), text))],
                   ["--operator", draw(text)], ["--reason", draw(text)], ["--last", str(draw(st.integers(-3, 5)))],
                   ["--refused"], ["--json"], [draw(st.sampled_from(["--bogus", "-x", "extra"]))]]
        chosen = draw(st.lists(st.sampled_from(options), max_size=4))
        return ["safety", draw(st.sampled_from(["status", "stop", "clear", "log", "nope"])),
                *(arg for option in chosen for arg in option)]
    valid = [["--planner", "random"], ["--experiments", "2"], ["--seed", str(draw(st.integers(0, 9)))]]
    invalid = draw(st.lists(st.sampled_from(INVALID_SIMULATE), min_size=1, max_size=3))
    # The invalid options last: a repeated option's last value counts, and a valid one after an invalid one of the
    # same name would start a campaign.
    return ["simulate", *(arg for option in [*draw(st.permutations(valid)), *invalid] for arg in option)]


def cli_case(args: list[str], tally: Tally) -> None:
    """Run `sdlab ARGS` through its entry point: exit 0, or exit 2 with one line on stderr; never a traceback."""
    from lab.cli.app import main

    def case() -> None:
        stderr, stdout = io.StringIO(), io.StringIO()
        argv = sys.argv
        sys.argv = ["sdlab", *args]
        try:
            with contextlib.redirect_stderr(stderr), contextlib.redirect_stdout(stdout):
                main()
            code = 0
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else 1
        finally:
            sys.argv = argv
        if code == 2 and "Traceback" not in stderr.getvalue():
            raise UserError(stderr.getvalue())
        if args[0] == "simulate":  # every one has an invalid option
            raise AssertionError(f"sdlab {args}: exit {code}, where it should be refused before anything starts")
        if code != 0 or "Traceback" in stderr.getvalue():
            raise AssertionError(f"sdlab {args}: exit {code}: {stderr.getvalue()[-500:]}")

    tally.run("cli", case)
