"""Overhead of the lab stack: a simulated graphene campaign through Prefect + RunEngine + tiled, against a
bare Python loop over the same simulated station and planner.

* **lab**: `open_session` + the `campaign` flow, as `sdlab simulate` runs it (ephemeral Prefect, the
  embedded tiled catalog, Bluesky plans driving the simulated station on virtual time), in a
  throw-away `$SDLAB_HOME`. Timed per stage by wrapping the session's methods (growth plan, characterization
  plan, analysis, learning, spectra figure, planner asks) and `lab.campaign.flows.publish`; the rest of the flow's
  time is Prefect's. On virtual time a growth costs only the work of simulating it (with `--speedup X`, on a
  wall clock X times faster than real time, it lasts its recipe's duration / X and the work overlaps that wait).
* **bare**: the same planner (same name, space, objective, seed) in a plain Python loop over the same simulated
  station: a fresh twin on the same kind of clock, its sim drivers called directly in the recipe's order
  (pump down, leak check, purge, heat, anneal, grow, cool — no ophyd, RunEngine, interlock, Prefect or
  tiled), the same spectra taken at the same spots, fitted with the same analysis. Both follow the same
  simulated time course, so the ratio is what the orchestration adds.
* **shortcut** (for reference): the planner over the hidden-truth world's constant-conditions shortcut
  (`simulators.graphene.grow`: no heating, cooling or clock; `benchmarks.planners.measure`).

    python -m benchmarks.overhead [--experiments 100] [--speedup X] [--seed 0] [--planner skopt]

Prints the wall times, their stages and the ratio lab / bare; writes benchmarks/results/overhead.json.
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
REPORT_STAGES = ("spectra figure", "table and best-so-far artifacts")  # the report task, while the next one grows
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


def lab_campaign(experiments: int, seed: int, planner: str, speedup: float | None, spots: int) -> dict[str, Any]:
    """The campaign through Prefect, RunEngine and tiled; wall times of its parts."""
    home = Path(tempfile.mkdtemp(prefix="sdlab-overhead-"))
    os.environ.update(SDLAB_HOME=str(home), PREFECT_HOME=str(home / "prefect"), PREFECT_LOGGING_LEVEL="WARNING",
                      PREFECT_SERVER_ANALYTICS_ENABLED="false", DO_NOT_TRACK="1",
                      PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="120")
    from lab.campaign import flows
    from lab.campaign.prefect_server import start_prefect
    from lab.campaign.session import open_session
    from lab.history.store import RunStore
    from lab.settings import campaign_config, load_station

    settings = campaign_config(campaign_id="overhead", experiments=experiments, seed=seed, planner=planner,
                               speedup=speedup, spots=spots)
    watch = Stopwatch()
    started = time.perf_counter()
    prefect = start_prefect()
    with RunStore() as store:
        store_s = time.perf_counter() - started
        session = open_session(settings, load_station(), store)
        session_s = time.perf_counter() - started - store_s
        for stage, name in (("growth plan", "synthesize"), ("characterization plan", "measure"),
                            ("analysis", "analyze"), ("learn", "learn"), ("spectra figure", "spectra_png")):
            setattr(session, name, watch.wrap(stage, getattr(session, name)))
        flows.publish = watch.wrap("table and best-so-far artifacts", flows.publish)
        session.planner.ask = watch.wrap("planner ask", session.planner.ask)  # type: ignore[method-assign]
        prefect.wait()
        flow_started = time.perf_counter()
        flows.campaign(settings.campaign_id)
        flow_s = time.perf_counter() - flow_started
        session.close()
    staged = sum(seconds for stage, seconds in watch.seconds.items() if stage not in REPORT_STAGES)
    return {"wall_s": time.perf_counter() - started, "flow_s": flow_s, "startup_s": flow_started - started,
            "store_start_s": store_s,
            "session_open_s": session_s, "stages_s": dict(watch.seconds), "prefect_s": flow_s - staged,
            "experiments": len(session.results)}


def _wait_until(clock: Any, done: Callable[[], bool], what: str, timeout_s: float = 6 * 3600.0) -> None:
    deadline = clock.time() + timeout_s
    while not done():
        if clock.time() > deadline:
            raise RuntimeError(f"bare loop: {what} not reached within {timeout_s:g} s")
        clock.sleep(5.0)


def scripted_growth(drivers: dict[str, Any], clock: Any, recipe: Any, inert: str, tolerance_c: float,
                    settle_s: float) -> None:
    """A graphene recipe on the sim drivers in plain Python: the time course of `lab.campaign.plans.cvd_growth`
    without its Devices, readings, checks or safety layer."""
    from devices.config import PUMP_LINE

    furnace, gauge, throttle, pump = (drivers[k] for k in ("furnace", "gauge", "pressure", f"valve:{PUMP_LINE}"))
    gases = [key.partition(":")[2] for key in drivers if key.startswith("mfc:")]

    def flows(sccm: dict[str, float]) -> None:
        for gas in gases:
            drivers[f"valve:{gas}"].write_open(sccm.get(gas, 0.0) > 0)
            drivers[f"mfc:{gas}"].write_setpoint(sccm.get(gas, 0.0))

    def pump_down() -> None:
        flows({})
        throttle.write_setpoint(0.0)
        pump.write_open(True)
        _wait_until(clock, lambda: gauge.read_pressure() <= recipe.base_pressure_torr, "base pressure")

    drivers["holder"].load(recipe.substrate)
    furnace.write_ramp_rate(recipe.ramp_c_per_min)
    pump_down()
    pump.write_open(False)
    clock.sleep(recipe.leak_check_s)
    pump.write_open(True)
    flows({inert: recipe.purge_ar_sccm})
    clock.sleep(recipe.purge_min * 60.0)
    pump_down()
    flows({"H2": recipe.anneal_h2_sccm, inert: recipe.ar_sccm})
    throttle.write_setpoint(recipe.pressure_torr)
    furnace.write_heater(True)
    furnace.write_setpoint(recipe.temperature_c)
    _wait_until(clock, lambda: abs(furnace.read_pv() - recipe.temperature_c) <= tolerance_c, "growth temperature")
    clock.sleep(settle_s + recipe.anneal_min * 60.0)
    flows({"CH4": recipe.ch4_sccm, "H2": recipe.h2_sccm, inert: recipe.ar_sccm})
    clock.sleep(recipe.growth_min * 60.0)
    flows({inert: recipe.purge_ar_sccm})
    throttle.write_setpoint(0.0)
    furnace.write_heater(False)
    _wait_until(clock, lambda: furnace.read_pv() <= recipe.cool_below_c, "cool-down")


def bare_loop(experiments: int, seed: int, planner: str, speedup: float | None, spots: int) -> dict[str, Any]:
    """The same planner, station twin, spectra and analysis in a plain loop."""
    from lab.analysis import graphene_outcome
    from lab.campaign.drivers import sim_drivers, station_twin
    from lab.campaign.plans import spot_grid
    from lab.campaign.session import OBJECTIVE
    from lab.campaign.space import campaign_plan
    from lab.settings import campaign_config, load_station
    from planners import Observation, make_planner

    settings = campaign_config(campaign_id="overhead-bare", experiments=experiments, seed=seed, planner=planner,
                               speedup=speedup, spots=spots)
    config = load_station()
    space, defaults = campaign_plan(settings, config)
    twin = station_twin(config, seed, speedup)
    drivers = sim_drivers(config, twin)
    spectrometer, stage = drivers["spectrometer"], drivers["stage"]
    watch = Stopwatch()
    grow = watch.wrap("growth", scripted_growth)

    def measure() -> tuple[list[np.ndarray], list[np.ndarray]]:
        spectrometer.integration_time_micros(round(settings.exposure_s * 1e6))
        counts = []
        for x, y in spot_grid(spots):
            stage.move_to(x, y)
            counts.append(spectrometer.intensities())
        return [spectrometer.wavelengths()] * len(counts), counts

    optimizer = make_planner(planner, space, objectives=[OBJECTIVE], seed=seed)
    ask, tell, measure, analyze = (watch.wrap(stage, f) for stage, f in (
        ("planner ask", optimizer.ask), ("planner tell", optimizer.tell), ("spectra", measure),
        ("analysis", graphene_outcome)))
    started = time.perf_counter()
    for _ in range(experiments):
        (params,) = ask(1)
        grow(drivers, twin.clock, type(defaults).from_params(params, defaults.as_dict()), config.inert_gas,
             config.furnace.tolerance_c, config.furnace.settle_s)
        outcome = analyze(*measure(), config.spectrometer.laser_nm)
        failed = outcome["failed"]
        tell([Observation(params, values=None if failed else {OBJECTIVE.name: outcome["quality"]}, failed=failed)])
    return {"wall_s": time.perf_counter() - started, "stages_s": dict(watch.seconds), "experiments": experiments}


def shortcut_loop(experiments: int, seed: int, planner: str, spots: int) -> dict[str, Any]:
    """The same planner over the world's constant-conditions shortcut (no station, no clock)."""
    from benchmarks import planners as bench
    from lab.campaign.session import OBJECTIVE
    from lab.settings import campaign_config
    from planners import Observation, make_planner
    from simulators.graphene import GrapheneTruth

    bench.SPOTS = spots
    settings = campaign_config(campaign_id="overhead-shortcut", experiments=experiments, seed=seed, planner=planner)
    started = time.perf_counter()
    truth = GrapheneTruth.draw(seed)
    optimizer = make_planner(planner, settings.material_spec.space(), objectives=[OBJECTIVE], seed=seed)
    rng = np.random.default_rng(seed)
    for _ in range(experiments):
        (params,) = optimizer.ask(1)
        outcome = bench.measure(truth, params, rng)
        failed = outcome["failed"]
        optimizer.tell([Observation(params, values=None if failed else {OBJECTIVE.name: outcome["quality"]},
                                    failed=failed)])
    return {"wall_s": time.perf_counter() - started, "experiments": experiments}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--experiments", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--planner", default="skopt")
    parser.add_argument("--speedup", type=float, default=None,
                        help="run both on a wall clock this many times faster than real time (default: virtual "
                             "time, as `sdlab simulate`)")
    parser.add_argument("--spots", type=int, default=16)
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    runs = (args.experiments, args.seed, args.planner)
    shortcut = shortcut_loop(*runs, args.spots)
    print(f"shortcut loop (no station): {shortcut['wall_s']:.1f} s", flush=True)
    bare = bare_loop(*runs, args.speedup, args.spots)
    print(f"bare loop: {bare['wall_s']:.1f} s for {args.experiments} experiments", flush=True)
    lab = lab_campaign(*runs, args.speedup, args.spots)
    result = {"experiments": args.experiments, "seed": args.seed, "planner": args.planner, "speedup": args.speedup,
              "spots": args.spots, "cpus": os.cpu_count(), "lab": lab, "bare": bare, "shortcut": shortcut,
              "ratio": lab["wall_s"] / bare["wall_s"], "ratio_flow_only": lab["flow_s"] / bare["wall_s"],
              "load_average": os.getloadavg(), "target_ratio": TARGET_RATIO}
    print(f"lab stack: {lab['wall_s']:.1f} s (flow {lab['flow_s']:.1f} s; start-up {lab['startup_s']:.1f} s: tiled "
          f"{lab['store_start_s']:.1f} s, session {lab['session_open_s']:.1f} s, and Prefect's temporary server "
          f"alongside); Prefect (flow and task runs, artifacts) "
          f"{lab['prefect_s']:.1f} s (the report task's stages run alongside the next experiment)")
    for name, part in (("lab", lab), ("bare", bare)):
        print(f"  {name}: " + ", ".join(f"{stage} {seconds:.1f} s" for stage, seconds in part["stages_s"].items()))
    print(f"ratio lab / bare {result['ratio']:.2f} (flow only {result['ratio_flow_only']:.2f}); target <= "
          f"{TARGET_RATIO}; {'PASS' if result['ratio'] <= TARGET_RATIO else 'FAIL'}")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=1))
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
