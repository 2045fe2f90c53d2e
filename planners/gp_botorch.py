"""Bayesian optimization with BoTorch: the default planner.

Model. Points are encoded in the unit cube (``Space.encode``). Each objective's raw measured value gets its
own ``SingleTaskGP`` (botorch's defaults: RBF ARD kernel with dimension-scaled log-normal lengthscale prior
and LogNormal(-4, 1) noise prior, learned homoscedastic noise, so noisy repeats of a point are fine) with a
fixed-bounds ``Normalize`` input transform and a ``Standardize`` outcome transform. Utilities ("larger is
better": ``y``, ``-y``, or ``-|y - target|`` for ``Objective(target=...)``) are applied to posterior samples
by the acquisition's MC objective, so a target is modelled smoothly rather than through the kink of
``|y - target|``. Categorical parameters are modelled on their (ordinal) unit coordinate. In a space whose points
see local values of a run's shared parameters (``Space.local``: a slot's temperature under the furnace setpoint),
the GPs model the local values in place of the scaled parameters and the slot (``planners.local_conditions``).

Failures. A failed observation (no usable sample) says nothing about the objective; it is left out of the
objective models. Once anything has failed, a feasibility GP is fitted on all points with labels +1
(succeeded) / -1 (failed) and a fixed zero prior mean (unexplored regions: success odds 1:1, not the success
rate, which made the corners far from a few failures look safe), and the acquisition becomes constrained
log-EI: botorch weights each sample's improvement by ``sigmoid(-c / eta)`` with ``c = -feasibility`` (in log
space), i.e. by the probability of success. Points near failures are thus avoided without pretending they
scored badly.

Prior knowledge: a trust region around known-good recipes. When the campaign was given suggested points (a
lab's literature recipes, ``Planner.suggest``), every proposal (initial design included) comes from a box of side
``TRUST_REGION`` (unit coordinates, clipped to the cube). A lab that starts from a recipe known to grow knows that
film grows near it and rarely far from it: in simulated TMD worlds, 12-experiment campaigns whose proposals ranged
over the whole space grew nothing in 40-70 % of their own runs (``benchmarks.tmd_worlds``), while most of the
quality to gain lies within a small step of the literature recipe. Without suggestions the whole space is
searched, as before.

The box is centred on the first suggested point until ``d`` of the planner's own points have been run (or while
nothing has succeeded: one failed run of a literature recipe is bad luck more often than a sign that nothing grows
near it), then on the successful observation with the best posterior-mean utility; it moves with that incumbent.
A TMD run's quality scatters by tens of percent from run to run (the run's activity), so a model of a few runs
cannot rank recipes: in MoSSe worlds the literature recipe measured 0.02 where it is worth 0.37, the box followed
a worse recipe of the S-share bracket, and 8 of 10 campaigns never improved on the literature recipe. A local
design of ``d`` runs around it first gives the model the neighbourhood to tell noise from slope.

Inside the box a proposal changes few settings of the centre at once: each starting candidate moves a random
subset of the coordinates (each with probability ``PERTURBED / d``, at least one) and leaves the others at the
centre, and polishing keeps those others pinned (TuRBO's perturbation masks). Free, the acquisition's optimum
lay at a corner of the box, every setting moved at once along a gradient the model had extrapolated from noise;
a step of one or two settings is what improved on the literature recipe in every simulated world.

Acquisition. One objective, ``q = 1``, nothing pending, no failures, no target: analytic
``LogExpectedImprovement`` with ``best_f`` the best posterior-mean utility at the data (robust to noise).
Otherwise ``qLogNoisyExpectedImprovement`` (batches, pending points, feasibility weighting, targets).
Several objectives: ``qLogNoisyExpectedHypervolumeImprovement`` with the reference point
``min - REF_MARGIN * range`` of the observed utilities. Batches are chosen sequentially (greedy): each
chosen point joins ``X_pending`` of the next, as do the points pending from earlier asks.

Optimizing the acquisition (own loop around ``gen_candidates_scipy``). ``raw_samples`` feasible points are
drawn (scrambled Sobol, rejection against the constraints, snapped to valid integers/categories), plus
``LOCAL_SAMPLES`` Gaussian perturbations of the best observations (as botorch's ``sample_around_best``): late
in a campaign log-EI is large only in a tiny region next to the incumbent that uniform samples miss, so
without them the last few percent to the optimum took many experiments. The best ``num_restarts`` are polished
by L-BFGS-B. Starts are grouped by their categorical values and each group is polished with those coordinates
pinned (a cheap stand-in for ``optimize_acqf_mixed``: every category combination that scores well among the
raw samples gets polished); integers are relaxed and rounded afterwards. With constraints, every start is
polished in the box first (all starts of a group in one L-BFGS-B run); only starts whose polished point leaves
the constraints, at most ``CONSTRAINED_RESTARTS`` of them, are polished again under them by SLSQP (botorch's limit
for non-linear constraints: one start at a time, and several times slower). Where a constraint is not active at
the acquisition's maximum, a feasible box optimum is already the constrained one. The constraints are passed as
differentiable functions of the unit coordinates, so constraints on log-scaled parameters are exact. A polished
point that, after rounding, violates a constraint is replaced by its (feasible) start, and the best of starts and
polished points by acquisition value is proposed: proposals never violate constraints. botorch's
``optimize_acqf_mixed_alternating`` was not used: it needs linear constraints in the optimized coordinates, which
log-scaled parameters do not give. Candidate pools are scored exhaustively.

Speed. Hyperparameters are refitted from scratch only at checkpoints of the history length (every
observation up to ``REFIT_ALWAYS_UNTIL``, then whenever the history has grown by ``REFIT_GROWTH``);
between checkpoints the model reuses the hyperparameters fitted on the history prefix at the last
checkpoint. A fit uses at most ``FIT_SIZE`` of the rows (spread over the history); the GP then conditions
on all of them. Hyperparameters are thus a pure function of the history, so asks stay deterministic and a
planner rebuilt from ``to_dict`` gives the same points; the in-memory cache only saves the refits. With more than
``EXACT_LIMIT`` successful observations the GPs are trained on a subset of ``SUBSET_SIZE`` points (the
``SUBSET_BEST`` best, the ``SUBSET_RECENT`` most recent and an even spread of the rest), which keeps
fit+ask time flat as histories grow.

Threads: torch and BLAS run single-threaded during an ask (restored afterwards): the matrices are small,
and on a busy 2-core machine oversubscribed threads made fits six times slower.

Determinism: every random choice derives from the ask's generator (``seed``, ask count); torch runs under
``torch.random.fork_rng`` seeded from it, in float64. Hypervolume improvement is computed by botorch's PyTorch
code, never by the C++ kernel botorch ≥ 0.18 compiles at its first use (with ``-march=native``): that compile
costs a minute of a fresh machine in the middle of a campaign, and its results would depend on the processor.
"""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Callable, Hashable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from botorch.acquisition import AcquisitionFunction, LogExpectedImprovement, qLogNoisyExpectedImprovement
from botorch.acquisition.multi_objective import logei as hypervolume_logei
from botorch.acquisition.multi_objective.logei import qLogNoisyExpectedHypervolumeImprovement
from botorch.acquisition.multi_objective.objective import GenericMCMultiOutputObjective
from botorch.acquisition.objective import GenericMCObjective, ScalarizedPosteriorTransform
from botorch.exceptions.warnings import InputDataWarning, OptimizationWarning
from botorch.fit import fit_gpytorch_mll
from botorch.generation.gen import gen_candidates_scipy
from botorch.models import ModelListGP, SingleTaskGP
from botorch.models.model import Model
from botorch.models.transforms import ChainedInputTransform, Normalize, Standardize
from gpytorch.means import ZeroMean
from gpytorch.mlls import ExactMarginalLogLikelihood
from threadpoolctl import threadpool_limits

