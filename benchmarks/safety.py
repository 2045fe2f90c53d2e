"""Safety-layer fuzzing at scale: 1 000 generated station configs (each driven by a fuzzed command sequence),
campaign configs, planner outputs and CLI arguments, plus guarded growths of accepted planner outputs, and
1 000 fuzzed furnace profiles with slot layouts, loadings and recipes (tests/lab/safety/slot_fuzz.py: no slot's
local temperature above its cap in any command that reaches a device).

Figures: examples per kind, how many were accepted or refused, unsafe commands that reached a driver (judged
by an independent oracle on the twin's true state) and tracebacks (anything but a clear one-line error); both
must be 0. The test suite runs the same harness (tests/lab/safety/safety_fuzz.py) with a smaller hypothesis budget.

    .venv/bin/python -m benchmarks.safety [--examples 1000] [--slot-examples 1000] [--growths 6]
        [--json benchmarks/results/safety.json]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.lab.safety.safety_fuzz import (
    Tally,
    campaign_case,
    campaign_dicts,
    cli_arguments,
    cli_case,
    command_sequences,
    growth_case,
    planner_case,
    planner_outputs,
    station_case,
    station_dicts,
)
from tests.lab.safety.slot_fuzz import slot_case, slot_commands, slot_stations

SHARES = {"station": 0.4, "campaign": 0.25, "planner": 0.25, "cli": 0.1}  # of --examples


def explore(strategy: st.SearchStrategy[Any], case: Callable[[Any], None], examples: int) -> None:
    """Run `case` on `examples` generated values (hypothesis explores; the tally, not an assertion, counts)."""
    @settings(max_examples=examples, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(strategy)
    def run(value: Any) -> None:
        case(value)

    run()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=1000)
    parser.add_argument("--slot-examples", type=int, default=1000, help="fuzzed profiles and slot layouts")
    parser.add_argument("--growths", type=int, default=6, help="accepted planner outputs grown on a guarded twin")
    parser.add_argument("--json", type=Path, default=Path("benchmarks/results/safety.json"))
    args = parser.parse_args()
    os.environ["SDLAB_HOME"] = tempfile.mkdtemp(prefix="sdlab-safety-bench-")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    tally = Tally()
    accepted: list[tuple[str, dict[str, Any]]] = []

    def planner(output: tuple[str, dict[str, Any]]) -> None:
        before = tally.counts["planner_accepted"]
        planner_case(*output, tally)
        if tally.counts["planner_accepted"] > before:
            accepted.append(output)

    kinds: dict[str, tuple[st.SearchStrategy[Any], Callable[[Any], None]]] = {
        "station": (st.tuples(station_dicts(), st.data()),
                    lambda pair: station_case(pair[0], lambda config: pair[1].draw(command_sequences(config)), tally)),
        "campaign": (campaign_dicts(), lambda value: campaign_case(value, tally)),
        "planner": (planner_outputs(), planner),
        "cli": (cli_arguments(), lambda value: cli_case(value, tally)),
        "slots": (st.tuples(slot_stations(), st.data()),
                  lambda pair: slot_case(pair[0], lambda config: pair[1].draw(slot_commands(config)), tally))}
    budgets = {**{kind: round(share * args.examples) for kind, share in SHARES.items()}, "slots": args.slot_examples}
    timings = {}
    for kind, (strategy, case) in kinds.items():
        started = time.perf_counter()
        explore(strategy, case, budgets[kind])
        timings[f"{kind}_wall_s"] = round(time.perf_counter() - started, 2)
    picked = [output for output in accepted if output[0] == "graphene"][: (args.growths + 1) // 2]
    picked += [output for output in accepted if output[0] == "tmd"][: args.growths // 2]
    started = time.perf_counter()
    for index, (kind, params) in enumerate(picked):
        os.environ["SDLAB_HOME"] = tempfile.mkdtemp(prefix=f"sdlab-safety-growth-{index}-")
        growth_case(kind, params, tally, seed=index)
    timings["growth_wall_s"] = round(time.perf_counter() - started, 2)

    figures = tally.as_dict()
    examples = sum(v for k, v in figures.items() if k.endswith("_examples") and k != "growth_examples")
    result = {"examples": examples, **figures, **timings}
    width = max(map(len, result))
    for name, value in result.items():
        if not name.startswith("first_") or value:
            print(f"{name:<{width}}  {value}")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=1) + "\n")
    print(f"written to {args.json}")


if __name__ == "__main__":
    main()
