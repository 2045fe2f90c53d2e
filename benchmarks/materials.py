"""Inverse-design benchmark: surrogate screening rate, CHGNet relaxation time, model calibration, discovery vs random.

* Screening: candidates per second through ``planners.materials.screen`` (band-gap ensemble prediction,
  acquisition, ranking) on every composition of a fine grid, and through the model's ``predict`` alone.
* Relaxation: CHGNet load time, and relaxation wall time of a 3-atom MoS2 cell and a 12-atom
  Mo0.75W0.25S2 supercell (no cache; torch on ``--threads`` threads, default 1, ``Relaxer``'s default), then
  a cache hit.
* Property model: on the Mo/W S/Se compositions of a 1/8 grid, the twin's true A-exciton energy
  (``simulators.tmd_spectra.a_exciton_ev``, with bowing the seed table does not fully know) is measured with
  7 meV noise at ``k`` random compositions; the model (literature table + those k) is scored on the others:
  mean absolute error against the truth and coverage of their (noisy) measurements by its 90 % interval,
  averaged over the seeds.
* Discovery: candidate campaigns until a synthesized film's measured PL gap lies within the tolerance of the
  target — ``planners.materials.discovery_loop`` against candidates picked in random order from the same pool
  (compositions of step 0.25, no Te). Each candidate is synthesized by the ``--campaign`` of
  ``lab.design.flows.CAMPAIGNS``: by default ``lab``, the full simulated lab campaign ``sdlab discover
  --simulate`` runs (Prefect, Bluesky growths on the two-zone TMD station, Raman + PL, the planner over the
  material's recipe space; the best sample's gap), or ``twin``, the fast stand-in. In each seed's world a
  candidate is synthesized once and both arms see that measurement.

    python -m benchmarks.materials [--seeds 5] [--targets bandgap_ev=1.70±0.03 ...] [--campaign lab|twin]
                                   [--budget 25] [--threads 1]

Prints the figures and writes JSON (default benchmarks/results/materials.json).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from planners.materials import (
    BandgapEnsemble,
    Candidate,
    Measurement,
    Relaxer,
    build_structure,
    composition_matrix,
    discovery_loop,
    generate_candidates,
    literature_bandgaps,
    load_chgnet,
    mcmillan_allen_dynes_tc,
    parse_target,
    screen,
    unit_cell,
)
from planners.materials.chemistry import composition_grid
from planners.materials.discovery import run_seed
from simulators.tmd_spectra import a_exciton_ev

POOL = "no Te"
NOISE_EV = 0.007


def twin_gap(candidate: Candidate) -> float:
    """The twin's true A-exciton energy of a Mo/W S/Se composition."""
    fractions = dict(candidate.metals) | dict(candidate.chalcogens)
    return a_exciton_ev(fractions.get("W", 0.0), fractions.get("Se", 0.0))


def screening(model: BandgapEnsemble, step: float) -> dict:
    started = time.perf_counter()
    candidates = generate_candidates("", step)
    generated = time.perf_counter() - started
    screen(candidates[:100], model, "bandgap_ev=1.70")  # warm up
    started = time.perf_counter()
    table = screen(candidates, model, "bandgap_ev=1.70", top=10)
    screened = time.perf_counter() - started
    matrix = composition_matrix(candidates)
    started = time.perf_counter()
    model.predict(matrix)
    predicted = time.perf_counter() - started
    return {"candidates": len(candidates), "generate_s": generated, "screen_per_s": len(candidates) / screened,
            "predict_per_s": len(candidates) / predicted, "best": table.iloc[0]["formula"]}


def relaxation(threads: int) -> dict:
    started = time.perf_counter()
    load_chgnet()
    loaded = time.perf_counter() - started
    result = {"threads": threads, "load_s": loaded}
    with tempfile.TemporaryDirectory() as cache:
        relaxer = Relaxer(cache, threads=threads)
        relaxer.relax(unit_cell(Candidate.from_formula("WS2")))  # warm up (first call builds the optimizer)
        for name, structure in (("mos2_3_atoms", unit_cell(Candidate.from_formula("MoS2"))),
                                ("mo0.75w0.25s2_12_atoms", build_structure(Candidate.from_formula("Mo0.75W0.25S2")))):
            started = time.perf_counter()
            relaxed = relaxer.relax(structure)
            result[f"{name}_s"] = time.perf_counter() - started
            result[f"{name}_steps"] = relaxed.steps
            started = time.perf_counter()
            assert relaxer.relax(structure).cached
            result[f"{name}_cache_hit_s"] = time.perf_counter() - started
    return result


