"""The ask/tell planner base class: validation, history, pending points, scalarization and state.

A planner's state is its history: the seed, the observations told, the points asked but not yet told
("pending") and the number of ``ask`` calls. Every ask draws from a fresh random generator seeded with
``(seed, ask_count)`` and depends only on that history, so the same seed and the same sequence of
asks and tells give the same points, and ``from_dict(to_dict())`` (which replays the history through
``tell``) continues exactly where the original left off.

Pending points are the ones a lab is running right now: they are excluded from candidate pools, and
model-based planners treat them as already observed (constant liar) so that repeated asks spread out.
Telling an observation of a pending point removes it from the pending list.

Suggestions (``suggest``): points to run first, such as a literature recipe. The next asks return them, in
order, before anything the planner proposes, skipping those already observed or pending; they are part of the
state, so a rebuilt planner that has seen them run does not return them again.

Warm start (``warm_start``): observations of another campaign (same or overlapping space) are projected
onto this space and kept apart from this campaign's own history: model-based planners train on them
together with their own observations, but ``observations``, ``scores`` and ``best`` cover this campaign
only. They are part of the state (``to_dict``) so a rebuilt planner sees them too.
"""

from __future__ import annotations

import numbers
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any, ClassVar, Self

import numpy as np

from planners.objectives import Objective, Observation, scalarize
from planners.space import CandidatePool, ParamValue, Space

Point = dict[str, ParamValue]
"""A point as planners return it: parameter name -> plain Python float, int or str."""

RUN_ATTEMPTS = 8  # proposals tried for the first point of a run before giving up (``Planner._run``)
STATE_VERSION = 1
"""Version of the ``to_dict`` format."""


