"""The design step and the discovery loop built on it.

``propose(target, constraints, model, relaxer)`` is the design step in one call: generate → screen by the model →
relax the shortlist → rank with stability.

The discovery loop: design → synthesize the top candidate → tell its measured band gap to the model → repeat.

``discovery_loop(target, constraints, model, relaxer, measure)`` proposes compositions with ``propose``,
hands the best untried one to ``measure(formula, seed)`` — the lab's synthesis campaign for that composition,
returning the measured PL band gap in eV, or None when nothing usable grew — adds the result to the model as a
``Measurement(kind="lab")`` and retrains it, until a measured gap lies within the target tolerance, the
``budget`` of campaigns is spent or every allowed composition has been tried. ``measure`` is injected, so the
same loop drives a simulated lab, a fast stand-in or real hardware.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection
from dataclasses import asdict, dataclass
from typing import Any

import pandas as pd

from planners.materials.chemistry import Candidate
from planners.materials.constraints import DesignConstraints, Target, parse_constraints, parse_target
from planners.materials.generate import Ordering, generate_candidates
from planners.materials.measurements import Measurement
from planners.materials.relax import Relaxer
from planners.materials.screen import Acquisition, screen
from planners.materials.stability import GROWTH_TEMPERATURE_K, assess_stability
from planners.materials.surrogate import BandgapEnsemble


def propose(
    target: Target | str,
    constraints: DesignConstraints | str,
    model: BandgapEnsemble,
    relaxer: Relaxer,
    *,
    step: float = 0.25,
    top_k: int = 5,
    supercell: tuple[int, int] | None = None,
    ordering: Ordering = "sqs",
    n_orderings: int = 1,
    seed: int = 0,
    temperature_k: float = GROWTH_TEMPERATURE_K,
    acquisition: Acquisition = "ei",
    exclude: Collection[Candidate] = (),
) -> pd.DataFrame:
    """Ranked table (``screen`` columns) of the ``top_k`` candidates after CHGNet relaxation.

    Generates every composition of grid ``step`` allowed by ``constraints``, screens them all with the
    model, relaxes the best ``top_k`` (and their end members; cached by ``relaxer``) and re-ranks them with
    the stability penalty. Compositions in ``exclude`` (e.g. already synthesized) are left out. ValueError
    for unparseable targets or constraints, impossible constraints, or when nothing is left to propose.
    """
    if isinstance(target, str):
        target = parse_target(target)
    if isinstance(top_k, bool) or not isinstance(top_k, int) or top_k < 1:
        raise ValueError(f"top_k must be a positive integer, got {top_k!r}")
    excluded = set(exclude)
    candidates = [c for c in generate_candidates(constraints, step) if c not in excluded]
    if not candidates:
        raise ValueError("every composition allowed by the constraints has been excluded (already tried)")
    shortlist = list(screen(candidates, model, target, acquisition=acquisition, top=top_k)["candidate"])
    stability = assess_stability(shortlist, relaxer, supercell=supercell, ordering=ordering,
                                 n_orderings=n_orderings, seed=seed, temperature_k=temperature_k)
    return screen(shortlist, model, target, stability=stability, acquisition=acquisition)


Measure = Callable[[str, int], float | None]
"""``measure(formula, seed) -> measured band gap (eV) or None``: one synthesis campaign for a composition."""


@dataclass(frozen=True)
class Round:
    """One campaign of the loop: the proposed composition, the model's prediction then, and what the lab measured.

    ``measured_ev`` is None when nothing usable grew; ``hit`` says whether it lies within the tolerance.
    """

    index: int
    formula: str
    predicted_ev: float
    std_ev: float
    measured_ev: float | None
    hit: bool
    seed: int
    why: str

    @property
    def error_ev(self) -> float | None:
        """Measured minus predicted gap (eV), None without a measurement."""
        return None if self.measured_ev is None else self.measured_ev - self.predicted_ev

    def as_dict(self) -> dict[str, Any]:
        """A JSON-serializable description."""
        return asdict(self)


def run_seed(seed: int, index: int) -> int:
    """The seed handed to ``measure`` for campaign ``index`` (1-based) of a loop seeded with ``seed``."""
    return 1000 * seed + index


def discovery_loop(
    target: Target | str,
    constraints: DesignConstraints | str,
    model: BandgapEnsemble,
    relaxer: Relaxer,
    measure: Measure,
    *,
    budget: int = 10,
    top_k: int = 3,
    step: float = 0.25,
    seed: int = 0,
    on_round: Callable[[Round], None] | None = None,
) -> list[Round]:
    """Run the loop (module docs) and return its rounds; ``model`` is updated in place with every measurement.

    ``on_round`` is called after each campaign (e.g. to publish progress). ValueError for an unparseable
    target, unparseable or impossible constraints, or a budget below 1.
    """
    if isinstance(target, str):
        target = parse_target(target)
    if isinstance(constraints, str):
        constraints = parse_constraints(constraints)
    if isinstance(budget, bool) or not isinstance(budget, int) or budget < 1:
        raise ValueError(f"budget must be a positive integer number of campaigns, got {budget!r}")
    pool = len(generate_candidates(constraints, step))
    rounds: list[Round] = []
    tried: list[Candidate] = []
    while len(rounds) < budget and len(tried) < pool:
        table = propose(target, constraints, model, relaxer, step=step, top_k=top_k, seed=seed, exclude=tried)
        best = table.iloc[0]
        index = len(rounds) + 1
        measured = measure(best.formula, run_seed(seed, index))
        if measured is not None and not math.isfinite(measured):
            raise ValueError(f"measure returned {measured!r} for {best.formula}; expected a gap in eV or None")
        hit = measured is not None and abs(measured - target.value) <= target.tolerance
        result = Round(index, best.formula, float(best.bandgap_ev), float(best.std_ev), measured, hit,
                       run_seed(seed, index), best.why)
        rounds.append(result)
        tried.append(best.candidate)
        if measured is not None:
            model.update([Measurement(best.candidate, measured, kind="lab", reference=f"campaign {index}")])
        if on_round is not None:
            on_round(result)
        if hit:
            break
    return rounds