def calibration(seeds: int, sizes: tuple[int, ...]) -> dict:
    grid = [Candidate.from_vector(row) for row in composition_grid({"Mo", "W", "S", "Se"}, 8)]
    truth = np.array([twin_gap(c) for c in grid])
    rows = {k: {"mae_ev": [], "coverage_90": []} for k in sizes}
    for seed in range(seeds):
        rng = np.random.default_rng(seed)
        order = rng.permutation(len(grid))
        noisy = truth + rng.normal(0.0, NOISE_EV, len(grid))
        for k in sizes:
            lab = [Measurement(grid[i], float(noisy[i]), kind="lab") for i in order[:k]]
            model = BandgapEnsemble(seed=seed).fit([*literature_bandgaps(), *lab])
            held = order[k:]
            mean, _ = model.predict([grid[i] for i in held])
            low, high = model.interval([grid[i] for i in held], 0.9)
            rows[k]["mae_ev"].append(float(np.abs(mean - truth[held]).mean()))
            rows[k]["coverage_90"].append(float(np.mean((noisy[held] >= low) & (noisy[held] <= high))))
    return {str(k): {name: float(np.mean(values)) for name, values in row.items()} for k, row in rows.items()}


class Lab:
    """The synthesis campaigns of one benchmark world: each candidate is synthesized at most once (by the
    ``CAMPAIGNS`` entry named ``campaign``, for ``target``, in world ``seed``) and both arms see that same
    measured gap. Every campaign runs in the world ``seed`` (one simulated lab, as in ``sdlab discover``), each
    with its own seed (``run_seed`` of the world and the candidate's place in the pool) for its runs' scatter."""

    def __init__(self, campaign: str, target: str, seed: int) -> None:
        from lab.design.flows import CAMPAIGNS  # after main() has set up Prefect's environment

        self.measure = CAMPAIGNS[campaign].make(seed, parse_target(target))
        self.seed = seed
        self.places = {c.formula: place for place, c in enumerate(generate_candidates(POOL, 0.25), start=1)}
        self.measured: dict[str, float | None] = {}
        self.wall_s = 0.0

    def __call__(self, formula: str, _run_seed: int = 0) -> float | None:
        if formula not in self.measured:
            started = time.perf_counter()
            self.measured[formula] = self.measure(formula, run_seed(self.seed, self.places[formula]))
            self.wall_s += time.perf_counter() - started
        return self.measured[formula]


def random_campaigns(target: str, lab: Lab, seed: int, budget: int) -> int | None:
    goal = parse_target(target)
    pool = generate_candidates(POOL, 0.25)
    for index, i in enumerate(np.random.default_rng(seed).permutation(len(pool))[:budget], start=1):
        measured = lab(pool[i].formula)
        if measured is not None and abs(measured - goal.value) <= goal.tolerance:
            return index
    return None


