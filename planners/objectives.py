"""Objectives, observations, and the scalarization single-objective planners optimize.

Scalarization (``scalarize``), larger is better:

* one objective: its utility — the value when maximizing, ``-value`` when minimizing, and
  ``-|value - target|`` for a target;
* several objectives: each utility is min-max normalized to [0, 1] over the observations being scored
  (a constant column becomes 0.5), then combined by an augmented Chebyshev scalarization with equal
  weights, ``min_i(u_i) + 0.05 * sum_i(u_i)``. The min rewards balanced improvement across objectives
  (it reaches points on concave parts of the Pareto front, unlike a plain sum) and the small sum term
  breaks ties between points that share the same worst objective. Scores are relative to the data
  scored together, so planners rescore the whole history whenever they fit.
"""

from __future__ import annotations

import json
import math
import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

CHEBYSHEV_AUGMENTATION = 0.05
"""Weight of the sum term in the augmented Chebyshev scalarization of several objectives."""


@dataclass(frozen=True)
class Objective:
    """A measured quantity to optimize.

    ``Objective("quality")`` maximizes, ``Objective("defects", maximize=False)`` minimizes and
    ``Objective("bandgap_ev", target=1.70)`` prefers values closest to the target.
    """

    name: str
    maximize: bool = True
    target: float | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise ValueError(f"objective name must be a non-empty string, got {self.name!r}")
        if not isinstance(self.maximize, bool):
            raise ValueError(
                f"objective {self.name!r}: maximize must be True or False, got {self.maximize!r}"
            )
        if self.target is not None:
            if isinstance(self.target, bool) or not isinstance(self.target, numbers.Real):
                raise ValueError(f"objective {self.name!r}: target must be a number, got {self.target!r}")
            if not math.isfinite(self.target):
                raise ValueError(f"objective {self.name!r}: target must be finite, got {self.target}")
            if not self.maximize:
                raise ValueError(f"objective {self.name!r}: give either maximize=False or a target, not both")
            object.__setattr__(self, "target", float(self.target))

    @property
    def direction(self) -> str:
        """``"maximize"``, ``"minimize"`` or ``"target"``."""
        if self.target is not None:
            return "target"
        return "maximize" if self.maximize else "minimize"

    def utility(self, value: float) -> float:
        """The value turned into "larger is better": value, -value, or -|value - target|."""
        if self.target is not None:
            return -abs(value - self.target)
        return value if self.maximize else -value

    def as_dict(self) -> dict[str, Any]:
        """A JSON-serializable description (inverse of ``Objective.from_dict``)."""
        return {"name": self.name, "maximize": self.maximize, "target": self.target}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Objective:
        """Rebuild an objective from its ``as_dict()`` form."""
        return cls(**data)


@dataclass(frozen=True)
class Observation:
    """The outcome of running one point.

    ``values`` maps objective names (and optionally other measured quantities) to finite numbers and must
    cover every objective unless ``failed`` is True (no usable sample); a failed observation's values are
    kept but not used. ``metadata`` is free-form JSON-serializable data (run id, operator, notes).
    """

    params: Mapping[str, Any]
    values: Mapping[str, float] | None = None
    failed: bool = False
    metadata: Mapping[str, Any] | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.params, Mapping) or not all(isinstance(k, str) for k in self.params):
            raise ValueError(
                f"observation params must be a mapping of parameter name to value, got {self.params!r}"
            )
        if not isinstance(self.failed, bool):
            raise ValueError(f"observation failed must be True or False, got {self.failed!r}")
        if self.values is not None and not isinstance(self.values, Mapping):
            raise ValueError(
                f"observation values must be a mapping of objective name to number, got {self.values!r}"
            )
        values: dict[str, float] = {}
        for name, value in (self.values or {}).items():
            if isinstance(value, bool) or not isinstance(value, numbers.Real):
                raise ValueError(f"observation value for objective {name!r} must be a number, got {value!r}")
            if not math.isfinite(value):
                raise ValueError(f"observation value for objective {name!r} must be finite, got {value}")
            values[str(name)] = float(value)
        if not values and not self.failed:
            raise ValueError("an observation needs values for its objectives, or failed=True")
        if self.metadata is not None:
            try:
                json.dumps(self.metadata)
            except (TypeError, ValueError) as err:
                raise ValueError(f"observation metadata must be JSON-serializable: {err}") from None
        object.__setattr__(self, "params", dict(self.params))
        object.__setattr__(self, "values", values)
        object.__setattr__(self, "metadata", None if self.metadata is None else dict(self.metadata))

    def as_dict(self) -> dict[str, Any]:
        """A JSON-serializable description (inverse of ``Observation.from_dict``)."""
        return {
            "params": dict(self.params),
            "values": dict(self.values or {}),
            "failed": self.failed,
            "metadata": None if self.metadata is None else dict(self.metadata),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Observation:
        """Rebuild an observation from its ``as_dict()`` form."""
        return cls(**data)


def scalarize(objectives: Sequence[Objective], values: Sequence[Mapping[str, float]]) -> np.ndarray:
    """One larger-is-better score per row of ``values`` (see the module docs for the formula)."""
    utilities = np.array([[o.utility(row[o.name]) for o in objectives] for row in values], dtype=float)
    if len(objectives) == 1 or not len(values):
        return utilities[:, 0] if len(values) else np.empty(0)
    low, high = utilities.min(axis=0), utilities.max(axis=0)
    span = high - low
    normalized = np.where(span > 0, (utilities - low) / np.where(span > 0, span, 1.0), 0.5)
    return normalized.min(axis=1) + CHEBYSHEV_AUGMENTATION * normalized.sum(axis=1)
