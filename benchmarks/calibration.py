"""A twin calibrated to a lab, and a lab's past runs as a warm start.

Calibration: for each of ``--worlds`` hidden worlds of each kind (graphene: ``GrapheneTruth.draw(1000 + w)``; TMD:
``TmdTruth.draw(1000 + w)``), 200 random recipes of the kind's standard space are grown and Raman-mapped in that
world (:func:`simulators.calibration.observe`: grew or not and, for graphene, quality and coverage);
:func:`simulators.calibration.calibrate` fits the world's constants to them; on 200 other recipes the calibrated
world's P(grew) is scored by the AUC against what the hidden world grew, beside the nominal (uncalibrated,
literature) world's AUC and the hidden world's own, and by how far it lies from the hidden world's P(grew).

Warm start: for each seed, a campaign in the seed's graphene world (:func:`benchmarks.planners.problem`: grown,
Raman-mapped and analysed like the lab does) starts cold, or warm from ``--history`` past growths of random
recipes in the same world (what ``sdlab import`` of that lab's spreadsheet gives the planner); experiments until
one reaches 95 % of the optimum (the budget + 1 if none does), median over seeds.

    .venv/bin/python -m benchmarks.calibration [--worlds 5] [--kinds graphene tmd] [--seeds 10] [--budget 40]
        [--history 30] [--planner botorch] [--json results/calibration.json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path
from typing import Any

import numpy as np

from simulators import tmd
from simulators.calibration import NAMES, auc, calibrate, observe, predict, truth_at
from simulators.graphene import GrapheneTruth, sample_recipes

TARGETS = {"calibrated_auc_min": 0.9}


KINDS = {  # kind → (a hidden world of a seed, random recipes of the standard space, the nominal world)
    "graphene": (GrapheneTruth.draw, sample_recipes, truth_at(np.zeros(len(NAMES)))),
    "tmd": (tmd.TmdTruth.draw, tmd.sample_recipes, tmd.TmdTruth.nominal()),
}


def calibration(worlds: int, kind: str = "graphene", recipes: int = 200) -> dict[str, Any]:
    """Per hidden world of ``kind``: the AUC of predicted growth on new recipes, calibrated beside nominal (and the
    hidden world's own), and how far each world's P(grew) lies from the hidden world's (mean absolute)."""
    draw, sample, nominal = KINDS[kind]
    rows = []
    for w in range(worlds):
        truth = draw(1000 + w)
        rng = np.random.default_rng(w)
        train = observe(truth, sample(recipes, rng), rng)
        test_recipes = sample(recipes, rng)
        grew = np.array([o.grew for o in observe(truth, test_recipes, rng)])
        started = time.perf_counter()
        fitted = calibrate(train)
        seconds = time.perf_counter() - started
        hidden, calibrated, prior = (predict(world, test_recipes)["p_grow"] for world in (truth, fitted.truth, nominal))
        rows.append({"world": 1000 + w, "grew_share": float(grew.mean()),
                     "auc_calibrated": auc(calibrated, grew), "auc_nominal": auc(prior, grew),
                     "auc_hidden_world": auc(hidden, grew),
                     "p_grow_error_calibrated": float(np.abs(calibrated - hidden).mean()),
                     "p_grow_error_nominal": float(np.abs(prior - hidden).mean()),
                     "pinned": fitted.pinned(), "fit_s": round(seconds, 1)})
    return {"worlds": rows, "min_auc_calibrated": min(r["auc_calibrated"] for r in rows),
            "median_auc_nominal": statistics.median(r["auc_nominal"] for r in rows),
            "median_p_grow_error_calibrated": statistics.median(r["p_grow_error_calibrated"] for r in rows),
            "median_p_grow_error_nominal": statistics.median(r["p_grow_error_nominal"] for r in rows)}


def campaign(seed: int, budget: int, history: int, planner_name: str) -> int:
    """Experiments until 95 % of the optimum (budget + 1 if never) for one seed, warm when ``history`` > 0."""
    import torch

    from benchmarks.planners import REACHED, build, problem
    from planners import Observation
    from simulators.graphene import STANDARD_SPACE

    torch.set_num_threads(1)
    bench = problem("graphene", seed)
    planner = build(planner_name, bench.space, [bench.objective], seed)
    rng = np.random.default_rng(20_000 + seed)
    if history:
        past = []
        for recipe in sample_recipes(history, np.random.default_rng(30_000 + seed)):
            params = {name: getattr(recipe, name) for name in STANDARD_SPACE} | {"substrate": recipe.substrate}
            told, _ = bench.experiment(params, rng)
            past.append(Observation(params, values=None if told is None else {"quality": told}, failed=told is None))
        planner.warm_start(past)
    for i in range(budget):
        (params,) = planner.ask(1)
        told, true_value = bench.experiment(params, rng)
        if bench.progress(true_value) >= REACHED:
            return i + 1
        planner.tell(Observation(params, values=None if told is None else {"quality": told}, failed=told is None))
    return budget + 1


def warm_vs_cold(seeds: int, budget: int, history: int, planner_name: str) -> dict[str, Any]:
    cold, warm = [], []
    for seed in range(seeds):  # paired per seed, printed as it goes
        cold.append(campaign(seed, budget, 0, planner_name))
        warm.append(campaign(seed, budget, history, planner_name))
        print(f"seed {seed}: cold {cold[-1]}, warm {warm[-1]}", flush=True)
    return {"planner": planner_name, "budget": budget, "history": history, "cold": cold, "warm": warm,
            "median_cold": statistics.median(cold), "median_warm": statistics.median(warm)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worlds", type=int, default=5)
    parser.add_argument("--kinds", nargs="+", choices=sorted(KINDS), default=sorted(KINDS))
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--budget", type=int, default=40)
    parser.add_argument("--history", type=int, default=30)
    parser.add_argument("--planner", default="botorch")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    result: dict[str, Any] = {"targets": TARGETS}
    if args.worlds:
        result["calibration"] = {kind: calibration(args.worlds, kind) for kind in args.kinds}
    print(json.dumps(result, indent=1), flush=True)
    if args.seeds:
        result["warm_start"] = warm_vs_cold(args.seeds, args.budget, args.history, args.planner)
        print(json.dumps(result["warm_start"], indent=1))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
