"""A plain BoTorch loop as a baseline planner: what a lab would write from the BoTorch tutorial.

``SingleTaskGP`` (botorch defaults) on the unit-cube encoding and the scalarized score, fitted from scratch
at every ask, ``qLogExpectedImprovement`` with ``best_f`` the best observed score, ``optimize_acqf`` with
its usual ``num_restarts=10, raw_samples=512``. Failed points are told the worst observed score; proposals
violating a constraint (after rounding) are replaced by random feasible points. The initial design is
``min(10, d + 4)`` random points. Not registered in ``planners`` (benchmark use only).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from botorch.acquisition import qLogExpectedImprovement
from botorch.fit import fit_gpytorch_mll
from botorch.models import SingleTaskGP
from botorch.optim import optimize_acqf
from gpytorch.mlls import ExactMarginalLogLikelihood

from planners import Objective, Planner, Point, Space
from planners.random import sample_feasible


class PlainBotorchPlanner(Planner):
    """SingleTaskGP + qLogExpectedImprovement with defaults (see the module docs)."""

    name = "plain-botorch"

    def __init__(self, space: Space, objectives: Sequence[Objective], seed: int | None = None) -> None:
        super().__init__(space, objectives, seed)
        self._n_initial = min(10, len(space) + 4)

    def _random(self, n: int, rng: np.random.Generator) -> list[Point]:
        return sample_feasible(self.space, n, lambda m: rng.random((m, len(self.space))))[0]

    def _propose(self, n: int, rng: np.random.Generator) -> list[Point]:
        scores = self.scores()
        succeeded = [s for s in scores if s is not None]
        if len(self.observations) + len(self.pending) < self._n_initial or len(succeeded) < 2:
            return self._random(n, rng)
        y = np.array([min(succeeded) if s is None else s for s in scores])[:, None]
        x = self.space.encode([o.params for o in self.observations])
        with torch.random.fork_rng():
            torch.manual_seed(int(rng.integers(2**31 - 1)))
            model = SingleTaskGP(torch.tensor(x), torch.tensor(y))
            fit_gpytorch_mll(ExactMarginalLogLikelihood(model.likelihood, model))
            pending = torch.tensor(self.space.encode(self.pending)) if self.pending else None
            acq = qLogExpectedImprovement(model, best_f=float(y.max()), X_pending=pending)
            bounds = torch.stack([torch.zeros(len(self.space)), torch.ones(len(self.space))]).double()
            candidates, _ = optimize_acqf(acq, bounds=bounds, q=n, num_restarts=10, raw_samples=512)
        points = self.space.decode(candidates.detach().numpy())
        return [p if self.space.feasible(p) else self._random(1, rng)[0] for p in points]

    def _choose(self, n: int, available: list[Point], rng: np.random.Generator) -> list[Point]:
        return [available[i] for i in rng.choice(len(available), size=n, replace=False)]