class Planner(ABC):
    """Base class of ask/tell planners over a ``Space``.

    Subclasses set ``name`` (their registry name) and implement ``_propose`` (free points) and
    ``_choose`` (points from a candidate pool); this class does the validation and bookkeeping.
    """

    name: ClassVar[str]

    def __init__(self, space: Space, objectives: Sequence[Objective], seed: int | None = None) -> None:
        if not isinstance(space, Space):
            raise ValueError(f"space must be a planners.Space, got {type(space).__name__}")
        if isinstance(objectives, Objective) or not all(isinstance(o, Objective) for o in objectives):
            raise ValueError(f"objectives must be a list of Objective, got {objectives!r}")
        if not objectives:
            raise ValueError("a planner needs at least one Objective")
        names = [o.name for o in objectives]
        for i, name in enumerate(names):
            if name in names[:i]:
                raise ValueError(f"duplicate objective name {name!r}")
        if seed is None:
            seed = int(np.random.SeedSequence().generate_state(1)[0])
        if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
        self._space = space
        self._objectives = tuple(objectives)
        self._seed = int(seed)
        self._observations: list[Observation] = []
        self._pending: list[Point] = []
        self._prior: list[Observation] = []
        self._suggested: list[Point] = []
        self._ask_count = 0

    @property
    def space(self) -> Space:
        """The search space."""
        return self._space

    @property
    def objectives(self) -> tuple[Objective, ...]:
        """The objectives, in order."""
        return self._objectives

    @property
    def seed(self) -> int:
        """The seed every ask derives its random generator from."""
        return self._seed

    @property
    def observations(self) -> tuple[Observation, ...]:
        """Everything told so far, in order, with validated parameters."""
        return tuple(self._observations)

    @property
    def prior_observations(self) -> tuple[Observation, ...]:
        """Observations taken over from other campaigns by ``warm_start`` (projected onto this space)."""
        return tuple(self._prior)

    def warm_start(self, observations: Iterable[Observation]) -> int:
        """Take over another campaign's observations as prior data; returns how many were kept.

        The other campaign's space may differ: parameters this space lacks are dropped from each point (the
        projection assumes they mattered little); an observation missing one of this space's parameters,
        with a value outside this space's bounds, or (unless failed) without a value for every objective
        cannot be placed in this space and is skipped. Non-Observation items raise ValueError.
        """
        kept: list[Observation] = []
        for index, observation in enumerate(observations):
            if not isinstance(observation, Observation):
                raise ValueError(
                    f"warm-start observation {index}: expected an Observation, got {type(observation).__name__}"
                )
            if not all(name in observation.params for name in self._space.names):
                continue
            projected = replace(observation, params={n: observation.params[n] for n in self._space.names})
            try:
                kept.append(self._check(index, projected))
            except ValueError:
                continue
        self._prior.extend(kept)
        return len(kept)

    def suggest(self, points: Iterable[Mapping[str, Any]]) -> None:
        """Queue ``points`` to be asked first (module docs); ValueError names the field of an invalid or
        infeasible point."""
        checked = []
        for index, point in enumerate(points):
            try:
                params = self._space.validate(point)
            except ValueError as err:
                raise ValueError(f"suggested point {index}: {err}") from None
            if not self._space.feasible(params):
                raise ValueError(f"suggested point {index} breaks a constraint of the space: {params}")
            checked.append(params)
        self._suggested.extend(checked)

    @property
    def suggested(self) -> tuple[Point, ...]:
        """The suggested points (``suggest``), asked or not."""
        return tuple(dict(p) for p in self._suggested)

    def _seen(self) -> set[tuple[ParamValue, ...]]:
        """Keys of the points observed or pending."""
        return {self._space.key(p) for p in (*self._pending, *(o.params for o in self._observations))}

    def _queued(self, n: int) -> list[Point]:
        """The first ``n`` suggested points that are neither observed nor pending."""
        if not self._suggested:  # the usual case: no history to go through on every ask
            return []
        seen = self._seen()
        queued: list[Point] = []
        for point in self._suggested:
            key = self._space.key(point)
            if len(queued) < n and key not in seen:
                seen.add(key)
                queued.append(dict(point))
        return queued

    def training_observations(self) -> tuple[Observation, ...]:
        """What a model should learn from: the warm-start observations, then this campaign's own."""
        return (*self._prior, *self._observations)

    @property
    def pending(self) -> tuple[Point, ...]:
        """Points asked for but not yet told."""
        return tuple(dict(p) for p in self._pending)

    def options(self) -> dict[str, Any]:
        """Planner-specific constructor arguments (JSON-serializable), stored by ``to_dict``."""
        return {}

    def ask(self, n: int = 1, candidates: CandidatePool | None = None) -> list[Point]:
        """Propose ``n`` points to run next (all feasible, plain Python values).

        On a space with shared parameters (``Space.shared``) the ``n`` points are one run: they share those
        values and differ in the others (ValueError when fewer than ``n`` such points are left).
        With ``candidates`` (from ``Space.candidates``), return ``n`` distinct rows of the pool that are
        neither observed nor pending; ValueError when fewer than ``n`` are left.
        """
        if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 1:
            raise ValueError(f"n must be a positive integer, got {n!r}")
        n = int(n)
        rng = np.random.default_rng([self._seed, self._ask_count])
        if candidates is None and self._space.shared and n > 1:
            batch = self._run(n, rng)
        elif candidates is None:
            batch = self._queued(n)
            if len(batch) < n:  # the proposals treat the suggested points of this batch as pending
                self._pending.extend(batch)
                try:
                    proposed = self._propose(n - len(batch), rng)
                finally:
                    del self._pending[len(self._pending) - len(batch):]
                batch += proposed
        else:
            if not isinstance(candidates, CandidatePool):
                raise ValueError(
                    f"candidates must be a pool from Space.candidates(frame), got {type(candidates).__name__}"
                )
            if candidates.space != self._space:
                raise ValueError("the candidate pool was built for a different space than this planner's")
            seen = self._seen()
            available = [p for p in candidates.points if self._space.key(p) not in seen]
            if n > len(available):
                raise ValueError(
                    f"candidate pool exhausted: asked for {n} point(s) but only {len(available)} of its "
                    f"{len(candidates)} rows are neither observed nor pending"
                )
            batch = self._choose(n, available, rng)
        points = [self._space.validate(p) for p in batch]
        self._ask_count += 1
        self._pending.extend(points)
        return [dict(p) for p in points]

    def _run(self, n: int, rng: np.random.Generator) -> list[Point]:
        """A run of ``n`` points sharing the space's shared parameters: the first as a single ask would give it
        (a suggestion, else the planner's proposal), the others chosen by the planner among the points of its run
        (``Space.run_pool``) with the first pending, so the planner picks them together (a model-based one by its
        batch acquisition)."""
        first, available, used_up = self._queued(1), [], []
        try:
            for _ in range(RUN_ATTEMPTS):
                first = first or self._propose(1, rng)
                seen = self._seen() | {self._space.key(first[0])}
                run = self._space.run_pool(first[0], rng)
                available = [p for p in run if self._space.key(p) not in seen]
                if len(available) >= n - 1:
                    break
                used_up += run  # a run with no room left: proposed anew with it pending, so the planner moves away
                self._pending += run
                first = []
        finally:
            del self._pending[len(self._pending) - len(used_up):]
        if len(available) < n - 1:
            raise ValueError(f"a run of {n} points needs {n} distinct values of the parameters it does not share "
                             f"({', '.join(p for p in self._space.names if p not in self._space.shared)}); "
                             f"only {len(available) + 1} are left")
        self._pending.extend(first)
        try:
            return [first[0], *self._choose(n - 1, available, rng)]
        finally:
            self._pending.pop()

    def tell(self, observations: Observation | Iterable[Observation]) -> None:
        """Record observations (all are validated before any is recorded).

        Raises ValueError naming the field for unknown, missing or out-of-bounds parameters, and for a
        successful observation lacking a value for an objective.
        """
        batch = [observations] if isinstance(observations, Observation) else list(observations)
        checked = [self._check(i, o) for i, o in enumerate(batch)]
        for observation in checked:
            key = self._space.key(observation.params)
            for i, point in enumerate(self._pending):
                if self._space.key(point) == key:
                    del self._pending[i]
                    break
            self._observations.append(observation)

    def _check(self, index: int, observation: Observation) -> Observation:
        if not isinstance(observation, Observation):
            raise ValueError(
                f"observation {index}: expected an Observation, got {type(observation).__name__}"
            )
        try:
            params = self._space.validate(observation.params)
        except ValueError as err:
            raise ValueError(f"observation {index}: {err}") from None
        if not observation.failed:
            for objective in self._objectives:
                if objective.name not in (observation.values or {}):
                    raise ValueError(
                        f"observation {index}: missing a value for objective {objective.name!r} "
                        "(or mark it failed=True)"
                    )
        return replace(observation, params=params)

    def scores(self) -> list[float | None]:
        """The scalarized score of each observation (larger is better; None for failed ones).

        See ``planners.objectives`` for the scalarization of several objectives.
        """
        succeeded = [o.values or {} for o in self._observations if not o.failed]
        scores = iter(scalarize(self._objectives, succeeded).tolist())
        return [None if o.failed else next(scores) for o in self._observations]

    def best(self) -> Observation | None:
        """The successful observation with the highest score, or None if nothing succeeded yet."""
        scored = [(s, i) for i, s in enumerate(self.scores()) if s is not None]
        return self._observations[max(scored)[1]] if scored else None

    def to_dict(self) -> dict[str, Any]:
        """The planner's full state as a JSON-serializable dict (inverse of ``from_dict``)."""
        return {
            "version": STATE_VERSION,
            "name": self.name,
            "space": self._space.as_dict(),
            "objectives": [o.as_dict() for o in self._objectives],
            "seed": self._seed,
            "options": self.options(),
            "observations": [o.as_dict() for o in self._observations],
            "pending": [dict(p) for p in self._pending],
            "ask_count": self._ask_count,
            "warm_start": [o.as_dict() for o in self._prior],
            "suggested": [dict(p) for p in self._suggested],
        }

    @classmethod
    def from_dict(cls, state: Mapping[str, Any]) -> Self:
        """Rebuild a planner from ``to_dict()`` output by replaying its history."""
        if state.get("version") != STATE_VERSION:
            raise ValueError(
                f"unsupported planner state version {state.get('version')!r}; expected {STATE_VERSION}"
            )
        if state.get("name") != cls.name:
            raise ValueError(
                f"state is for planner {state.get('name')!r}, not {cls.name!r}; use planners.load(state)"
            )
        planner = cls(
            Space.from_dict(state["space"]),
            [Objective.from_dict(o) for o in state["objectives"]],
            seed=state["seed"],
            **state["options"],
        )
        planner.warm_start(Observation.from_dict(o) for o in state.get("warm_start", []))
        planner.suggest(state.get("suggested", []))
        planner.tell([Observation.from_dict(o) for o in state["observations"]])
        planner._pending = [planner.space.validate(p) for p in state["pending"]]
        planner._ask_count = int(state["ask_count"])
        return planner

    @abstractmethod
    def _propose(self, n: int, rng: np.random.Generator) -> list[Point]:
        """Return ``n`` feasible points; ``rng`` is this ask's generator."""

    @abstractmethod
    def _choose(self, n: int, available: list[Point], rng: np.random.Generator) -> list[Point]:
        """Return ``n`` distinct points taken from ``available`` (validated, unobserved pool rows)."""

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(space={self._space!r}, objectives={list(self._objectives)!r}, "
            f"seed={self._seed}, observations={len(self._observations)}, pending={len(self._pending)})"
        )
