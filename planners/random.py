"""Model-free planners: uniform random and scrambled Sobol sampling of the unit cube.

Both decode unit-cube samples with ``Space.decode`` (so log scales, integers and categories are handled
in one place) and rejection-sample against the linear constraints: after ``MAX_DRAWS`` draws without
finding enough feasible points they raise ``ValueError("constraints are infeasible ...")``. Failed
observations are only recorded; these planners do not learn from data.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Self

import numpy as np
from scipy.stats import qmc

from planners.base import Planner, Point
from planners.objectives import Objective
from planners.space import Space

MAX_DRAWS = 100_000
"""How many unit-cube samples rejection sampling tries per ask before giving up."""

_CHUNK = 256


def sample_feasible(space: Space, n: int, draw: Callable[[int], np.ndarray]) -> tuple[list[Point], int]:
    """Rejection-sample ``n`` feasible points from unit-cube draws.

    ``draw(m)`` returns an ``(m, len(space))`` array of samples in [0, 1). Returns the points and how many
    draws were consumed up to and including the last accepted one (samples after it are unused).
    """
    points: list[Point] = []
    consumed = 0
    while consumed < MAX_DRAWS:
        chunk = space.decode(draw(_CHUNK))
        for offset, point in enumerate(chunk):
            if all(c.satisfied(point) for c in space.constraints):
                points.append(point)
                if len(points) == n:
                    return points, consumed + offset + 1
        consumed += len(chunk)
    raise ValueError(
        f"constraints are infeasible in practice: only {len(points)} of {n} point(s) satisfying "
        f"{[c.expression for c in space.constraints]} found in {MAX_DRAWS} random draws"
    )


def sobol_sampler(dimension: int, seed: int | np.random.Generator, skip: int = 0) -> Callable[[int], np.ndarray]:
    """A draw function for ``sample_feasible``: a scrambled Sobol sequence from position ``skip`` onwards."""
    sobol = qmc.Sobol(dimension, scramble=True, seed=seed)
    if skip:
        sobol.fast_forward(skip)

    def draw(m: int) -> np.ndarray:
        with warnings.catch_warnings():
            # Asks take arbitrary prefixes of one sequence; balance holds for the sequence as a whole.
            warnings.filterwarnings("ignore", message="The balance properties of Sobol")
            return sobol.random(m)

    return draw


class RandomPlanner(Planner):
    """Uniform random sampling (each parameter uniform on its own, possibly log, scale)."""

    name = "random"

    def _propose(self, n: int, rng: np.random.Generator) -> list[Point]:
        points, _ = sample_feasible(self.space, n, lambda m: rng.random((m, len(self.space))))
        return points

    def _choose(self, n: int, available: list[Point], rng: np.random.Generator) -> list[Point]:
        return [available[i] for i in rng.choice(len(available), size=n, replace=False)]


class SobolPlanner(Planner):
    """A scrambled Sobol sequence (seeded), consumed in order across asks; infeasible points are skipped.

    With a candidate pool it takes, for each of the next ``n`` Sobol points, the nearest remaining pool row
    in the unit-cube encoding, which spreads picks over the pool.
    """

    name = "sobol"

    def __init__(self, space: Space, objectives: Sequence[Objective], seed: int | None = None) -> None:
        super().__init__(space, objectives, seed)
        self._position = 0

    def _sampler(self) -> Callable[[int], np.ndarray]:
        """A draw function continuing the sequence at the current position."""
        return sobol_sampler(len(self.space), self.seed, self._position)

    def _propose(self, n: int, rng: np.random.Generator) -> list[Point]:
        points, consumed = sample_feasible(self.space, n, self._sampler())
        self._position += consumed
        return points

    def _choose(self, n: int, available: list[Point], rng: np.random.Generator) -> list[Point]:
        targets = self._sampler()(n)
        self._position += n
        remaining = list(available)
        encoded = self.space.encode(remaining)
        chosen: list[Point] = []
        for target in targets:
            i = int(np.argmin(np.sum((encoded - target) ** 2, axis=1)))
            chosen.append(remaining.pop(i))
            encoded = np.delete(encoded, i, axis=0)
        return chosen

    def to_dict(self) -> dict[str, Any]:
        """The planner's state (see ``Planner.to_dict``) plus its position in the Sobol sequence."""
        return {**super().to_dict(), "sobol_position": self._position}

    @classmethod
    def from_dict(cls, state: Mapping[str, Any]) -> Self:
        """Rebuild a planner from ``to_dict()`` output, continuing the Sobol sequence where it stopped."""
        planner = super().from_dict(state)
        planner._position = int(state["sobol_position"])
        return planner