from planners.base import Planner, Point
from planners.local_conditions import LocalConditions, unit_value
from planners.objectives import Objective, Observation, scalarize
from planners.random import sample_feasible, sobol_sampler
from planners.space import Categorical, Space

hypervolume_logei._load_attempted = True  # botorch's own switch: the fused C++ kernel is not compiled (module docs)

INITIAL_POINTS = 3
"""Default number of Sobol points before the first model (counting warm-start observations). With botorch's
dimension-scaled lengthscale prior the GP is sensible from a handful of points, and every extra design point
is an experiment not spent where the model points (Hartmann6, median of 10 seeds to 95 % of the optimum:
26 with 3 points; 34.5 with the earlier ``min(8, d + 2)``)."""

NUM_RESTARTS = 8
"""Default number of starting points polished by gradient ascent per proposed point."""

RAW_SAMPLES = 512
"""Default number of feasible random points scored to pick the starting points."""

LOCAL_SAMPLES = 256
"""Extra raw points drawn around the best observations, so that the acquisition's maximum next to the incumbent
is among the starts once the model is sharp (botorch's ``sample_around_best``, at several scales)."""

LOCAL_BEST = 3
"""Number of best observations the local raw points are drawn around."""

LOCAL_SCALES = (0.002, 0.01, 0.05, 0.15)
"""Standard deviations (unit coordinates) of the local perturbations; each point draws one of them."""

