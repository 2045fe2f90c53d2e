"""Planner names -> planner classes: ``make_planner`` and ``load``.

Entries are ``"module:Class"`` strings imported on first use, so a backend's heavy dependencies (skopt,
torch/botorch) load only when that planner is used. Adding a planner is one entry in ``PLANNERS``;
``DEFAULT_PLANNER`` is what ``make_planner`` builds when no name is given.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from planners.base import Planner
from planners.objectives import Objective
from planners.space import Space

PLANNERS: dict[str, str] = {
    "random": "planners.random:RandomPlanner",
    "sobol": "planners.random:SobolPlanner",
    "skopt": "planners.gp_skopt:SkoptPlanner",
    "botorch": "planners.gp_botorch:BotorchPlanner",
}
"""Registered planners: name -> ``"module:Class"``."""

DEFAULT_PLANNER = "botorch"
"""The planner ``make_planner`` builds when no name is given (and the CLI's ``--planner`` default)."""


@dataclass(frozen=True)
class PlannerRegistry:
    """Builds planners by name (``registry("botorch", space, objectives=[...], seed=0)``) and restores them
    from ``to_dict()`` state (``registry.from_dict(state)``)."""

    entries: Mapping[str, str]
    default: str

    def __post_init__(self) -> None:
        if self.default not in self.entries:
            raise ValueError(
                f"default planner {self.default!r} is not registered ({', '.join(self.entries)})"
            )

    def names(self) -> tuple[str, ...]:
        """The registered planner names."""
        return tuple(self.entries)

    def planner_class(self, name: str) -> type[Planner]:
        """The class registered as ``name`` (imported now if needed); ValueError for unknown names."""
        if name not in self.entries:
            raise ValueError(f"unknown planner {name!r}; choose one of: {', '.join(self.entries)}")
        module_name, _, class_name = self.entries[name].partition(":")
        cls = getattr(importlib.import_module(module_name), class_name)
        if not (isinstance(cls, type) and issubclass(cls, Planner)):
            raise TypeError(f"planner entry {name!r} ({self.entries[name]}) is not a Planner subclass")
        if cls.name != name:
            raise TypeError(f"planner entry {name!r} points to {cls.__name__}, whose name is {cls.name!r}")
        return cls

    def __call__(
        self,
        name: str | None = None,
        space: Space | None = None,
        objectives: Sequence[Objective] | None = None,
        seed: int | None = None,
        **options: Any,
    ) -> Planner:
        """Build the planner ``name`` (``default`` when None) for ``space`` and ``objectives``.

        ``options`` are planner-specific keyword arguments, e.g. ``n_initial_points`` for ``"skopt"``.
        """
        if space is None:
            raise TypeError("make_planner() needs a space")
        if objectives is None:
            raise TypeError("make_planner() needs objectives, e.g. objectives=[Objective('quality')]")
        return self.planner_class(self.default if name is None else name)(space, objectives, seed, **options)

    def from_dict(self, state: Mapping[str, Any]) -> Planner:
        """Rebuild a planner from its ``to_dict()`` state (the ``name`` field picks the class)."""
        if not isinstance(state, Mapping) or "name" not in state:
            raise ValueError("planner state must be a dict from Planner.to_dict() (it has no 'name')")
        return self.planner_class(state["name"]).from_dict(state)


make_planner = PlannerRegistry(PLANNERS, DEFAULT_PLANNER)
"""Build a planner: ``make_planner("skopt", space, objectives=[Objective("quality")], seed=0)``."""


def load(state: Mapping[str, Any]) -> Planner:
    """Rebuild a planner from its ``to_dict()`` state; same as ``make_planner.from_dict(state)``."""
    return make_planner.from_dict(state)
