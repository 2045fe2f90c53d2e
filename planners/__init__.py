"""Ask/tell planners for the self-driving lab: search spaces, objectives and Bayesian optimizers.

A pure library (no imports from the lab, devices or simulators packages)::

    from planners import Space, Real, Integer, Categorical, Objective, Observation, make_planner

    space = Space([Real("temperature_c", 900, 1070), Real("ch4_sccm", 0.5, 50, log=True)],
                  constraints=["ch4_sccm <= 0.05 * temperature_c"])
    planner = make_planner("botorch", space, objectives=[Objective("quality")], seed=0)
    batch = planner.ask(4)
    planner.tell([Observation(batch[0], values={"quality": 0.71}), Observation(batch[1], failed=True)])
    planner = make_planner.from_dict(planner.to_dict())   # or planners.load(state)

Planners: ``random``, ``sobol``, ``skopt`` and ``botorch`` (the default). ``planners.ordering`` orders a
batch to minimize furnace heating/cooling time; ``Planner.warm_start`` seeds a campaign with another's data.
"""

from planners.base import Planner, Point
from planners.objectives import Objective, Observation, scalarize
from planners.registry import DEFAULT_PLANNER, PLANNERS, PlannerRegistry, load, make_planner
from planners.space import (
    CandidatePool,
    Categorical,
    Integer,
    LinearConstraint,
    LocalScale,
    Parameter,
    ParamValue,
    Real,
    Space,
)

__all__ = [
    "DEFAULT_PLANNER",
    "PLANNERS",
    "CandidatePool",
    "Categorical",
    "Integer",
    "LinearConstraint",
    "LocalScale",
    "Objective",
    "Observation",
    "ParamValue",
    "Parameter",
    "Planner",
    "PlannerRegistry",
    "Point",
    "Real",
    "Space",
    "load",
    "make_planner",
    "scalarize",
]