def discovery(target: str, seeds: int, budget: int, cache: Path, campaign: str) -> dict:
    runs = []
    for seed in range(seeds):
        lab = Lab(campaign, target, seed)
        started = time.perf_counter()
        rounds = discovery_loop(target, POOL, BandgapEnsemble(seed=seed).fit(literature_bandgaps()), Relaxer(cache),
                                lab, budget=budget, seed=seed)
        hit = rounds[-1] if rounds[-1].hit else None
        runs.append({"seed": seed, "discovery": len(rounds) if hit else None, "wall_s": time.perf_counter() - started,
                     "hit": None if hit is None else {"formula": hit.formula, "measured_ev": hit.measured_ev},
                     "formulas": [r.formula for r in rounds],
                     "random": random_campaigns(target, lab, seed, budget),
                     "campaigns_run": len(lab.measured), "campaign_wall_s": lab.wall_s})

    def median(key: str) -> float:  # a miss counts as one campaign more than the budget
        return float(statistics.median(budget + 1 if r[key] is None else r[key] for r in runs))

    return {"target": target, "budget": budget, "campaign": campaign, "pool": len(generate_candidates(POOL, 0.25)),
            "runs": runs, "median_discovery": median("discovery"), "median_random": median("random")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--targets", nargs="+", default=["bandgap_ev=1.70±0.03", "bandgap_ev=1.81±0.01"],
                        help="discovery targets (the second needs a W-rich S/Se alloy the seed table does not know)")
    parser.add_argument("--threads", type=int, default=1, help="torch threads for CHGNet")
    parser.add_argument("--step", type=float, default=0.02, help="composition step of the screening grid")
    parser.add_argument("--campaign", choices=("lab", "twin"), default="lab",
                        help="synthesis per candidate: a full simulated lab campaign (as `sdlab discover --simulate`) "
                             "or the fast twin stand-in")
    parser.add_argument("--budget", type=int, default=25, help="candidate campaigns per arm and seed")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "materials.json")
    args = parser.parse_args()
    torch.set_num_threads(1)
    home = Path(tempfile.mkdtemp(prefix="sdlab-materials-"))  # the simulated campaigns' catalog and Prefect home
    os.environ.update(SDLAB_HOME=str(home), PREFECT_HOME=str(home / "prefect"), PREFECT_LOGGING_LEVEL="WARNING",
                      PREFECT_SERVER_ANALYTICS_ENABLED="false", DO_NOT_TRACK="1",
                      PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="120")

    model = BandgapEnsemble(seed=0).fit(literature_bandgaps())
    result = {"screening": screening(model, args.step)}
    s = result["screening"]
    print(f"screening: {s['candidates']} candidates, {s['screen_per_s']:.0f}/s through screen(), "
          f"{s['predict_per_s']:.0f}/s through predict() (grid generated in {s['generate_s']:.2f} s)")

    result["relaxation"] = r = relaxation(args.threads)
    print(f"CHGNet ({r['threads']} threads): load {r['load_s']:.1f} s; relax MoS2 (3 atoms) "
          f"{r['mos2_3_atoms_s']:.2f} s, Mo0.75W0.25S2 (12 atoms) {r['mo0.75w0.25s2_12_atoms_s']:.2f} s; cache hit "
          f"{1e3 * r['mos2_3_atoms_cache_hit_s']:.1f} ms")

    result["calibration"] = c = calibration(args.seeds, (0, 5, 10, 20, 40))
    print("property model on held-out twin compositions (lab measurements → MAE, 90 % interval coverage):")
    for k, row in c.items():
        print(f"  {k:>3} measurements: MAE {1e3 * row['mae_ev']:5.1f} meV, coverage {100 * row['coverage_90']:5.1f} %")

    result["discovery"] = []
    for target in args.targets:
        result["discovery"].append(d := discovery(target, args.seeds, args.budget, home / "relax-cache", args.campaign))
        print(f"discovery of {d['target']} (pool {d['pool']} compositions, budget {d['budget']}, "
              f"{d['campaign']} campaigns):")
        for run in d["runs"]:
            hit = ("no hit" if run["hit"] is None else
                   f"{run['hit']['formula']} at {run['hit']['measured_ev']:.3f} eV")
            print(f"  seed {run['seed']}: discovery {run['discovery']} campaigns ({hit}, "
                  f"{run['wall_s']:.0f} s), random {run['random']}; {run['campaigns_run']} campaigns run in "
                  f"{run['campaign_wall_s']:.0f} s")
        print(f"  median campaigns: discovery {d['median_discovery']:g}, random {d['median_random']:g}")

    result["superconductor_tc_k"] = tc = mcmillan_allen_dynes_tc(1.0, 300.0, 0.1)
    print(f"McMillan–Allen–Dynes Tc(λ=1, μ*=0.1, ω_log=300 K) = {tc:.2f} K")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
