"""The model's inputs for a space whose points see local values of shared parameters (``Space.local``).

A GP over the raw coordinates would learn each place of a run (a holder's slot) separately. ``LocalConditions``
maps a point's unit coordinates to what it sees: each scaled parameter's local value (on the parameter's own
linear or log scale, mapped to [0, 1] over every place's range), and drops the categorical that names the place.
So what one slot teaches carries to every recipe that gives another slot the same local conditions. The map is
differentiable in the scaled parameters (the place is pinned while the acquisition is polished), as is
``unit_value``, a numeric parameter's value at its unit coordinate (also what the planner's constraints are
evaluated on).
"""

from __future__ import annotations

import numpy as np
import torch
from botorch.models.transforms.input import InputTransform

from planners.space import Categorical, Integer, Real, Space


def unit_value(parameter: Real | Integer, u: torch.Tensor) -> torch.Tensor:
    """A numeric parameter's value as a differentiable function of its unit coordinate (integers relaxed)."""
    low, high = (parameter.low - 0.5, parameter.high + 0.5) if isinstance(parameter, Integer) else (
        parameter.low,
        parameter.high,
    )
    if parameter.log:
        return torch.exp(np.log(low) + u * (np.log(high) - np.log(low)))
    return low + u * (high - low)


class LocalConditions(InputTransform):
    """Unit coordinates of ``space`` (``batch x n x d``) → the model's inputs (``batch x n x d'``, the
    categoricals named by ``space.local`` dropped)."""

    def __init__(self, space: Space) -> None:
        super().__init__()
        self.transform_on_train = self.transform_on_eval = self.transform_on_fantasize = True
        names = space.names
        places = {scale.by for scale in space.local}
        self._keep = [i for i, name in enumerate(names) if name not in places]
        self._scales = []
        for k, scale in enumerate(space.local):
            parameter, by = space[scale.parameter], space[scale.by]
            assert isinstance(parameter, Real) and isinstance(by, Categorical)  # Space checked it
            local_low, local_high = scale.bounds(parameter)
            if parameter.log:
                local_low, local_high = np.log(local_low), np.log(local_high)
            self.register_buffer(f"factors{k}", torch.tensor([scale.factors[c] for c in by.choices],
                                                             dtype=torch.float64))
            self._scales.append((names.index(scale.parameter), names.index(scale.by), len(by.choices), scale.pivot,
                                 parameter, local_low, local_high))

    @property
    def width(self) -> int:
        """The number of model inputs (the space's parameters less the places)."""
        return len(self._keep)

    def transform(self, X: torch.Tensor) -> torch.Tensor:
        columns = list(X.unbind(-1))
        for k, (j, place, choices, pivot, parameter, local_low, local_high) in enumerate(self._scales):
            choice = torch.clamp(torch.floor(X[..., place] * choices), 0, choices - 1).long()
            factor = getattr(self, f"factors{k}").to(X)[choice]
            local = pivot + (unit_value(parameter, X[..., j]) - pivot) * factor
            columns[j] = ((torch.log(local) if parameter.log else local) - local_low) / (local_high - local_low)
        return torch.stack([columns[i] for i in self._keep], dim=-1)