TRUST_REGION = 0.05
"""Side of the box around the trust region's centre that proposals come from when the campaign has suggested
points (module docs)."""

PERTURBED = 1.5
"""Expected number of coordinates a starting candidate moves inside the trust region (module docs)."""

CONSTRAINED_RESTARTS = 3
"""At most this many starts whose box-polished point violates a constraint are polished again under the
constraints (SLSQP runs one start at a time)."""

MAXITER = 20
"""Iteration cap of each polishing run. The starts come from dense raw samples (local ones around the incumbent), so
polishing moves them little: over the asks of a 12-experiment graphene campaign (seed 0), a cap of 20 rather than
100 left the best log-acquisition value at most 0.003 lower and took 44 % of the polishing time (the
acquisition's Monte Carlo form costs ~20 ms an evaluation; L-BFGS-B's later iterations gained next to nothing)."""

REFIT_ALWAYS_UNTIL = 200
"""Up to this many observations, hyperparameters are refitted at every ask."""

REFIT_GROWTH = 1.1
"""Beyond ``REFIT_ALWAYS_UNTIL``, refit when the history has grown by this factor since the last refit."""

EXACT_LIMIT = 500
"""Above this many successful observations the GPs are trained on a subset."""

SUBSET_SIZE = 400
"""Training-set size of the subset model."""

SUBSET_BEST = 120
"""Best observations always kept in the subset."""

SUBSET_RECENT = 80
"""Most recent observations always kept in the subset."""

REF_MARGIN = 0.1
"""Multi-objective reference point: this fraction of each utility's range below its worst observed value."""

FIT_SIZE = 150
"""Hyperparameters are fitted on at most this many training rows (spread over the history); the GP then
conditions on all of them. Hyperparameters settle long before this many points, and the fit's cost (cubic in
the rows, tens of iterations) dominated a cold ask at a few hundred observations."""

CACHE_SIZE = 16
"""Fitted hyperparameter sets kept in memory (keyed by role and the prefix data they were fitted on)."""

_DTYPE = torch.float64


def checkpoint(n: int) -> int:
    """The history length whose prefix the hyperparameters for a history of ``n`` are fitted on."""
    if n <= REFIT_ALWAYS_UNTIL:
        return n
    last = REFIT_ALWAYS_UNTIL
    while True:
        following = max(last + 1, int(last * REFIT_GROWTH))
        if following > n:
            return last
        last = following


def subset_indices(scores: np.ndarray) -> np.ndarray:
    """Indices (sorted) of the training subset for scores of successful observations in history order."""
    n = len(scores)
    if n <= EXACT_LIMIT:
        return np.arange(n)
    chosen = set(np.argsort(-scores, kind="stable")[:SUBSET_BEST].tolist())
    chosen.update(range(n - SUBSET_RECENT, n))
    rest = np.array([i for i in range(n) if i not in chosen])
    spread = rest[np.linspace(0, len(rest) - 1, SUBSET_SIZE - len(chosen)).round().astype(int)]
    return np.array(sorted(chosen | set(spread.tolist())))


def fit_indices(n: int) -> np.ndarray:
    """Indices of the rows (of ``n`` training rows) the hyperparameters are fitted on: all up to ``FIT_SIZE``,
    else ``FIT_SIZE`` spread evenly over the history (the most recent row included)."""
    if n <= FIT_SIZE:
        return np.arange(n)
    return np.unique(np.linspace(0, n - 1, FIT_SIZE).round().astype(int))


