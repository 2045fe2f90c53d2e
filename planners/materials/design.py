"""The design step in one call: generate → screen by the model → relax the shortlist → rank with stability."""

from __future__ import annotations

from collections.abc import Collection

import pandas as pd

from planners.materials.chemistry import Candidate
from planners.materials.constraints import DesignConstraints, Target, parse_target
from planners.materials.generate import Ordering, generate_candidates
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
