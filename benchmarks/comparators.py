"""BayBE and Ax as a lab would use them instead of sdlab's planners, behind sdlab's ask/tell calls.

Each library is driven through the API its documentation recommends for a sequential campaign, with its
defaults: BayBE's ``Campaign.recommend`` / ``add_measurements`` (default recommender: random initial points,
then a GP with expected improvement), Ax's service API ``ax.Client`` (``get_next_trials`` /
``complete_trial``; default generation strategy: Sobol, then BoTorch modular BO). A failed run is reported
to Ax with ``mark_trial_failed`` (its documented way); BayBE's single-target objective accepts no missing
values, so a failed run is told the objective's worst possible value (0 for the quality objectives, which is
what a film that did not grow scores). Only the ``bench`` extra installs them (``pip install -e ".[bench]"``).
"""

from __future__ import annotations

import logging
import warnings
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
from typing import Any

from planners import Categorical, Integer, Objective, Observation, Space
from planners.base import Point


class Comparator(ABC):
    """The part of the planner interface the benchmark loop uses: ``suggest``, ``ask(1)`` and ``tell``."""

    def __init__(self, space: Space, objective: Objective, seed: int, failure_value: float) -> None:
        self.space, self.objective, self.seed, self.failure_value = space, objective, seed, failure_value
        self._suggested: list[Point] = []

    def suggest(self, points: Iterable[Mapping[str, Any]]) -> None:
        """Points to run first (the literature recipes), returned by the next asks before any proposal."""
        self._suggested.extend(self.space.validate(p) for p in points)

    def ask(self, n: int = 1) -> list[Point]:
        """The next ``n`` points: suggested ones first, then the library's recommendations."""
        queued, self._suggested = self._suggested[:n], self._suggested[n:]
        return [self._attach(p) for p in queued] + (self._recommend(n - len(queued)) if n > len(queued) else [])

    def _attach(self, point: Point) -> Point:
        """Register a suggested point with the library (where it needs to know of a run before its result)."""
        return point

    @abstractmethod
    def _recommend(self, n: int) -> list[Point]:
        """The library's next ``n`` recommendations."""

    @abstractmethod
    def tell(self, observation: Observation) -> None:
        """Report one run's result to the library."""


class BaybeComparator(Comparator):
    """BayBE ``Campaign`` with its default recommender."""

    def __init__(self, space: Space, objective: Objective, seed: int, failure_value: float) -> None:
        super().__init__(space, objective, seed, failure_value)
        from baybe import Campaign
        from baybe.parameters import CategoricalParameter, NumericalContinuousParameter, NumericalDiscreteParameter
        from baybe.searchspace import SearchSpace
        from baybe.targets import NumericalTarget
        from baybe.utils.random import set_random_seed

        set_random_seed(seed)
        parameters: list[Any] = []
        for p in space.parameters:
            if isinstance(p, Categorical):
                parameters.append(CategoricalParameter(p.name, values=[str(c) for c in p.choices]))
            elif isinstance(p, Integer):
                parameters.append(NumericalDiscreteParameter(p.name, values=list(range(p.low, p.high + 1))))
            else:
                parameters.append(NumericalContinuousParameter(p.name, bounds=(p.low, p.high)))
        constraints = []
        if space.constraints:
            from baybe.constraints import ContinuousLinearConstraint

            constraints = [ContinuousLinearConstraint(parameters=list(c.coefficients), operator="<=",
                                                      coefficients=list(c.coefficients.values()), rhs=c.upper)
                           for c in space.constraints]
        searchspace = SearchSpace.from_product(parameters, constraints=constraints)
        target = NumericalTarget(objective.name, minimize=not objective.maximize)
        self._campaign = Campaign(searchspace=searchspace, objective=target)

    def _recommend(self, n: int) -> list[Point]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            frame = self._campaign.recommend(batch_size=n)
        return [self.space.validate(_typed(self.space, row)) for row in frame.to_dict("records")]

    def tell(self, observation: Observation) -> None:
        import pandas as pd

        value = self.failure_value if observation.failed else (observation.values or {})[self.objective.name]
        row = {**observation.params, self.objective.name: value}
        for p in self.space.parameters:
            if isinstance(p, Categorical):
                row[p.name] = str(row[p.name])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self._campaign.add_measurements(pd.DataFrame([row]), numerical_measurements_must_be_within_tolerance=False)


class AxComparator(Comparator):
    """Ax ``Client`` with its default generation strategy."""

    def __init__(self, space: Space, objective: Objective, seed: int, failure_value: float) -> None:
        super().__init__(space, objective, seed, failure_value)
        from ax import ChoiceParameterConfig, Client, RangeParameterConfig

        logging.getLogger("ax").setLevel(logging.WARNING)
        parameters: list[Any] = []
        for p in space.parameters:
            if isinstance(p, Categorical):
                kind = "str" if isinstance(p.choices[0], str) else "float"
                parameters.append(ChoiceParameterConfig(p.name, values=list(p.choices), parameter_type=kind,
                                                        is_ordered=False))
            else:
                parameters.append(RangeParameterConfig(
                    p.name, bounds=(p.low, p.high), parameter_type="int" if isinstance(p, Integer) else "float",
                    scaling="log" if p.log else "linear"))
        self._client = Client(random_seed=seed)
        self._client.configure_experiment(parameters=parameters,
                                          parameter_constraints=[_ax_constraint(c) for c in space.constraints])
        self._client.configure_optimization(objective=("" if objective.maximize else "-") + objective.name)
        self._trials: dict[tuple[Any, ...], int] = {}

    def _attach(self, point: Point) -> Point:
        self._trials[self.space.key(point)] = self._client.attach_trial(parameters=dict(point))
        return point

    def _recommend(self, n: int) -> list[Point]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            trials = self._client.get_next_trials(max_trials=n)
        points = []
        for index, params in trials.items():
            point = self.space.validate(dict(params))
            self._trials[self.space.key(point)] = index
            points.append(point)
        return points

    def tell(self, observation: Observation) -> None:
        index = self._trials.pop(self.space.key(observation.params))
        if observation.failed:
            self._client.mark_trial_failed(index)
        else:
            self._client.complete_trial(index, raw_data={self.objective.name: (observation.values or {})[
                self.objective.name]})


def _typed(space: Space, row: dict[str, Any]) -> dict[str, Any]:
    """A recommended row with the space's value types (BayBE returns numpy scalars and string categories)."""
    point = {}
    for p in space.parameters:
        value = row[p.name]
        if isinstance(p, Categorical):
            value = next(c for c in p.choices if str(c) == str(value))
        elif isinstance(p, Integer):
            value = round(float(value))
        else:
            value = min(max(float(value), p.low), p.high)
        point[p.name] = value
    return point


def _ax_constraint(constraint: Any) -> str:
    """A linear constraint in Ax's string syntax (``2*x0 + x1 <= 0.8``)."""
    terms = " + ".join(f"{c!r}*{name}" for name, c in constraint.coefficients.items())
    return f"{terms} <= {constraint.upper!r}"


COMPARATORS = {"baybe": BaybeComparator, "ax": AxComparator}
"""Benchmark names of the comparators."""
