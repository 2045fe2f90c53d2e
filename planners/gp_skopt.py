"""Gaussian-process Bayesian optimization with scikit-optimize (``skopt.Optimizer``).

Each ask builds a fresh ``skopt.Optimizer`` (GP surrogate, expected improvement, seeded from the ask's
generator), tells it the whole history in one batch and asks; the planner's state is its history (see
``planners.base``). Details:

* Targets: skopt minimizes, so it is told ``-score`` (see ``planners.objectives.scalarize``).
* Failed observations are told a pessimistic score, ``worst - FAILURE_MARGIN * (best - worst)`` over the
  successful scores (``worst - 1`` when they are all equal, ``0`` when nothing succeeded yet), so the GP
  sees a dip at the failed point and EI steers away from it instead of re-proposing it.
* Batches and pending points use a constant liar: each point already proposed (in this batch or pending
  from earlier asks) is told the best observed score ("CL-min" in skopt's terms) before the next is chosen.
* The first ``n_initial_points`` told points (pending ones included) are random, feasible samples.
* Linear constraints go to skopt as ``space_constraint``; skopt then optimizes the acquisition by sampling
  ``ACQ_POINTS`` feasible random points. skopt finds them by rejection, so each ask may check at most
  ``CONSTRAINT_CHECKS`` points; a feasible region too small for that (below roughly 0.2 % of the box per
  proposed point) raises ``ValueError("constraints are infeasible in practice ...")`` instead of
  searching for minutes. Use a candidate pool for such spaces.
* Without constraints the acquisition is optimized by L-BFGS from the best ``RESTARTS`` of ``ACQ_POINTS``
  random samples: on a 6-D problem with 30 observations this costs about the same as sampling (~0.1 s per
  ask) and finds clearly better acquisition optima.
* When the acquisition optimum is a point already told (common in small discrete spaces), skopt proposes
  a random feasible point instead; its warning about that is silenced.
* BLAS runs single-threaded during fits: the GP matrices are tiny, so threads only add overhead, and on a
  busy machine oversubscribed BLAS threads made asks several times slower.
* Candidate pools: pool rows are scored with the fitted GP's expected improvement and picked greedily
  (with the same constant liar between picks); before the GP exists, rows are picked at random.
"""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np
from skopt import Optimizer
from skopt import space as sk
from skopt.acquisition import gaussian_ei
from threadpoolctl import threadpool_limits

from planners.base import Planner, Point
from planners.objectives import Objective
from planners.space import Categorical, Integer, Parameter, ParamValue, Space

FAILURE_MARGIN = 0.5
"""How far below the worst successful score failed points are told, as a fraction of the score range."""

ACQ_POINTS = 2000
"""Random points at which the acquisition function is evaluated per proposal."""

RESTARTS = 2
"""L-BFGS restarts of the acquisition optimization (unconstrained spaces only)."""

CONSTRAINT_CHECKS = 1_000_000
"""How many sampled points one ask may check against the constraints before giving up."""


def _dimension(parameter: Parameter) -> sk.Dimension:
    """The skopt dimension for a parameter."""
    if isinstance(parameter, Categorical):
        return sk.Categorical(list(parameter.choices), name=parameter.name)
    prior = "log-uniform" if parameter.log else "uniform"
    if isinstance(parameter, Integer):
        return sk.Integer(parameter.low, parameter.high, prior=prior, name=parameter.name)
    return sk.Real(parameter.low, parameter.high, prior=prior, name=parameter.name)


def _too_narrow(space: Space, checks: int) -> ValueError:
    return ValueError(
        "constraints are infeasible in practice for the skopt planner: too few points satisfying "
        f"{[c.expression for c in space.constraints]} among {checks} random samples; loosen the "
        "constraints or ask from a candidate pool"
    )


class _FeasibilityCheck:
    """skopt's ``space_constraint``: the linear constraints, checked on at most CONSTRAINT_CHECKS rows."""

    def __init__(self, space: Space) -> None:
        self._space = space
        self._calls = 0

    def __call__(self, row: Sequence[Any]) -> bool:
        self._calls += 1
        if self._calls > CONSTRAINT_CHECKS:
            raise _too_narrow(self._space, CONSTRAINT_CHECKS)
        point = dict(zip(self._space.names, row, strict=True))
        return all(c.satisfied(point) for c in self._space.constraints)


