"""A graphene world calibrated to a lab's outcomes: the hidden constants fitted by maximum a posteriori.

Each constant is written as its prior at a standard score z (:func:`simulators.graphene.prior_value`, the
literature ranges worlds are drawn from), so the prior is z ~ N(0, 1). A recipe's predicted outcome comes from
the world's own growth model (:func:`simulators.graphene.grow` after the standard anneal): coverage θ, the
monolayer share and ID/IG; a Raman map of ``spots`` spots finds graphene with probability
P(grew) = 1 − (1 − θ)^spots, and its expected quality is :func:`simulators.graphene.expected_quality`.
The fit minimizes the prior's Σz² plus, per observed growth, ((grew − P)/σ_grew)² and, when it grew,
((quality − E q)/σ_q)² and ((coverage − θ)/σ_θ)² (``scipy.optimize.least_squares``); posterior widths are the
Laplace approximation's (the Gauss–Newton covariance at the optimum), reported per constant in its own unit.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from scipy.optimize import least_squares

from simulators.graphene import (
    PRIORS,
    STANDARD_ANNEAL_C,
    GrapheneTruth,
    GrowthRecipe,
    expected_quality,
    grow,
    prior_value,
)

SPOTS = 16
SIGMA_GREW = 0.3
SIGMA_QUALITY = 0.08
SIGMA_COVERAGE = 0.12  # a 16-spot map's binomial spread of θ near 0.5
NAMES = tuple(PRIORS)


@dataclass(frozen=True)
class Observed:
    """What a lab saw of one growth: whether graphene grew and, if so, its quality and coverage (None: unknown)."""

    recipe: GrowthRecipe
    grew: bool
    quality: float | None = None
    coverage: float | None = None


@dataclass(frozen=True)
class Calibration:
    """The fitted world, each constant's posterior 1-σ width (its unit) and prior width, and the fit's cost."""

    truth: GrapheneTruth
    widths: dict[str, float]
    prior_widths: dict[str, float]
    cost: float
    n_observed: int

    def pinned(self, shrink: float = 0.5) -> list[str]:
        """The constants the data pinned down: posterior width below ``shrink`` × the prior's."""
        return [n for n in NAMES if self.widths[n] < shrink * self.prior_widths[n]]

    def as_dict(self) -> dict[str, Any]:
        return {"material": "graphene", "constants": asdict(self.truth), "posterior_widths": self.widths,
                "prior_widths": self.prior_widths, "observed": self.n_observed}


def truth_at(z: np.ndarray) -> GrapheneTruth:
    """The world whose constants sit at standard scores ``z`` (one per :data:`NAMES`)."""
    return GrapheneTruth(**{name: prior_value(name, float(v)) for name, v in zip(NAMES, z, strict=True)})


def predict(truth: GrapheneTruth, recipes: Sequence[GrowthRecipe], spots: int = SPOTS) -> dict[str, np.ndarray]:
    """Per recipe: P(grew), expected coverage, monolayer share of the film, expected quality and ID/IG."""
    out: dict[str, list[float]] = {"p_grow": [], "coverage": [], "monolayer_fraction": [], "quality": [],
                                   "id_ig": []}
    for recipe in recipes:
        sample = grow(truth, recipe.conditions(), 60.0 * recipe.growth_min, STANDARD_ANNEAL_C)
        theta = sample.coverage
        out["p_grow"].append(1.0 - (1.0 - theta) ** spots)
        out["coverage"].append(theta)
        out["monolayer_fraction"].append(theta * sample.monolayer_share)
        out["quality"].append(expected_quality(sample))
        out["id_ig"].append(sample.id_ig)
    return {key: np.array(values) for key, values in out.items()}


def observe(truth: GrapheneTruth, recipes: Sequence[GrowthRecipe], rng: np.random.Generator,
            spots: int = SPOTS) -> list[Observed]:
    """What a lab in world ``truth`` sees of ``recipes``: a Raman map of ``spots`` random spots per sample."""
    seen = []
    for recipe in recipes:
        sample = grow(truth, recipe.conditions(), 60.0 * recipe.growth_min, STANDARD_ANNEAL_C)
        found = sample.spots(spots, rng)
        covered = [s for s in found if s.layers > 0]
        quality = sum(math.exp(-s.id_ig / 0.5) for s in covered if s.layers == 1) / spots
        seen.append(Observed(recipe, bool(covered), quality, len(covered) / spots))
    return seen


def _residuals(z: np.ndarray, observed: Sequence[Observed], spots: int) -> np.ndarray:
    predicted = predict(truth_at(z), [o.recipe for o in observed], spots)
    parts = [z]
    parts.append((np.array([o.grew for o in observed], float) - predicted["p_grow"]) / SIGMA_GREW)
    for key, sigma in (("quality", SIGMA_QUALITY), ("coverage", SIGMA_COVERAGE)):
        seen = np.array([np.nan if getattr(o, key) is None or not o.grew else getattr(o, key) for o in observed])
        known = np.isfinite(seen)
        parts.append((seen[known] - predicted[key][known]) / sigma)
    return np.concatenate(parts)


def _width(name: str, z: float, sd_z: float) -> float:
    """A constant's 1-σ width in its own unit from that of its standard score (central difference)."""
    return abs(prior_value(name, z + sd_z) - prior_value(name, z - sd_z)) / 2.0


def calibrate(observed: Sequence[Observed], spots: int = SPOTS, max_nfev: int = 60) -> Calibration:
    """The MAP world for ``observed`` and its posterior widths (module docstring). Raises ValueError without
    observations."""
    if not observed:
        raise ValueError("calibration needs at least one observed growth")
    fit = least_squares(_residuals, np.zeros(len(NAMES)), args=(observed, spots), bounds=(-3.0, 3.0),
                        max_nfev=max_nfev, x_scale=1.0, diff_step=1e-3)
    jac = fit.jac
    covariance = np.linalg.pinv(jac.T @ jac)
    sd = np.sqrt(np.clip(np.diag(covariance), 0.0, None))
    widths = {n: _width(n, float(z), float(s)) for n, z, s in zip(NAMES, fit.x, sd, strict=True)}
    prior = {n: _width(n, 0.0, 1.0) for n in NAMES}
    return Calibration(truth_at(fit.x), widths, prior, float(fit.cost), len(observed))


def load_truth(constants: dict[str, Any]) -> GrapheneTruth:
    """A world from a calibration file's constants; ValueError naming a missing or unknown constant."""
    unknown = sorted(set(constants) - set(NAMES))
    missing = [n for n in NAMES if n not in constants]
    if unknown or missing:
        raise ValueError(f"world constants: unknown {unknown}, missing {missing}")
    return GrapheneTruth(**{n: float(constants[n]) for n in NAMES})


def auc(scores: np.ndarray, labels: np.ndarray) -> float:
    """Area under the ROC curve of ``scores`` for binary ``labels`` (ties count half); NaN with one class."""
    labels = np.asarray(labels, bool)
    positive, negative = np.asarray(scores)[labels], np.asarray(scores)[~labels]
    if positive.size == 0 or negative.size == 0:
        return math.nan
    greater = (positive[:, None] > negative[None, :]).sum() + 0.5 * (positive[:, None] == negative[None, :]).sum()
    return float(greater / (positive.size * negative.size))
