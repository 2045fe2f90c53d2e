"""Planner benchmark: random, sobol, skopt, botorch, a plain-BoTorch baseline, BayBE and Ax, side by side.

Problems (sequential campaigns, one experiment per ask):

* ``branin`` (2-D, minimized), ``hartmann6`` (6-D, maximized; optimum 3.32237);
* ``graphene``: the simulated graphene world of each seed. Each experiment grows a film in the seed's
  hidden-truth world (``simulators.graphene.grow`` with the standard space's protocol: H2 anneal at
  ``STANDARD_ANNEAL_C``, then growth), Raman-maps it (``simulators.spectra``) and fits the spectra with the
  lab's own analysis (``lab.analysis.graphene_outcome``), so planners see the noisy objective and the failures
  of a campaign. Progress is judged on the noise-free expected quality (``recipe_quality``, the same protocol)
  of the points run, against ``find_optimum(truth)``;
* ``mos2``, ``mosse``: TMD campaigns in the hidden world of each seed (``benchmarks.tmd_worlds``: runs fail
  where nothing grows, noisy measured quality, the literature recipes run first by every planner);
* ``constrained``: Hartmann6 with the constraint ``x0 + x1 <= 0.8`` and failed experiments (no value)
  wherever ``x3 > 0.7`` or ``x4 + x5 > 1.5``; the optimum is feasible and succeeds.

BayBE and Ax (``baybe``, ``ax``; ``benchmarks.comparators``, installed by the ``bench`` extra) are used through
their recommended sequential APIs with their defaults. Every proposal is asserted to satisfy the space's
constraints. Metrics per run: experiments until a point reaches 95 % of the optimum (for Branin, 95 % of the way from
the median random value to the optimum), the best true value after the budget, and the mean ask time.
Separately: fit+ask latency in 6-D at N observations (a cold ask on a fresh planner, which fits from
scratch, and a warm ask after one more observation), and the heating/cooling time saved by
``planners.ordering`` on random batches of 8.

    python -m benchmarks.planners [--seeds 10] [--budget B] [--problems ...] [--planners ...] [--jobs 2]

Prints tables and writes JSON (default benchmarks/results/planners.json) and a PNG next to it.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing import Pool
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.comparators import COMPARATORS, Comparator
from planners import Objective, Observation, Planner, Real, Space, make_planner
from planners.ordering import Ramp, order_batch

SPOTS = 16
LASER_NM = 532.0
PLANNERS = ("random", "sobol", "skopt", "plain-botorch", "botorch", "baybe", "ax")
BUDGETS = {"branin": 25, "hartmann6": 50, "graphene": 60, "mos2": 30, "mosse": 30, "constrained": 50}
TMD_MATERIALS = {"mos2": "MoS2", "mosse": "MoSSe"}
LATENCY_N = (20, 100, 300, 1000, 2000)
LATENCY_CAP = {"skopt": 300, "plain-botorch": 1000}
"""Largest N measured per planner (beyond it a single ask takes minutes)."""
REACHED = 0.95

_A = np.array(
    [[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14], [3, 3.5, 1.7, 10, 17, 8], [17, 8, 0.05, 10, 0.1, 14]]
)
_P = 1e-4 * np.array(
    [[1312, 1696, 5569, 124, 8283, 5886], [2329, 4135, 8307, 3736, 1004, 9991],
     [2348, 1451, 3522, 2883, 3047, 6650], [4047, 8828, 8732, 5743, 1091, 381]]
)
_ALPHA = np.array([1.0, 1.2, 3.0, 3.2])
HARTMANN6_MAX = 3.32237


def hartmann6(params: dict[str, Any]) -> float:
    """The 6-D Hartmann function (maximum 3.32237 at about (0.20, 0.15, 0.48, 0.28, 0.31, 0.66))."""
    x = np.array([params[f"x{i}"] for i in range(6)])
    return float(np.sum(_ALPHA * np.exp(-np.sum(_A * (x - _P) ** 2, axis=1))))


def branin(params: dict[str, Any]) -> float:
    """The Branin function (minimum 0.397887)."""
    x1, x2 = params["x1"], params["x2"]
    b, c, t = 5.1 / (4 * math.pi**2), 5 / math.pi, 1 / (8 * math.pi)
    return (x2 - b * x1**2 + c * x1 - 6) ** 2 + 10 * (1 - t) * math.cos(x1) + 10


def measure(truth: Any, params: dict[str, Any], rng: np.random.Generator) -> dict[str, Any]:
    """Grow with `params`, Raman-map SPOTS spots and analyse them like the lab does."""
    from lab.analysis import graphene_outcome
    from simulators.graphene import STANDARD_ANNEAL_C, GrowthRecipe, grow
    from simulators.spectra import raman_counts, wavelength_axis

    recipe = GrowthRecipe(**params)
    sample = grow(truth, recipe.conditions(), recipe.growth_min * 60.0, anneal_c=STANDARD_ANNEAL_C)
    axis = wavelength_axis()
    counts = [raman_counts(spot, axis, 1.0, rng, laser_nm=LASER_NM) for spot in sample.spots(SPOTS, rng)]
    return graphene_outcome([axis] * SPOTS, counts, LASER_NM)


@dataclass
class Problem:
    """A benchmark problem for one seed: the space, the objective and how an experiment turns out."""

    space: Space
    objective: Objective
    optimum: float
    reference: float
    experiment: Callable[[dict[str, Any], np.random.Generator], tuple[float | None, float]]
    """params, rng -> (value told to the planner or None when failed, true value)."""
    suggestions: list[dict[str, Any]] = field(default_factory=list)
    """Points every planner runs first (the literature recipes of a TMD campaign)."""

    def progress(self, true_value: float) -> float:
        """Fraction of the way from ``reference`` to the optimum."""
        return (true_value - self.reference) / (self.optimum - self.reference)


def problem(name: str, seed: int) -> Problem:
    """The problem ``name`` for ``seed`` (only the graphene world depends on the seed)."""
    cube6 = [Real(f"x{i}", 0.0, 1.0) for i in range(6)]
    if name == "branin":
        space = Space([Real("x1", -5.0, 10.0), Real("x2", 0.0, 15.0)])
        grid = space.decode(np.random.default_rng(0).random((10_000, 2)))
        return Problem(space, Objective("f", maximize=False), 0.397887, float(np.median([branin(p) for p in grid])),
                       lambda p, rng: (branin(p), branin(p)))
    if name == "hartmann6":
        return Problem(Space(cube6), Objective("f"), HARTMANN6_MAX, 0.0, lambda p, rng: (hartmann6(p), hartmann6(p)))
    if name == "constrained":
        def experiment(p: dict[str, Any], rng: np.random.Generator) -> tuple[float | None, float]:
            failed = p["x3"] > 0.7 or p["x4"] + p["x5"] > 1.5
            return (None, 0.0) if failed else (hartmann6(p), hartmann6(p))

        return Problem(Space(cube6, constraints=["x0 + x1 <= 0.8"]), Objective("f"), HARTMANN6_MAX, 0.0, experiment)
    if name == "graphene":
        from lab.recipe import graphene_space
        from simulators.graphene import GrapheneTruth, GrowthRecipe, find_optimum, recipe_quality

        truth = GrapheneTruth.draw(seed)

        def grow_and_measure(p: dict[str, Any], rng: np.random.Generator) -> tuple[float | None, float]:
            outcome = measure(truth, p, rng)
            true_value = recipe_quality(truth, GrowthRecipe(**p))
            return (None if outcome["failed"] else outcome["quality"]), true_value

        return Problem(graphene_space(), Objective("quality"), find_optimum(truth)[1], 0.0, grow_and_measure)
    if name in TMD_MATERIALS:
        from benchmarks.tmd_worlds import tmd_problem
        from simulators.tmd import TmdTruth

        tmd = tmd_problem(TMD_MATERIALS[name], TmdTruth.draw(seed))
        return Problem(tmd.space, Objective("quality"), tmd.optimum(), 0.0, tmd.experiment, tmd.literature())
    raise ValueError(f"unknown problem {name!r}; choose from {', '.join(BUDGETS)}")


def build(name: str, space: Space, objectives: list[Objective], seed: int) -> Planner | Comparator:
    """A planner by benchmark name (``plain-botorch`` is the baseline in ``benchmarks.baselines``; ``baybe`` and
    ``ax`` are the comparators in ``benchmarks.comparators``, told 0 for a failed run where they need a value)."""
    if name in COMPARATORS:
        return COMPARATORS[name](space, objectives[0], seed, failure_value=0.0)
    if name == "plain-botorch":
        from benchmarks.baselines import PlainBotorchPlanner

        return PlainBotorchPlanner(space, objectives, seed=seed)
    return make_planner(name, space, objectives=objectives, seed=seed)


def run(task: tuple[str, str, int, int]) -> dict[str, Any]:
    """One campaign; returns the true value of every experiment, the metrics and the ask times."""
    problem_name, planner_name, seed, budget = task
    import torch

    torch.set_num_threads(1)
    bench = problem(problem_name, seed)
    rng = np.random.default_rng(10_000 + seed)
    planner = build(planner_name, bench.space, [bench.objective], seed)
    planner.suggest(bench.suggestions)
    values, ask_s, reached = [], [], None
    for i in range(budget):
        started = time.perf_counter()
        (params,) = planner.ask(1)
        ask_s.append(time.perf_counter() - started)
        assert bench.space.feasible(params), f"{planner_name} proposed an infeasible point {params}"
        told, true_value = bench.experiment(params, rng)
        values.append(true_value)
        if reached is None and bench.progress(true_value) >= REACHED:
            reached = i + 1
        planner.tell(Observation(params, values=None if told is None else {bench.objective.name: told},
                                 failed=told is None))
    best = max(bench.progress(v) for v in values)
    return {"problem": problem_name, "planner": planner_name, "seed": seed, "values": values,
            "progress": [bench.progress(v) for v in values], "experiments_to_95": reached,
            "best_progress": best, "mean_ask_s": statistics.fmean(ask_s)}


def latency(planner_name: str, n: int) -> dict[str, Any]:
    """Cold (fresh planner, fit from scratch) and warm (one more observation) ask time at ``n`` in 6-D.

    Wall-clock seconds and the process's CPU seconds (``*_cpu_s``: what the ask costs on an idle core; on a
    shared machine the wall time also counts waiting for a core)."""
    import torch

    torch.set_num_threads(1)
    space = Space([Real(f"x{i}", 0.0, 1.0) for i in range(6)])
    rng = np.random.default_rng(n)
    planner = build(planner_name, space, [Objective("f")], seed=0)
    points = space.decode(rng.random((n + 1, 6)))
    planner.tell([Observation(p, values={"f": hartmann6(p) + 0.01 * rng.normal()}) for p in points[:n]])
    started, cpu = time.perf_counter(), time.process_time()
    planner.ask(1)
    cold, cold_cpu = time.perf_counter() - started, time.process_time() - cpu
    planner.tell(Observation(points[n], values={"f": hartmann6(points[n])}))
    started, cpu = time.perf_counter(), time.process_time()
    planner.ask(1)
    return {"planner": planner_name, "n": n, "cold_s": cold, "warm_s": time.perf_counter() - started,
            "cold_cpu_s": cold_cpu, "warm_cpu_s": time.process_time() - cpu}


def ordering_savings(batches: int = 1000, size: int = 8) -> dict[str, Any]:
    """Heating/cooling time saved by ``order_batch`` on random batches (graphene temperature range).

    Hot furnace: the current temperature is random in the range (mid-campaign); cold: 25 °C.
    """
    rng = np.random.default_rng(0)
    result: dict[str, Any] = {"batches": batches, "size": size, "ramp": Ramp().__dict__}
    for label, current in (("hot", lambda: float(rng.uniform(950, 1065))), ("cold", lambda: 25.0)):
        fractions, saved = [], []
        for _ in range(batches):
            batch = [{"temperature_c": float(t)} for t in rng.uniform(950, 1065, size)]
            plan = order_batch(batch, current())
            fractions.append(plan.saved_fraction)
            saved.append(plan.saved_min)
        result[label] = {"median_saved_fraction": float(np.median(fractions)),
                         "mean_saved_fraction": float(np.mean(fractions)),
                         "min_saved_fraction": float(np.min(fractions)), "median_saved_min": float(np.median(saved)),
                         "fractions": fractions}
    return result


def summarize(runs: list[dict[str, Any]], budgets: dict[str, int]) -> dict[str, dict[str, Any]]:
    """Per problem and planner: median experiments to 95 % (budget + 1 when not reached), best progress."""
    summary: dict[str, dict[str, Any]] = {}
    for name in dict.fromkeys(r["problem"] for r in runs):
        summary[name] = {}
        for planner in dict.fromkeys(r["planner"] for r in runs if r["problem"] == name):
            mine = [r for r in runs if r["problem"] == name and r["planner"] == planner]
            steps = [r["experiments_to_95"] or budgets[name] + 1 for r in mine]
            summary[name][planner] = {
                "median_experiments_to_95": statistics.median(steps),
                "reached_95": sum(r["experiments_to_95"] is not None for r in mine) / len(mine),
                "median_best_progress": statistics.median(r["best_progress"] for r in mine),
                "mean_ask_s": statistics.fmean(r["mean_ask_s"] for r in mine),
            }
    return summary


def plot(result: dict[str, Any], path: Path) -> None:
    """Median best-so-far progress per problem, latency against N, and ordering savings."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    problems = list(result["summary"])
    fig, axes = plt.subplots(3, 3, figsize=(15, 13))
    for ax, name in zip(axes.flat, problems[:7], strict=False):
        for planner in result["summary"][name]:
            traces = [np.maximum.accumulate(r["progress"]) for r in result["runs"]
                      if r["problem"] == name and r["planner"] == planner]
            ax.plot(np.arange(1, len(traces[0]) + 1), np.median(traces, axis=0), label=planner)
        ax.axhline(REACHED, color="grey", ls=":")
        ax.set(title=name, xlabel="experiments", ylabel="median best progress", ylim=(0, 1.02))
        ax.legend(fontsize=8)
    ax = axes.flat[7]
    for planner in dict.fromkeys(r["planner"] for r in result["latency"]):
        rows = [r for r in result["latency"] if r["planner"] == planner]
        ax.loglog([r["n"] for r in rows], [r["cold_s"] for r in rows], "o-", label=f"{planner} cold")
        ax.loglog([r["n"] for r in rows], [r["warm_s"] for r in rows], "x--", label=f"{planner} warm")
    ax.set(title="fit+ask latency, 6-D", xlabel="observations N", ylabel="seconds")
    ax.legend(fontsize=7)
    ax = axes.flat[8]
    if result.get("ordering"):
        for label in ("hot", "cold"):
            ax.hist(result["ordering"][label]["fractions"], bins=30, alpha=0.6, label=f"{label} furnace")
        ax.set(title="heating/cooling time saved, batches of 8", xlabel="fraction saved", ylabel="batches")
        ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main() -> None:
    """Command line entry point (see the module docs)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--budget", "--experiments", type=int, default=None,
                        help="experiments per campaign (default per problem)")
    parser.add_argument("--problems", nargs="+", default=list(BUDGETS), choices=list(BUDGETS))
    installed = [p for p in PLANNERS if p not in COMPARATORS or importlib.util.find_spec(p) is not None]
    parser.add_argument("--planners", nargs="+", default=installed, choices=list(PLANNERS),
                        help="default: all whose library is installed (baybe and ax come with the bench extra)")
    parser.add_argument("--latency-n", nargs="*", type=int, default=list(LATENCY_N))
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "planners.json")
    args = parser.parse_args()

    budgets = {p: args.budget or BUDGETS[p] for p in args.problems}
    tasks = [(p, name, seed, budgets[p]) for seed in range(args.seeds) for p in args.problems for name in args.planners]
    started = time.perf_counter()
    partial = args.out.with_suffix(".runs.jsonl")  # each finished run, so that a cut-short benchmark keeps them
    partial.parent.mkdir(parents=True, exist_ok=True)
    partial.write_text("")
    runs = []
    with Pool(args.jobs) as pool:
        for finished in pool.imap_unordered(run, tasks, chunksize=1):
            runs.append(finished)
            with partial.open("a") as stream:
                stream.write(json.dumps(finished) + "\n")
        latencies = pool.map(_latency_task, [(name, n) for name in args.planners
                                                   if name not in ("random", "sobol", *COMPARATORS)
                                                   for n in args.latency_n if n <= LATENCY_CAP.get(name, n)])
    result = {"seeds": args.seeds, "budgets": budgets, "summary": summarize(runs, budgets), "latency": latencies,
              "ordering": ordering_savings(), "runs": runs, "wall_s": time.perf_counter() - started}
    print(f"{'problem':<12}{'planner':<14}{'med exp to 95%':>15}{'reached':>9}{'med best':>10}{'ask s':>8}")
    for name, rows in result["summary"].items():
        for planner, s in rows.items():
            print(f"{name:<12}{planner:<14}{s['median_experiments_to_95']:>15}{s['reached_95']:>9.0%}"
                  f"{s['median_best_progress']:>10.3f}{s['mean_ask_s']:>8.2f}")
    print(f"{'planner':<14}{'N':>6}{'cold s':>9}{'warm s':>9}{'cold cpu s':>12}{'warm cpu s':>12}")
    for row in latencies:
        print(f"{row['planner']:<14}{row['n']:>6}{row['cold_s']:>9.2f}{row['warm_s']:>9.2f}"
              f"{row['cold_cpu_s']:>12.2f}{row['warm_cpu_s']:>12.2f}")
    for label in ("hot", "cold"):
        o = result["ordering"][label]
        print(f"ordering ({label} furnace): median saved {o['median_saved_fraction']:.1%}, "
              f"min {o['min_saved_fraction']:.1%}, median {o['median_saved_min']:.1f} min per batch of 8")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1))
    plot(result, args.out.with_suffix(".png"))
    print(f"wrote {args.out} and {args.out.with_suffix('.png')}")


def _latency_task(task: tuple[str, int]) -> dict[str, Any]:
    """``latency`` for a (planner, n) task (a module-level function so worker processes can run it)."""
    return latency(*task)


if __name__ == "__main__":
    main()