@dataclass(frozen=True)
class _Data:
    """Training data derived from a history: encoded points, success flags, raw objective values."""

    x: np.ndarray
    ok: np.ndarray
    y: np.ndarray
    scores: np.ndarray

    @classmethod
    def build(cls, space: Space, objectives: Sequence[Objective], history: Sequence[Observation]) -> _Data:
        """Encode ``history``; ``y`` and ``scores`` (scalarized utilities) cover the successful rows."""
        x = space.encode([o.params for o in history])
        ok = np.array([not o.failed for o in history], dtype=bool)
        values = [o.values or {} for o in history if not o.failed]
        y = np.array([[v[obj.name] for obj in objectives] for v in values], dtype=float).reshape(-1, len(objectives))
        return cls(x, ok, y, scalarize(objectives, values))

    def objective_rows(self) -> tuple[np.ndarray, np.ndarray]:
        """Inputs and values the objective GPs train on (a subset for large histories)."""
        keep = subset_indices(self.scores)
        return self.x[self.ok][keep], self.y[keep]

    def feasibility_rows(self) -> tuple[np.ndarray, np.ndarray]:
        """Inputs and +1/-1 labels the feasibility GP trains on (all failures, successes as subset)."""
        keep = np.flatnonzero(self.ok)[subset_indices(self.scores)]
        rows = np.sort(np.concatenate([keep, np.flatnonzero(~self.ok)[-SUBSET_SIZE:]]))
        return self.x[rows], np.where(self.ok[rows], 1.0, -1.0)[:, None]


@contextmanager
def _torch_context(rng: np.random.Generator) -> Iterator[None]:
    """Seeded torch RNG (forked, so global state is untouched) and single-threaded torch and BLAS."""
    threads = torch.get_num_threads()
    with torch.random.fork_rng(), threadpool_limits(limits=1, user_api="blas"):
        torch.manual_seed(int(rng.integers(2**31 - 1)))
        torch.set_num_threads(1)
        try:
            yield
        finally:
            torch.set_num_threads(threads)


def _unmoved(encoded: np.ndarray, point: np.ndarray) -> np.ndarray:
    """Elementwise: whether coordinates of ``encoded`` equal ``point``'s, up to an encode/decode round trip."""
    return np.isclose(encoded, point, rtol=0.0, atol=1e-9)


@contextmanager
def _silenced() -> Iterator[None]:
    """Warnings dropped: the routine numerics of scoring and polishing candidates (jitter added to a covariance, a
    line search that ended early, a sample in which no baseline point is feasible) are no news to whoever runs a
    campaign, and they filled its terminal. botorch sets its OptimizationWarning to "always" where it warns, which
    overrides an "ignore" filter, so they are recorded and discarded."""
    with warnings.catch_warnings(record=True):
        yield


def _gp(x: np.ndarray, y: np.ndarray, space: Space, zero_mean: bool = False) -> SingleTaskGP:
    """An unfitted SingleTaskGP (botorch's default priors) with a fixed-bounds input transform; over the local
    conditions of a space with local scales (``LocalConditions``).

    Outputs are standardized, or with ``zero_mean`` (feasibility labels) kept raw under a fixed zero prior
    mean, so that unexplored regions are predicted feasible with probability 1/2, not at the success rate."""
    local = LocalConditions(space) if space.local else None
    d = local.width if local is not None else x.shape[1]
    bounds = torch.stack([torch.zeros(d, dtype=_DTYPE), torch.ones(d, dtype=_DTYPE)])
    unit = Normalize(d, bounds=bounds)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InputDataWarning)  # raw +-1 labels are not standardized, on purpose
        return SingleTaskGP(
            torch.as_tensor(x, dtype=_DTYPE),
            torch.as_tensor(y, dtype=_DTYPE).reshape(len(y), 1),
            input_transform=unit if local is None else ChainedInputTransform(local=local, unit=unit),
            outcome_transform=None if zero_mean else Standardize(1),
            mean_module=ZeroMean() if zero_mean else None,
        )


