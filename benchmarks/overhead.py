"""Overhead of the lab stack: a simulated graphene campaign through Prefect + RunEngine + tiled, against a
bare Python loop over the same world and planner.

* **lab**: `open_session` + the `campaign` flow, as `sdlab simulate` runs it (ephemeral Prefect, the
  embedded tiled catalog, Bluesky plans driving the simulated station on its accelerated clock), in a
  throw-away `$SDLAB_HOME`. Timed per stage by wrapping the session's methods (growth plan, characterization
  plan, analysis, learning, spectra figure, planner asks) and `lab.flows.publish`; the rest of the flow's
  time is Prefect's. A growth plan lasts its recipe's simulated duration divided by the clock's speed-up
  (the RunEngine and tiled work during it overlaps that wait), so the ratio is also given without it.
* **bare**: the same planner (same name, space, objective, seed) in a Python loop; each experiment grows a
  film in the same hidden-truth world (`simulators.graphene.grow`, the constant-conditions shortcut: no
  heating, cooling or clock), Raman-maps the same number of spots and fits them with the same analysis
  (`benchmarks.planners.measure`).

    python -m benchmarks.overhead [--experiments 100] [--speedup 1e6] [--seed 0] [--planner skopt]

Prints both wall times and their ratio; writes benchmarks/results/overhead.json.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

RESULTS = Path(__file__).parent / "results" / "overhead.json"
TARGET_RATIO = 1.5


class Stopwatch:
    """Accumulated wall time per stage."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)

    def wrap(self, stage: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.seconds[stage] += time.perf_counter() - started
        return timed


def lab_campaign(experiments: int, seed: int, planner: str, speedup: float, spots: int) -> dict[str, Any]:
    """The campaign through Prefect, RunEngine and tiled; wall times of its parts."""
    home = Path(tempfile.mkdtemp(prefix="sdlab-overhead-"))
    os.environ.update(SDLAB_HOME=str(home), PREFECT_HOME=str(home / "prefect"), PREFECT_LOGGING_LEVEL="WARNING",
                      PREFECT_SERVER_ANALYTICS_ENABLED="false", DO_NOT_TRACK="1")
    from lab import flows
    from lab.config import campaign_config, load_station
    from lab.session import open_session
    from lab.store import RunStore

    settings = campaign_config(campaign_id="overhead", experiments=experiments, seed=seed, planner=planner,
                               speedup=speedup, spots=spots)
    watch = Stopwatch()
    started = time.perf_counter()
    with RunStore() as store:
        store_s = time.perf_counter() - started
        session = open_session(settings, load_station(), store)
        session_s = time.perf_counter() - started - store_s
        for stage, name in (("growth plan", "synthesize"), ("characterization plan", "measure"),
                            ("analysis", "analyze"), ("learn", "learn"), ("spectra figure", "spectra_png")):
            setattr(session, name, watch.wrap(stage, getattr(session, name)))
        flows.publish = watch.wrap("table and best-so-far artifacts", flows.publish)
        session.planner.ask = watch.wrap("planner ask", session.planner.ask)  # type: ignore[method-assign]
        flow_started = time.perf_counter()
        flows.campaign(settings.campaign_id)
        flow_s = time.perf_counter() - flow_started
        session.close()
    staged = sum(watch.seconds.values())
    return {"wall_s": time.perf_counter() - started, "flow_s": flow_s, "store_start_s": store_s,
            "session_open_s": session_s, "stages_s": dict(watch.seconds), "prefect_s": flow_s - staged,
            "experiments": len(session.results)}


def bare_loop(experiments: int, seed: int, planner: str, spots: int) -> dict[str, Any]:
    """The same planner and world in a plain loop."""
    from benchmarks import planners as bench
    from lab.config import campaign_config
    from lab.session import OBJECTIVE
    from planners import Observation, make_planner
    from simulators.graphene import GrapheneTruth

    bench.SPOTS = spots
    settings = campaign_config(campaign_id="overhead-bare", experiments=experiments, seed=seed, planner=planner)
    watch = Stopwatch()
    started = time.perf_counter()
    truth = GrapheneTruth.draw(seed)
    optimizer = make_planner(planner, settings.material_spec.space(), objectives=[OBJECTIVE], seed=seed)
    rng = np.random.default_rng(seed)
    measure, ask, tell = (watch.wrap(stage, f) for stage, f in (("grow, spectra, analysis", bench.measure),
                                                                 ("planner ask", optimizer.ask),
                                                                 ("planner tell", optimizer.tell)))
    for _ in range(experiments):
        (params,) = ask(1)
        outcome = measure(truth, params, rng)
        failed = outcome["failed"]
        tell([Observation(params, values=None if failed else {OBJECTIVE.name: outcome["quality"]}, failed=failed)])
    return {"wall_s": time.perf_counter() - started, "stages_s": dict(watch.seconds), "experiments": experiments}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--experiments", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--planner", default="skopt")
    parser.add_argument("--speedup", type=float, default=3600.0,
                        help="clock speed-up of the lab run (the twin integrates every simulated second, so its cost "
                             "grows with the speed-up times the wall time)")
    parser.add_argument("--spots", type=int, default=16)
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    bare = bare_loop(args.experiments, args.seed, args.planner, args.spots)
    print(f"bare loop: {bare['wall_s']:.1f} s for {args.experiments} experiments", flush=True)
    lab = lab_campaign(args.experiments, args.seed, args.planner, args.speedup, args.spots)
    result = {"experiments": args.experiments, "seed": args.seed, "planner": args.planner, "speedup": args.speedup,
              "spots": args.spots, "cpus": os.cpu_count(), "lab": lab, "bare": bare,
              "ratio": lab["wall_s"] / bare["wall_s"], "ratio_flow_only": lab["flow_s"] / bare["wall_s"],
              "ratio_flow_without_growth": (lab["flow_s"] - lab["stages_s"]["growth plan"]) / bare["wall_s"],
              "load_average": os.getloadavg(),
              "target_ratio": TARGET_RATIO}
    print(f"lab stack: {lab['wall_s']:.1f} s (flow {lab['flow_s']:.1f} s, tiled start {lab['store_start_s']:.1f} s, "
          f"session {lab['session_open_s']:.1f} s)")
    for name, part in (("lab", lab), ("bare", bare)):
        print(f"  {name}: " + ", ".join(f"{stage} {seconds:.1f} s" for stage, seconds in part["stages_s"].items()))
    print(f"  lab: Prefect (temporary server, flow and task runs, image artifacts) {lab['prefect_s']:.1f} s; the "
          f"growth plans wait on the simulated clock (recipe time / {args.speedup:g}), which the RunEngine and tiled "
          "work during a growth overlaps")
    print(f"ratio {result['ratio']:.2f} (flow only {result['ratio_flow_only']:.2f}, flow without the clock-paced "
          f"growth plans {result['ratio_flow_without_growth']:.2f}); target <= {TARGET_RATIO}")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=1))
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
