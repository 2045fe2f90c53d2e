"""Planner benchmark on the simulated graphene world: best measured quality after a budget of experiments.

Each experiment grows a film under constant recipe conditions in the hidden-truth world of a seed
(`simulators.graphene.grow`, anneal at the growth temperature as the lab's recipe does), Raman-maps it
(`simulators.spectra`), and fits the spectra with the lab's own analysis (`lab.analysis.graphene_outcome`),
so the planners see the same noisy objective as in a campaign, without the furnace's wall time.

    python -m benchmarks.planners [--seeds 5] [--experiments 30] [--planners random skopt] [--out FILE]

Prints a table and writes JSON (default benchmarks/results/planners.json).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path
from typing import Any

import numpy as np

from lab.analysis import graphene_outcome
from lab.recipe import GrowthRecipe, graphene_space
from planners import Objective, Observation, make_planner
from simulators.graphene import GrapheneTruth, GrowthConditions, find_optimum, grow
from simulators.spectra import raman_counts, wavelength_axis

SPOTS = 16
LASER_NM = 532.0


def measure(truth: GrapheneTruth, params: dict[str, Any], rng: np.random.Generator) -> dict[str, Any]:
    """Grow with `params`, Raman-map SPOTS spots and analyse them like the lab does."""
    recipe = GrowthRecipe.from_params(params)
    conditions = GrowthConditions(temperature_c=recipe.temperature_c, pressure_torr=recipe.pressure_torr,
                                  ch4_sccm=recipe.ch4_sccm, h2_sccm=recipe.h2_sccm, ar_sccm=recipe.ar_sccm,
                                  substrate=recipe.substrate)
    sample = grow(truth, conditions, recipe.growth_min * 60.0, anneal_c=recipe.temperature_c)
    axis = wavelength_axis()
    counts = [raman_counts(spot, axis, 1.0, rng, laser_nm=LASER_NM) for spot in sample.spots(SPOTS, rng)]
    return graphene_outcome([axis] * SPOTS, counts, LASER_NM)


def run(planner_name: str, seed: int, experiments: int) -> dict[str, Any]:
    """One campaign of `experiments` sequential experiments; returns the best-so-far trace and timings."""
    truth = GrapheneTruth.draw(seed)
    rng = np.random.default_rng(10_000 + seed)
    planner = make_planner(planner_name, graphene_space(), objectives=[Objective("quality")], seed=seed)
    best, trace, ask_s = 0.0, [], []
    for _ in range(experiments):
        started = time.perf_counter()
        (params,) = planner.ask(1)
        ask_s.append(time.perf_counter() - started)
        outcome = measure(truth, params, rng)
        values = None if outcome["failed"] else {"quality": outcome["quality"]}
        planner.tell([Observation(params, values=values, failed=outcome["failed"])])
        best = max(best, outcome["quality"])
        trace.append(best)
    return {"planner": planner_name, "seed": seed, "best": best, "trace": trace,
            "mean_ask_s": statistics.fmean(ask_s)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--experiments", type=int, default=30)
    parser.add_argument("--planners", nargs="+", default=["random", "skopt"])
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "planners.json")
    args = parser.parse_args()

    optima = {seed: find_optimum(GrapheneTruth.draw(seed))[1] for seed in range(args.seeds)}
    runs = [run(name, seed, args.experiments) for name in args.planners for seed in range(args.seeds)]
    summary = {}
    print(f"{'planner':<8} {'mean best':>10} {'% of optimum':>13} {'mean ask s':>11}   best per seed")
    for name in args.planners:
        mine = [r for r in runs if r["planner"] == name]
        mean_best = statistics.fmean(r["best"] for r in mine)
        fraction = statistics.fmean(r["best"] / optima[r["seed"]] for r in mine)
        ask = statistics.fmean(r["mean_ask_s"] for r in mine)
        summary[name] = {"mean_best_quality": mean_best, "mean_fraction_of_optimum": fraction, "mean_ask_s": ask}
        per_seed = " ".join(f"{r['best']:.3f}" for r in mine)
        print(f"{name:<8} {mean_best:>10.3f} {100 * fraction:>12.1f}% {ask:>11.3f}   {per_seed}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"seeds": args.seeds, "experiments": args.experiments,
                                    "expected_optimum": optima, "summary": summary, "runs": runs}, indent=1))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