def _hyperparameters(model: SingleTaskGP) -> dict[str, torch.Tensor]:
    """The fitted hyperparameters of ``model`` (transform buffers excluded; they follow the data)."""
    return {
        k: v.detach().clone()
        for k, v in model.state_dict().items()
        if not k.startswith(("input_transform", "outcome_transform"))
    }


def _fit(x: np.ndarray, y: np.ndarray, space: Space, zero_mean: bool = False) -> SingleTaskGP:
    """A SingleTaskGP fitted by maximum marginal likelihood from its default initialization."""
    model = _gp(x, y, space, zero_mean)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", OptimizationWarning)
        fit_gpytorch_mll(ExactMarginalLogLikelihood(model.likelihood, model))
    return model


def _constraint_functions(space: Space) -> list[tuple[Callable[[torch.Tensor], torch.Tensor], bool]]:
    """The space's constraints as intra-point callables ``g(u) >= 0`` on unit coordinates."""
    index = {name: i for i, name in enumerate(space.names)}

    def make(coefficients: dict[str, float], upper: float) -> Callable[[torch.Tensor], torch.Tensor]:
        def g(u: torch.Tensor) -> torch.Tensor:
            total = sum(c * unit_value(space[n], u[..., index[n]]) for n, c in coefficients.items())
            return (upper - total) / max(1.0, abs(upper))

        return g

    return [(make(dict(c.coefficients), c.upper), True) for c in space.constraints]


