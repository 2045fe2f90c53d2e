"""A simulated world calibrated to a lab's outcomes: the hidden constants fitted by maximum a posteriori.

Graphene worlds (:mod:`simulators.graphene`) and TMD worlds (:mod:`simulators.tmd`). Each fitted constant is
written as its prior at a standard score z (graphene: :func:`simulators.graphene.prior_value`, the literature
ranges worlds are drawn from; TMD: :meth:`simulators.tmd.TmdTruth.at`, z standard deviations from the literature
value), so the prior is z ~ N(0, 1). A recipe's predicted outcome comes from the world's own growth model:

* graphene, after the standard anneal (:func:`simulators.graphene.grow`): coverage θ, the monolayer share and
  ID/IG; a Raman map of ``spots`` spots finds graphene with probability P(grew) = 1 − (1 − θ)^spots, and its
  expected quality is :func:`simulators.graphene.expected_quality`.
* TMD (:func:`simulators.tmd.grow`): every run has its own nucleation activity κ (lognormal, the world's σ_κ), so
  P(grew), the probability that the map finds film, is the expectation over κ (Gauss–Hermite) of
  1 − (1 − θ(κ))^spots; the coverage given that it grew is E[θ]/P(grew), and monolayer coverage and quality
  (:func:`simulators.tmd.expected_quality`) are expectations over κ; the PL gap is the A exciton of the film's
  composition.

The fit minimizes the prior's Σz² plus, per observed growth of graphene, ((grew − P)/σ_grew)² and, when it grew,
((quality − E q)/σ_q)² and ((coverage − θ)/σ_θ)² (``scipy.optimize.least_squares``). TMD runs grow by chance (κ),
and how much film a run leaves scatters with κ far beyond a map's binomial spread: a TMD world is fitted to what
grew alone, by its Bernoulli likelihood (the residual of a growth is √(−2 log P(what was seen))), in the constants
whether film grows depends on (:data:`TMD_FITTED`); the others (bilayer and vacancy kinetics) keep their
literature values. Posterior widths are the Laplace approximation's (the Gauss–Newton covariance at the optimum),
reported per constant in its own unit.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, fields
from typing import Any

import numpy as np
from numpy.polynomial.hermite_e import hermegauss
from scipy.optimize import least_squares

from simulators import tmd
from simulators.graphene import (
    PRIORS,
    STANDARD_ANNEAL_C,
    GrapheneTruth,
    GrowthRecipe,
    expected_quality,
    grow,
    prior_value,
)
from simulators.tmd_spectra import a_exciton_ev

SPOTS = 16
SIGMA_GREW = 0.3
SIGMA_QUALITY = 0.08
SIGMA_COVERAGE = 0.12  # a 16-spot map's binomial spread of θ near 0.5
NAMES = tuple(PRIORS)  # the graphene constants
TMD_CONSTANTS = tuple(f.name for f in fields(tmd.TmdTruth))
TMD_FITTED = tuple(name for name in TMD_CONSTANTS if not name.startswith(("bilayer", "multilayer"))
                   and "vacancy" not in name)  # whether film grows depends on these
_NODES, _WEIGHTS = hermegauss(24)
_WEIGHTS = _WEIGHTS / math.sqrt(2.0 * math.pi)  # expectations over a standard normal

Recipe = GrowthRecipe | tmd.TmdRecipe
Truth = GrapheneTruth | tmd.TmdTruth


@dataclass(frozen=True)
class Observed:
    """What a lab saw of one growth: whether film grew and, if so, its quality and coverage (None: unknown)."""

    recipe: Recipe
    grew: bool
    quality: float | None = None
    coverage: float | None = None


@dataclass(frozen=True)
class Model:
    """How one kind of world is calibrated: the constants fitted, the world at their standard scores, a fitted
    constant's value at a score, what the world predicts of recipes and which observed figures it is fitted to."""

    material: str  # "graphene" or "tmd": what a world file says it holds
    names: tuple[str, ...]
    truth_at: Callable[[np.ndarray], Any]
    value: Callable[[str, float], float]
    predict: Callable[[Any, Sequence[Any], int], dict[str, np.ndarray]]
    figures: tuple[tuple[str, float], ...]  # observed figure → its σ
    bernoulli: bool  # whether growth is fitted by its Bernoulli likelihood (runs that grow by chance), else by σ_grew


