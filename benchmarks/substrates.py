"""Several substrates per furnace run: furnace runs (and furnace hours) a planner needs to reach 95 % of the optimum
with 4 substrates per run against 1, in the graphene and the MoS2 worlds, over seeds.

Each campaign runs on the pure growth physics of one seed's world (as ``benchmarks.planners`` does, without the
Bluesky/Prefect machinery) with the packaged simulated station's furnace profile and holder (``lab/stations``):
a sample grows at its slot's local temperature and, for MoS2, with the oxide that reaches it downstream of the boat
(``simulators.positions``). A run of 4 shares one recipe (``planners.Space(shared=...)``) and places its 4
substrates in the holder's slots as the planner chooses, modelling each slot's local conditions
(``lab.slots.run_space``; ``--slots-as-category``: the slot as a plain category instead); a run of 1 uses the first
slot (today's geometry). The
optimum is the world's best expected quality over the search space, which the first slot (on the thermocouple,
above the boat) reaches, so it is the best local condition reachable. A campaign stops when a sample's expected
quality reaches 95 % of it, or after ``--runs`` runs. Also reported: the share of samples that grew nothing.

Furnace hours per run: heating from 25 °C at the recipe's ramp, anneal (graphene), growth, and cooling to the
unload temperature at a nominal 10 °C/min (an estimate; the twin's own thermal model is not run here).

    .venv/bin/python -m benchmarks.substrates [--seeds 10] [--runs 40] [--planner botorch] [--workers 2]
        [--slots-as-category] [--json benchmarks/results/substrates.json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from dataclasses import replace
from multiprocessing import Pool
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.planners import REACHED, problem
from devices.config import StationConfig
from devices.profile import local_temperature_c
from lab.recipe import GrowthRecipe, TmdRecipe
from lab.settings import load_station
from lab.slots import SLOT, run_space
from planners import Observation, Space, make_planner
from simulators.positions import oxide_factor

WORLDS = {"graphene": "graphene", "mos2": "tmd"}  # benchmark problem → station kind
SUBSTRATES = (1, 4)
COOL_C_PER_MIN = 10.0  # nominal natural cooling of a tube furnace (furnace-hour estimate)
UNLOAD_C = 100.0


def local_params(world: str, station: StationConfig, params: dict[str, Any]) -> dict[str, Any]:
    """The recipe a sample in `params[SLOT]` actually sees: its local growth temperature and (MoS2) the oxide
    that reaches it."""
    point = {k: v for k, v in params.items() if k != SLOT}
    position = station.holder.position(str(params[SLOT]))
    field = "temperature_c" if world == "graphene" else "growth_c"
    point[field] = local_temperature_c(station.profile, float(point[field]), position)
    if world != "graphene":
        point["precursor_mg"] = float(point["precursor_mg"]) * oxide_factor(position - station.holder.boat_mm)
    return point


def furnace_hours(world: str, params: dict[str, Any]) -> float:
    """Hours the furnace is busy with one run of `params` (see the module docs)."""
    if world == "graphene":
        recipe: GrowthRecipe | TmdRecipe = replace(GrowthRecipe(), temperature_c=params["temperature_c"],
                                                   growth_min=params["growth_min"])
        hot, hold = recipe.temperature_c, recipe.anneal_min + recipe.growth_min
    else:
        recipe = replace(TmdRecipe(), growth_c=params["growth_c"], growth_min=params["growth_min"])
        hot, hold = recipe.growth_c, recipe.growth_min
    minutes = (hot - 25.0) / recipe.ramp_c_per_min + hold + (hot - UNLOAD_C) / COOL_C_PER_MIN
    return minutes / 60.0


def campaign(task: tuple[str, int, int, int, str, bool]) -> dict[str, Any]:
    """One campaign: runs and furnace hours until a sample reaches 95 % of the optimum."""
    world, seed, substrates, max_runs, planner_name, local_model = task
    import torch

    torch.set_num_threads(1)
    bench = problem(world, seed)
    station = load_station(kind=WORLDS[world])
    first_slot = station.holder.slots[0].name
    several = substrates > 1  # one substrate: today's space, grown in the first slot
    space = bench.space
    if several:
        space = run_space(space, station, GrowthRecipe() if world == "graphene" else TmdRecipe())
    if several and not local_model:  # for comparison: the slot as a plain category, no local conditions
        space = Space(space.parameters, [c.expression for c in space.constraints], shared=space.shared)
    planner = make_planner(planner_name, space, objectives=[bench.objective], seed=seed)
    planner.suggest({**point, SLOT: first_slot} if several else point for point in bench.suggestions)
    rng = np.random.default_rng(10_000 + seed)
    hours, reached, best, failed, started = 0.0, None, 0.0, 0, time.perf_counter()
    for run in range(1, max_runs + 1):
        batch = planner.ask(substrates)
        hours += furnace_hours(world, batch[0])
        observations = []
        for params in batch:
            told, true_value = bench.experiment(local_params(world, station, {SLOT: first_slot, **params}), rng)
            best = max(best, bench.progress(true_value))
            observations.append(Observation(params, values=None if told is None else {bench.objective.name: told},
                                            failed=told is None))
            failed += told is None
        planner.tell(observations)
        if best >= REACHED:
            reached = run
            break
    return {"world": world, "seed": seed, "substrates": substrates, "runs_to_95": reached,
            "furnace_hours_to_95": round(hours, 2) if reached else None, "best_progress": round(best, 4),
            "runs": run, "failed_share": round(failed / (run * substrates), 3),
            "wall_s": round(time.perf_counter() - started, 1)}


def summarize(results: list[dict[str, Any]], max_runs: int) -> dict[str, Any]:
    """Per world and substrates per run: median runs and furnace hours to 95 % (campaigns that never got there
    count as `max_runs` + 1 runs), how many reached it, the mean share of samples that grew nothing, and the ratio
    of 4 to 1 substrates."""
    summary: dict[str, Any] = {}
    for world in sorted({r["world"] for r in results}):
        figures = {}
        for k in SUBSTRATES:
            rows = [r for r in results if r["world"] == world and r["substrates"] == k]
            if not rows:
                continue
            runs = [r["runs_to_95"] or max_runs + 1 for r in rows]
            hours = [r["furnace_hours_to_95"] for r in rows if r["furnace_hours_to_95"] is not None]
            figures[k] = {"median_runs_to_95": statistics.median(runs), "reached": sum(r["runs_to_95"] is not None
                                                                                       for r in rows),
                          "campaigns": len(rows),
                          "failed_share": round(statistics.fmean(r["failed_share"] for r in rows), 3),
                          "median_furnace_hours_to_95": statistics.median(hours) if hours else None}
        ratio = (figures[4]["median_runs_to_95"] / figures[1]["median_runs_to_95"]
                 if 1 in figures and 4 in figures else None)
        summary[world] = {"by_substrates": figures, "runs_ratio_4_to_1": ratio,
                          "meets_0.4": None if ratio is None else ratio <= 0.4}
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--runs", type=int, default=40, help="furnace runs per campaign at most")
    parser.add_argument("--planner", default="botorch")
    parser.add_argument("--worlds", nargs="+", default=list(WORLDS), choices=list(WORLDS))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--slots-as-category", action="store_true",
                        help="model the slot as a plain category, not the local conditions it gives (for comparison)")
    parser.add_argument("--json", type=Path, default=Path("benchmarks/results/substrates.json"))
    args = parser.parse_args()
    tasks = [(world, seed, k, args.runs, args.planner, not args.slots_as_category) for world in args.worlds
             for seed in range(args.seeds) for k in SUBSTRATES]
    results = []
    with Pool(args.workers) as pool:
        for r in pool.imap_unordered(campaign, tasks):
            results.append(r)
            print(f"{r['world']:<9} seed {r['seed']:<3} {r['substrates']} per run: runs to 95 % {r['runs_to_95']}, "
                  f"furnace hours {r['furnace_hours_to_95']}, best {r['best_progress']:.3f}, grew nothing "
                  f"{r['failed_share']:.0%} ({r['wall_s']} s)",
                  flush=True)
    results.sort(key=lambda r: (r["world"], r["seed"], r["substrates"]))
    summary = summarize(results, args.runs)
    for world, figures in summary.items():
        for k, f in figures["by_substrates"].items():
            print(f"{world:<9} {k} substrate(s)/run: median runs to 95 % {f['median_runs_to_95']}, median furnace "
                  f"hours {f['median_furnace_hours_to_95']}, reached in {f['reached']}/{f['campaigns']}, samples that "
                  f"grew nothing {f['failed_share']:.0%}")
        print(f"{world:<9} runs ratio 4:1 = {figures['runs_ratio_4_to_1']} (≤ 0.4: {figures['meets_0.4']})")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({"settings": vars(args) | {"json": str(args.json)}, "summary": summary,
                                     "campaigns": results}, indent=1) + "\n")
    print(f"written to {args.json}")


if __name__ == "__main__":
    main()