class BotorchPlanner(Planner):
    """GP Bayesian optimization with BoTorch (log-EI family; see the module docs).

    Options: ``n_initial_points`` (Sobol points before the first model, default ``INITIAL_POINTS``,
    counting warm-start observations), ``num_restarts`` and ``raw_samples`` (acquisition optimization
    effort; lower them for speed in tests).
    """

    name = "botorch"

    def __init__(
        self,
        space: Space,
        objectives: Sequence[Objective],
        seed: int | None = None,
        n_initial_points: int | None = None,
        num_restarts: int = NUM_RESTARTS,
        raw_samples: int = RAW_SAMPLES,
    ) -> None:
        super().__init__(space, objectives, seed)
        if n_initial_points is None:
            n_initial_points = INITIAL_POINTS
        for name, value in (
            ("n_initial_points", n_initial_points),
            ("num_restarts", num_restarts),
            ("raw_samples", raw_samples),
        ):
            if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        if raw_samples < num_restarts:
            raise ValueError(f"raw_samples ({raw_samples}) must be at least num_restarts ({num_restarts})")
        self._n_initial_points = int(n_initial_points)
        self._num_restarts = int(num_restarts)
        self._raw_samples = int(raw_samples)
        self._cache: dict[Hashable, dict[str, torch.Tensor]] = {}
        self._categorical = [i for i, p in enumerate(space.parameters) if isinstance(p, Categorical)]

    def options(self) -> dict[str, Any]:
        """Constructor arguments stored by ``to_dict``."""
        return {
            "n_initial_points": self._n_initial_points,
            "num_restarts": self._num_restarts,
            "raw_samples": self._raw_samples,
        }

    # --- models -----------------------------------------------------------------------------------------

    def _model(self, role: str, rows: Callable[[_Data], tuple[np.ndarray, np.ndarray]]) -> SingleTaskGP:
        """A GP on ``rows`` of the full history, with hyperparameters fitted at the history's checkpoint."""
        zero_mean = role == "feasibility"
        history = self.training_observations()
        x, y = rows(_Data.build(self.space, self.objectives, history))
        prefix = checkpoint(len(history))
        px, py = (x, y) if prefix == len(history) else rows(_Data.build(self.space, self.objectives, history[:prefix]))
        if len(py) < 2:
            px, py = x, y
        key = (role, px.tobytes(), py.tobytes())
        if key not in self._cache:
            if len(self._cache) >= CACHE_SIZE:
                self._cache.clear()
            keep = fit_indices(len(py))
            self._cache[key] = _hyperparameters(_fit(px[keep], py[keep], self.space, zero_mean))
        model = _gp(x, y, self.space, zero_mean)
        model.load_state_dict(self._cache[key], strict=False)
        return model

    def _surrogate(self, data: _Data) -> tuple[Model, bool]:
        """The model (one output per objective, plus feasibility when anything failed) and that flag."""
        models = [
            self._model(f"objective{j}", lambda d, j=j: (d.objective_rows()[0], d.objective_rows()[1][:, j]))
            for j in range(len(self.objectives))
        ]
        constrained = not data.ok.all()
        if constrained:
            models.append(self._model("feasibility", _Data.feasibility_rows))
        return (models[0] if len(models) == 1 else ModelListGP(*models)), constrained

    def _utilities(self, samples: torch.Tensor) -> torch.Tensor:
        """Objective utilities of model samples (last dim: objectives, then feasibility)."""
        return torch.stack([o.utility(samples[..., j]) for j, o in enumerate(self.objectives)], dim=-1)

    def _acquisition(
        self, data: _Data, surrogate: tuple[Model, bool], pending: np.ndarray, q: int
    ) -> AcquisitionFunction:
        """The acquisition function for the next point given the surrogate and ``pending`` (encoded) points."""
        model, constrained = surrogate
        x_ok = torch.as_tensor(data.objective_rows()[0], dtype=_DTYPE)
        x_pending = torch.as_tensor(pending, dtype=_DTYPE) if len(pending) else None
        single = len(self.objectives) == 1
        if single and q == 1 and x_pending is None and not constrained and self.objectives[0].target is None:
            weight = 1.0 if self.objectives[0].maximize else -1.0
            transform = ScalarizedPosteriorTransform(torch.tensor([weight], dtype=_DTYPE))
            with torch.no_grad():
                best = transform.evaluate(model.posterior(x_ok).mean).max()
            return LogExpectedImprovement(model, best_f=best, posterior_transform=transform)
        m = len(self.objectives)
        constraints = [lambda z: -z[..., m]] if constrained else None
        if single:
            return qLogNoisyExpectedImprovement(
                model,
                X_baseline=x_ok,
                objective=GenericMCObjective(lambda z, X=None: self._utilities(z)[..., 0]),
                constraints=constraints,
                X_pending=x_pending,
                cache_root=False,
            )
        utilities = self._utilities(torch.as_tensor(data.y, dtype=_DTYPE))
        low, high = utilities.min(dim=0).values, utilities.max(dim=0).values
        ref_point = low - REF_MARGIN * torch.clamp(high - low, min=1e-6)
        return qLogNoisyExpectedHypervolumeImprovement(
            model,
            ref_point=ref_point,
            X_baseline=x_ok,
            objective=GenericMCMultiOutputObjective(lambda z, X=None: self._utilities(z)),
            constraints=constraints,
            X_pending=x_pending,
            cache_root=False,
        )

    # --- acquisition optimization ----------------------------------------------------------------------

    def _raw_points(
        self, data: _Data, region: tuple[np.ndarray, np.ndarray], rng: np.random.Generator,
        centre: np.ndarray | None = None,
    ) -> np.ndarray:
        """Feasible encoded starting candidates (valid integers and categories): ``raw_samples`` from a seeded
        Sobol draw, and up to ``LOCAL_SAMPLES`` Gaussian perturbations of the best observations; around a trust
        region's ``centre``, ``raw_samples + LOCAL_SAMPLES`` Sobol points each moving a random subset of the
        centre's coordinates (module docs)."""
        lower, upper = region
        sobol = sobol_sampler(len(self.space), rng)
        if centre is not None:
            d = len(self.space)

            def masked(m: int) -> np.ndarray:
                moved = rng.random((m, d)) < min(1.0, PERTURBED / d)
                moved[np.arange(m), rng.integers(d, size=m)] = True
                return np.where(moved, lower + (upper - lower) * sobol(m), centre)

            points, _ = sample_feasible(self.space, self._raw_samples + LOCAL_SAMPLES, masked)
            encoded = self.space.encode(points)
            moved = ~_unmoved(encoded, centre).all(axis=1)  # else snapped back: the centre
            return encoded[moved] if moved.any() else encoded
        points, _ = sample_feasible(self.space, self._raw_samples, lambda m: lower + (upper - lower) * sobol(m))
        best = data.x[data.ok][np.argsort(-data.scores, kind="stable")[:LOCAL_BEST]]
        centres = best[rng.integers(len(best), size=LOCAL_SAMPLES)]
        scales = np.asarray(LOCAL_SCALES)[rng.integers(len(LOCAL_SCALES), size=LOCAL_SAMPLES)]
        local = self.space.decode(np.clip(centres + scales[:, None] * rng.normal(size=centres.shape), lower, upper))
        points += [p for p in local if all(c.satisfied(p) for c in self.space.constraints)]
        return self.space.encode(points)

    def _centre(self, data: _Data, model: Model | None = None) -> np.ndarray | None:
        """The trust region's centre (module docs), None when the whole cube is searched: the first suggested
        point until ``d`` of the planner's own points have been run (or while nothing succeeded), then the
        successful observation with the best posterior-mean utility under ``model`` (one objective; single runs of
        a growth are noisy), else the one with the best score."""
        if not self._suggested:
            return None
        suggested = self.space.encode(self._suggested)
        own = sum(not _unmoved(row, suggested).all(axis=1).any() for row in data.x)
        x = data.x[data.ok]
        if not len(x) or own < len(self.space):
            return suggested[0]
        merit = data.scores
        if model is not None and len(self.objectives) == 1:
            with torch.no_grad():
                mean = model.posterior(torch.as_tensor(x, dtype=_DTYPE)).mean[..., 0]
            merit = self.objectives[0].utility(mean).numpy()
        return x[int(np.argmax(merit))]

    def _region(self, centre: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        """Lower and upper unit coordinates proposals come from: the trust region around ``centre``, clipped to
        the unit cube, or the cube."""
        if centre is None:
            return np.zeros(len(self.space)), np.ones(len(self.space))
        return np.clip(centre - TRUST_REGION / 2, 0.0, 1.0), np.clip(centre + TRUST_REGION / 2, 0.0, 1.0)

    def _polish(
        self, acq: AcquisitionFunction, region: tuple[np.ndarray, np.ndarray], starts: np.ndarray,
        centre: np.ndarray | None = None,
    ) -> np.ndarray:
        """Gradient-polished versions of ``starts``; categorical coordinates stay at each start's values, and so
        do the coordinates a start leaves at the trust region's ``centre``. Every start is polished in the box
        (L-BFGS-B, the starts of a group together); where that leaves the space's constraints, up to
        ``CONSTRAINED_RESTARTS`` of the violating starts are polished again under them (SLSQP, one at a time)."""
        pinned = np.zeros(starts.shape, dtype=bool)
        pinned[:, self._categorical] = True
        if centre is not None:
            pinned |= _unmoved(starts, centre)
        groups = np.unique(np.hstack([pinned, np.where(pinned, starts, 0.0)]), axis=0,
                           return_inverse=True)[1].reshape(-1)
        polished = starts.copy()
        for group in np.unique(groups):
            rows = np.flatnonzero(groups == group)
            polished[rows] = self._gradient_ascent(acq, region, starts[rows], pinned[rows[0]])
        if not self.space.constraints:
            return polished
        constraints = _constraint_functions(self.space)
        with torch.no_grad():
            u = torch.as_tensor(polished, dtype=_DTYPE)
            violated = np.flatnonzero(np.any([(g(u) < 0).numpy() for g, _ in constraints], axis=0))
        for row in violated[:CONSTRAINED_RESTARTS]:
            polished[row] = self._gradient_ascent(acq, region, starts[row : row + 1], pinned[row], constraints)[0]
        return polished

    @staticmethod
    def _gradient_ascent(
        acq: AcquisitionFunction, region: tuple[np.ndarray, np.ndarray], starts: np.ndarray, fixed: np.ndarray,
        constraints: list[tuple[Callable[[torch.Tensor], torch.Tensor], bool]] | None = None,
    ) -> np.ndarray:
        """``starts`` (one group: the same ``fixed`` coordinates, held at the first start's values) polished by
        botorch's ``gen_candidates_scipy`` within ``region``, under ``constraints`` if given."""
        lower, upper = (torch.tensor(bound, dtype=_DTYPE) for bound in region)
        lower[fixed] = upper[fixed] = torch.as_tensor(starts[0, fixed], dtype=_DTYPE)
        with _silenced():
            candidates, _ = gen_candidates_scipy(
                torch.clamp(torch.as_tensor(starts, dtype=_DTYPE), lower, upper).unsqueeze(1),
                acq,
                lower_bounds=lower,
                upper_bounds=upper,
                nonlinear_inequality_constraints=constraints,
                options={"maxiter": MAXITER},
            )
        return candidates.detach().squeeze(1).numpy()

    def _snap(self, encoded: np.ndarray, fallback: np.ndarray) -> np.ndarray:
        """Rows of ``encoded`` decoded to valid points and re-encoded; infeasible ones replaced by ``fallback``."""
        points = self.space.decode(np.clip(encoded, 0.0, 1.0))
        feasible = np.array([all(c.satisfied(p) for c in self.space.constraints) for p in points])
        return np.where(feasible[:, None], self.space.encode(points), fallback)

    @staticmethod
    def _evaluate(acq: AcquisitionFunction, encoded: np.ndarray) -> np.ndarray:
        """Acquisition values of single points, in chunks."""
        with torch.no_grad(), _silenced():
            values = [acq(torch.as_tensor(chunk, dtype=_DTYPE).unsqueeze(1)) for chunk in np.array_split(
                encoded, max(1, len(encoded) // 256)
            )]
        return torch.cat(values).numpy()

    def _next_point(self, acq: AcquisitionFunction, data: _Data, rng: np.random.Generator) -> np.ndarray:
        """The best feasible encoded point found for ``acq``."""
        centre = self._centre(data, acq.model)
        region = self._region(centre)
        raw = self._raw_points(data, region, rng, centre)
        values = self._evaluate(acq, raw)
        starts = raw[np.argsort(-values, kind="stable")[: self._num_restarts]]
        polished = self._polish(acq, region, starts, centre)
        candidates = np.vstack([starts, self._snap(polished, starts[: len(polished)])])
        return candidates[int(np.argmax(self._evaluate(acq, candidates)))]

    def _sequential(
        self, n: int, rng: np.random.Generator, pick: Callable[[AcquisitionFunction, _Data], np.ndarray]
    ) -> list[np.ndarray]:
        """Greedy batch: ``n`` encoded points, each chosen by ``pick`` with the previous ones pending."""
        data = _Data.build(self.space, self.objectives, self.training_observations())
        pending = self.space.encode(self.pending)
        chosen: list[np.ndarray] = []
        with _torch_context(rng):
            surrogate = self._surrogate(data)
            for _ in range(n):
                with _silenced():  # (its baseline's samples: the joint posterior of close points needs jitter)
                    acq = self._acquisition(data, surrogate, np.vstack([pending, *chosen]) if chosen else pending, n)
                chosen.append(pick(acq, data))
        return chosen

    def _modelled(self) -> bool:
        """Whether enough data exists for a model (else the initial design is used)."""
        history = self.training_observations()
        succeeded = sum(not o.failed for o in history)
        return len(history) + len(self.pending) >= self._n_initial_points and succeeded >= 2

    def _propose(self, n: int, rng: np.random.Generator) -> list[Point]:
        if not self._modelled():
            return self._initial_design(n)
        chosen = self._sequential(n, rng, lambda acq, data: self._next_point(acq, data, rng))
        return self.space.decode(np.vstack(chosen))

    def _initial_design(self, n: int) -> list[Point]:
        """The next ``n`` feasible points of the planner's scrambled Sobol sequence."""
        start = len(self.observations) + len(self.pending)
        data = _Data.build(self.space, self.objectives, self.training_observations())
        lower, upper = self._region(self._centre(data))
        sobol = sobol_sampler(len(self.space), self.seed)
        points, _ = sample_feasible(self.space, start + n, lambda m: lower + (upper - lower) * sobol(m))
        return points[start:]

    def _choose(self, n: int, available: list[Point], rng: np.random.Generator) -> list[Point]:
        if not self._modelled():
            return [available[i] for i in rng.choice(len(available), size=n, replace=False)]
        encoded = self.space.encode(available)
        taken: list[int] = []

        def pick(acq: AcquisitionFunction, data: _Data) -> np.ndarray:
            values = self._evaluate(acq, encoded)
            values[taken] = -np.inf
            taken.append(int(np.argmax(values)))
            return encoded[taken[-1]]

        self._sequential(n, rng, pick)
        return [available[i] for i in taken]