@dataclass(frozen=True)
class Calibration:
    """The fitted world, each fitted constant's posterior 1-σ width (its unit) and prior width, and the fit's
    cost."""

    material: str
    truth: Truth
    widths: dict[str, float]
    prior_widths: dict[str, float]
    cost: float
    n_observed: int

    def pinned(self, shrink: float = 0.5) -> list[str]:
        """The constants the data pinned down: posterior width below ``shrink`` × the prior's."""
        return [n for n in self.widths if self.widths[n] < shrink * self.prior_widths[n]]

    def as_dict(self) -> dict[str, Any]:
        return {"material": self.material, "constants": asdict(self.truth), "posterior_widths": self.widths,
                "prior_widths": self.prior_widths, "observed": self.n_observed}


def truth_at(z: np.ndarray) -> GrapheneTruth:
    """The graphene world whose constants sit at standard scores ``z`` (one per :data:`NAMES`)."""
    return GrapheneTruth(**{name: prior_value(name, float(v)) for name, v in zip(NAMES, z, strict=True)})


def tmd_truth_at(z: np.ndarray) -> tmd.TmdTruth:
    """The TMD world whose fitted constants (:data:`TMD_FITTED`) sit at standard scores ``z``, the others at their
    literature values."""
    fitted = dict(zip(TMD_FITTED, (float(v) for v in z), strict=True))
    return tmd.TmdTruth.at([fitted.get(name, 0.0) for name in TMD_CONSTANTS])


def _tmd_value(name: str, z: float) -> float:
    return getattr(tmd.TmdTruth.at([z if n == name else 0.0 for n in TMD_CONSTANTS]), name)


def _predict_graphene(truth: GrapheneTruth, recipes: Sequence[GrowthRecipe], spots: int) -> dict[str, np.ndarray]:
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


def _predict_tmd(truth: tmd.TmdTruth, recipes: Sequence[tmd.TmdRecipe], spots: int) -> dict[str, np.ndarray]:
    out: dict[str, list[float]] = {"p_grow": [], "coverage": [], "monolayer_fraction": [], "quality": [],
                                   "pl_gap_ev": []}
    for recipe in recipes:
        conditions, seconds = recipe.conditions(), 60.0 * recipe.growth_min
        runs = [tmd.grow(truth, conditions, seconds, math.exp(truth.activity_sigma * z)) for z in _NODES]
        theta = np.array([run.coverage for run in runs])
        found = float(_WEIGHTS @ (1.0 - (1.0 - theta) ** spots))  # P(film in any of the map's spots)
        out["p_grow"].append(found)
        out["coverage"].append(float(_WEIGHTS @ theta) / found if found > 0 else 0.0)  # the film's share of spots
        out["monolayer_fraction"].append(float(_WEIGHTS @ np.array([run.monolayer_coverage for run in runs])))
        out["quality"].append(float(_WEIGHTS @ np.array([tmd.expected_quality(run) for run in runs])))
        rates = tmd.growth_rates(truth, conditions)
        out["pl_gap_ev"].append(a_exciton_ev(rates.x_w, rates.y_se))
    return {key: np.array(values) for key, values in out.items()}


MODELS = {
    "graphene": Model("graphene", NAMES, truth_at, prior_value, _predict_graphene,
                      (("quality", SIGMA_QUALITY), ("coverage", SIGMA_COVERAGE)), bernoulli=False),
    "tmd": Model("tmd", TMD_FITTED, tmd_truth_at, _tmd_value, _predict_tmd, (), bernoulli=True),
}


def _model(of: Recipe | Truth) -> Model:
    return MODELS["tmd" if isinstance(of, tmd.TmdRecipe | tmd.TmdTruth) else "graphene"]


def predict(truth: Truth, recipes: Sequence[Recipe], spots: int = SPOTS) -> dict[str, np.ndarray]:
    """Per recipe: P(grew), expected coverage (TMD: given that it grew), monolayer fraction of the substrate,
    expected quality, and ID/IG (graphene) or the PL gap in eV (TMD)."""
    return _model(truth).predict(truth, recipes, spots)


def observe(truth: Truth, recipes: Sequence[Recipe], rng: np.random.Generator,
            spots: int = SPOTS) -> list[Observed]:
    """What a lab in world ``truth`` sees of ``recipes``: a Raman map of ``spots`` random spots per sample (TMD:
    each run at an activity drawn from the world)."""
    seen = []
    for recipe in recipes:
        if isinstance(truth, tmd.TmdTruth):
            run = tmd.grow(truth, recipe.conditions(), 60.0 * recipe.growth_min, truth.draw_activity(rng))
            film = [s for s in run.spots(spots, rng) if s.layers > 0]
            seen.append(Observed(recipe, bool(film), None, len(film) / spots))
            continue
        sample = grow(truth, recipe.conditions(), 60.0 * recipe.growth_min, STANDARD_ANNEAL_C)
        covered = [s for s in sample.spots(spots, rng) if s.layers > 0]
        quality = sum(math.exp(-s.id_ig / 0.5) for s in covered if s.layers == 1) / spots
        seen.append(Observed(recipe, bool(covered), quality, len(covered) / spots))
    return seen