@contextmanager
def _skopt_context(space: Space) -> Iterator[None]:
    """Single-threaded BLAS, no duplicate-point warnings, and skopt's give-up on sampling as ValueError."""
    with threadpool_limits(limits=1, user_api="blas"), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The objective has been evaluated at point")
        try:
            yield
        except RuntimeError as err:
            if "valid samples" not in str(err):
                raise
            raise _too_narrow(space, 10_000) from err


class SkoptPlanner(Planner):
    """GP-based Bayesian optimization (expected improvement) via ``skopt.Optimizer``.

    ``n_initial_points`` defaults to ``min(10, 2 * len(space) + 1)`` random points before the GP is used.
    """

    name = "skopt"

    def __init__(
        self,
        space: Space,
        objectives: Sequence[Objective],
        seed: int | None = None,
        n_initial_points: int | None = None,
    ) -> None:
        super().__init__(space, objectives, seed)
        if n_initial_points is None:
            n_initial_points = min(10, 2 * len(space) + 1)
        if isinstance(n_initial_points, bool) or not isinstance(n_initial_points, numbers.Integral):
            raise ValueError(f"n_initial_points must be a positive integer, got {n_initial_points!r}")
        if n_initial_points < 1:
            raise ValueError(f"n_initial_points must be a positive integer, got {n_initial_points!r}")
        self._n_initial_points = int(n_initial_points)
        self._dimensions = [_dimension(p) for p in space.parameters]

    @property
    def n_initial_points(self) -> int:
        """How many told points (observed or pending) precede the first GP-based proposal."""
        return self._n_initial_points

    def options(self) -> dict[str, Any]:
        """Constructor arguments stored by ``to_dict``."""
        return {"n_initial_points": self._n_initial_points}

    def _row(self, point: Mapping[str, ParamValue]) -> list[ParamValue]:
        return [point[name] for name in self.space.names]

    def _point(self, row: Sequence[Any]) -> Point:
        return self.space.validate(dict(zip(self.space.names, row, strict=True)))

    def _targets(self) -> list[float]:
        """What skopt is told for each observation (it minimizes): -score, or a pessimistic value."""
        scores = self.scores()
        succeeded = [s for s in scores if s is not None]
        if succeeded:
            worst, best = min(succeeded), max(succeeded)
            spread = best - worst
            distinct = spread > 1e-9 * max(1.0, abs(best), abs(worst))
            penalty = worst - (FAILURE_MARGIN * spread if distinct else 1.0)
        else:
            penalty = 0.0
        return [-(penalty if s is None else s) for s in scores]

    def _optimizer(self, rng: np.random.Generator) -> tuple[Optimizer, float]:
        """A fresh optimizer told the observations and pending points, and the lie for new proposals."""
        constrained = bool(self.space.constraints)
        numeric = any(not isinstance(p, Categorical) for p in self.space.parameters)
        optimizer = Optimizer(
            self._dimensions,
            base_estimator="GP",
            n_initial_points=self._n_initial_points,
            initial_point_generator="random",
            acq_func="EI",
            acq_optimizer="lbfgs" if numeric and not constrained else "sampling",
            acq_optimizer_kwargs={"n_points": ACQ_POINTS, "n_restarts_optimizer": RESTARTS},
            space_constraint=_FeasibilityCheck(self.space) if constrained else None,
            random_state=int(rng.integers(2**31 - 1)),
        )
        targets = self._targets()
        lie = min(targets) if targets else 0.0
        rows = [self._row(o.params) for o in self.observations] + [self._row(p) for p in self.pending]
        if rows:
            optimizer.tell(rows, targets + [lie] * len(self.pending))
        return optimizer, lie

    def _propose(self, n: int, rng: np.random.Generator) -> list[Point]:
        with _skopt_context(self.space):
            optimizer, lie = self._optimizer(rng)
            batch: list[Point] = []
            for i in range(n):
                row = optimizer.ask()
                batch.append(self._point(row))
                if i < n - 1:
                    optimizer.tell(row, lie)
        return batch

    def _choose(self, n: int, available: list[Point], rng: np.random.Generator) -> list[Point]:
        with _skopt_context(self.space):
            optimizer, lie = self._optimizer(rng)
            remaining = list(available)
            chosen: list[Point] = []
            for i in range(n):
                if optimizer.models:
                    encoded = optimizer.space.transform([self._row(p) for p in remaining])
                    ei = gaussian_ei(encoded, optimizer.models[-1], y_opt=float(np.min(optimizer.yi)))
                    index = int(np.argmax(ei))
                else:
                    index = int(rng.integers(len(remaining)))
                chosen.append(remaining.pop(index))
                if i < n - 1:
                    optimizer.tell(self._row(chosen[-1]), lie)
        return chosen