def _residuals(z: np.ndarray, observed: Sequence[Observed], spots: int, model: Model) -> np.ndarray:
    predicted = model.predict(model.truth_at(z), [o.recipe for o in observed], spots)
    grew = np.array([o.grew for o in observed], float)
    if model.bernoulli:  # deviance residuals: ½Σr² is the negative log-likelihood of what grew
        likelihood = np.clip(np.where(grew > 0, predicted["p_grow"], 1.0 - predicted["p_grow"]), 1e-3, 1.0)
        parts = [z, np.sqrt(-2.0 * np.log(likelihood))]
    else:
        parts = [z, (grew - predicted["p_grow"]) / SIGMA_GREW]
    for key, sigma in model.figures:
        seen = np.array([np.nan if getattr(o, key) is None or not o.grew else getattr(o, key) for o in observed])
        known = np.isfinite(seen)
        parts.append((seen[known] - predicted[key][known]) / sigma)
    return np.concatenate(parts)


def _width(model: Model, name: str, z: float, sd_z: float) -> float:
    """A constant's 1-σ width in its own unit from that of its standard score (central difference)."""
    return abs(model.value(name, z + sd_z) - model.value(name, z - sd_z)) / 2.0


def calibrate(observed: Sequence[Observed], spots: int = SPOTS, max_nfev: int = 60) -> Calibration:
    """The MAP world for ``observed`` (graphene or TMD growths, by their recipes) and its posterior widths (module
    docstring). Raises ValueError without observations or for graphene and TMD growths together."""
    if not observed:
        raise ValueError("calibration needs at least one observed growth")
    models = {_model(o.recipe).material for o in observed}
    if len(models) > 1:
        raise ValueError("calibration fits one kind of world: give graphene growths or TMD growths, not both")
    model = MODELS[models.pop()]
    fit = least_squares(_residuals, np.zeros(len(model.names)), args=(observed, spots, model), bounds=(-3.0, 3.0),
                        max_nfev=max_nfev, x_scale=1.0, diff_step=1e-3)
    covariance = np.linalg.pinv(fit.jac.T @ fit.jac)
    sd = np.sqrt(np.clip(np.diag(covariance), 0.0, None))
    widths = {n: _width(model, n, float(z), float(s)) for n, z, s in zip(model.names, fit.x, sd, strict=True)}
    prior = {n: _width(model, n, 0.0, 1.0) for n in model.names}
    return Calibration(model.material, model.truth_at(fit.x), widths, prior, float(fit.cost), len(observed))


def load_truth(constants: dict[str, Any], material: str = "graphene") -> Truth:
    """A world (``material``: graphene or tmd) from a calibration file's constants; ValueError naming a missing or
    unknown constant or material."""
    if material not in MODELS:
        raise ValueError(f"material {material!r}: a world file holds a graphene or a tmd world")
    kind = GrapheneTruth if material == "graphene" else tmd.TmdTruth
    names = tuple(f.name for f in fields(kind))
    unknown = sorted(set(constants) - set(names))
    missing = [n for n in names if n not in constants]
    if unknown or missing:
        raise ValueError(f"world constants: unknown {unknown}, missing {missing}")
    return kind(**{n: float(constants[n]) for n in names})


def read_world(data: Any) -> Truth:
    """The world of a file ``sdlab calibrate`` wrote (``data``: its YAML): its constants, of a graphene world unless
    its ``material`` says tmd; ValueError for anything else."""
    if not isinstance(data, dict) or not isinstance(data.get("constants"), dict):
        raise ValueError("no constants mapping")
    return load_truth(data["constants"], str(data.get("material", "graphene")))


def world_kind(truth: Truth) -> str:
    """'graphene' or 'tmd': the kind of world ``truth`` is (as its file and the station kinds name it)."""
    return _model(truth).material


def auc(scores: np.ndarray, labels: np.ndarray) -> float:
    """Area under the ROC curve of ``scores`` for binary ``labels`` (ties count half); NaN with one class."""
    labels = np.asarray(labels, bool)
    positive, negative = np.asarray(scores)[labels], np.asarray(scores)[~labels]
    if positive.size == 0 or negative.size == 0:
        return math.nan
    greater = (positive[:, None] > negative[None, :]).sum() + 0.5 * (positive[:, None] == negative[None, :]).sum()
    return float(greater / (positive.size * negative.size))
