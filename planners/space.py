"""Search spaces: parameters, linear constraints, the unit-cube encoding every planner shares, and finite
candidate pools of a space (``Space.candidates``).

Unit-cube encoding (``Space.encode`` / ``Space.decode``): one coordinate in [0, 1] per parameter, in the
order the parameters were given.

* ``Real``: linear (or logarithmic when ``log=True``) between ``low`` and ``high``.
* ``Integer``: like ``Real`` over ``[low - 0.5, high + 0.5]``, then rounded, so every integer owns an equal
  share of the unit interval (an equal share of log space when ``log=True``).
* ``Categorical``: choice ``i`` of ``k`` owns ``[i/k, (i+1)/k)``; it is encoded at the centre of its bin.

Uniform sampling in the cube therefore samples every parameter uniformly on its own (log) scale.

Runs (``Space(..., shared=[...])``): parameters shared by every point of a run, e.g. one furnace recipe for
several substrates whose positions differ; ``Space.run_pool`` lists the points of one run. What a point of a run
sees of a shared parameter may depend on its place in the run (``Space(..., local=[LocalScale(...)])``: a slot's
temperature under the furnace's setpoint); the ``botorch`` planner then models the local values, not the place
(``skopt`` models the raw coordinates; ``random`` and ``sobol`` model nothing).
"""

from __future__ import annotations

import ast
import itertools
import keyword
import math
import numbers
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import linprog

RUN_POOL_SIZE = 256  # points of a run a planner chooses the rest of the run from (``Space.run_pool``)
ParamValue = float | int | str
"""A parameter value as planners return it: a plain Python float, int or str."""


def _check_name(name: object) -> str:
    """Return ``name`` when it can be referenced in a constraint, else raise ValueError."""
    if not isinstance(name, str) or not name.isidentifier() or keyword.iskeyword(name):
        raise ValueError(
            f"parameter name {name!r} must be a Python identifier (letters, digits, underscores; "
            "not starting with a digit), e.g. 'temperature_c'"
        )
    return name


def _finite_real(value: object, what: str) -> float:
    """Return ``value`` as a float, or raise ValueError naming ``what`` if it is not a finite real."""
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
        raise ValueError(f"{what} must be a real number, got {value!r}")
    x = float(value)
    if not math.isfinite(x):
        raise ValueError(f"{what} must be finite, got {x}")
    return x


@dataclass(frozen=True)
class _Numeric:
    """Shared behaviour of Real and Integer: bounds, optional log scale, unit-interval mapping."""

    name: str
    low: float
    high: float
    log: bool = False

    def _coerce(self, value: object, what: str) -> float:
        return _finite_real(value, what)

    def __post_init__(self) -> None:
        _check_name(self.name)
        low = self._coerce(self.low, f"parameter {self.name!r}: low")
        high = self._coerce(self.high, f"parameter {self.name!r}: high")
        if low >= high:
            raise ValueError(f"parameter {self.name!r}: low ({low}) must be smaller than high ({high})")
        if not isinstance(self.log, bool | np.bool_):
            raise ValueError(f"parameter {self.name!r}: log must be True or False, got {self.log!r}")
        if self.log and low <= 0:
            raise ValueError(f"parameter {self.name!r}: log=True needs low > 0, got low={low}")
        object.__setattr__(self, "low", low)
        object.__setattr__(self, "high", high)
        object.__setattr__(self, "log", bool(self.log))

    def _edges(self) -> tuple[float, float]:
        """The interval the unit coordinate maps onto, before any log transform."""
        return float(self.low), float(self.high)

    def _forward(self, x: np.ndarray) -> np.ndarray:
        return np.log(x) if self.log else x

    def _backward(self, t: np.ndarray) -> np.ndarray:
        return np.exp(t) if self.log else t

    def _check_range(self, x: float) -> None:
        if not self.low <= x <= self.high:
            raise ValueError(f"parameter {self.name!r}: {x} is outside the bounds [{self.low}, {self.high}]")

    def to_unit(self, values: Sequence[float]) -> np.ndarray:
        """Map valid values of this parameter to coordinates in [0, 1]."""
        a, b = (self._forward(np.asarray(edge, dtype=float)) for edge in self._edges())
        return (self._forward(np.asarray(values, dtype=float)) - a) / (b - a)

    def _from_unit_raw(self, u: np.ndarray) -> np.ndarray:
        a, b = (self._forward(np.asarray(edge, dtype=float)) for edge in self._edges())
        return self._backward(a + np.clip(u, 0.0, 1.0) * (b - a))


@dataclass(frozen=True)
class Real(_Numeric):
    """A continuous parameter in ``[low, high]``; ``log=True`` samples and models it on a log scale."""

    def validate(self, value: object) -> float:
        """Return ``value`` as a float, or raise ValueError naming this parameter."""
        x = _finite_real(value, f"parameter {self.name!r}")
        self._check_range(x)
        return x

    def from_unit(self, u: np.ndarray) -> list[float]:
        """Map unit coordinates back to values (clipped to the bounds, exact at 0 and 1)."""
        u = np.asarray(u, dtype=float)
        values = np.clip(self._from_unit_raw(u), self.low, self.high)
        return np.where(u <= 0.0, self.low, np.where(u >= 1.0, self.high, values)).tolist()

    def as_dict(self) -> dict[str, Any]:
        """A JSON-serializable description (inverse of ``parameter_from_dict``)."""
        return {"type": "real", "name": self.name, "low": self.low, "high": self.high, "log": self.log}


@dataclass(frozen=True)
class Integer(_Numeric):
    """An integer parameter in ``[low, high]`` (both inclusive); ``log=True`` for a log scale."""

    low: int
    high: int

    def _coerce(self, value: object, what: str) -> float:
        x = _finite_real(value, what)
        if not x.is_integer():
            raise ValueError(f"{what} must be an integer, got {value!r}")
        return x

    def __post_init__(self) -> None:
        super().__post_init__()
        object.__setattr__(self, "low", int(self.low))
        object.__setattr__(self, "high", int(self.high))

    def _edges(self) -> tuple[float, float]:
        return self.low - 0.5, self.high + 0.5

    def validate(self, value: object) -> int:
        """Return ``value`` as an int (integral floats are accepted), or raise ValueError naming it."""
        x = self._coerce(value, f"parameter {self.name!r}")
        self._check_range(x)
        return int(x)

    def from_unit(self, u: np.ndarray) -> list[int]:
        """Map unit coordinates back to integers (rounded, clipped to the bounds)."""
        return np.clip(np.floor(self._from_unit_raw(u) + 0.5), self.low, self.high).astype(int).tolist()

    def as_dict(self) -> dict[str, Any]:
        """A JSON-serializable description (inverse of ``parameter_from_dict``)."""
        return {"type": "integer", "name": self.name, "low": self.low, "high": self.high, "log": self.log}


@dataclass(frozen=True)
class Categorical:
    """A parameter taking one of ``choices`` (all strings, or all numbers)."""

    name: str
    choices: tuple[str | int | float, ...]

    def __post_init__(self) -> None:
        _check_name(self.name)
        if isinstance(self.choices, str) or not isinstance(self.choices, Iterable):
            raise ValueError(f"parameter {self.name!r}: choices must be a list, got {self.choices!r}")
        choices = tuple(c.item() if isinstance(c, np.generic) else c for c in self.choices)
        if not choices:
            raise ValueError(f"parameter {self.name!r}: choices must not be empty")
        if not (all(isinstance(c, str) for c in choices) or all(_is_number(c) for c in choices)):
            raise ValueError(
                f"parameter {self.name!r}: choices must be all strings or all finite numbers, got {choices!r}"
            )
        for i, choice in enumerate(choices):
            if choice in choices[:i]:
                raise ValueError(f"parameter {self.name!r}: duplicate choice {choice!r}")
        object.__setattr__(self, "choices", choices)

    def validate(self, value: object) -> str | int | float:
        """Return the matching choice (as given in ``choices``), or raise ValueError naming this parameter."""
        numeric = not isinstance(self.choices[0], str)
        if (numeric and _is_number(value)) or (not numeric and isinstance(value, str)):
            for choice in self.choices:
                if value == choice:
                    return choice
        raise ValueError(f"parameter {self.name!r}: {value!r} is not one of {list(self.choices)}")

    def to_unit(self, values: Sequence[str | int | float]) -> np.ndarray:
        """Encode choices at the centres of their bins in [0, 1]."""
        index = np.array([self.choices.index(v) for v in values], dtype=float)
        return (index + 0.5) / len(self.choices)

    def from_unit(self, u: np.ndarray) -> list[str | int | float]:
        """Map unit coordinates to the choice owning that bin."""
        k = len(self.choices)
        index = np.clip(np.floor(np.asarray(u, dtype=float) * k), 0, k - 1).astype(int)
        return [self.choices[i] for i in index]

    def as_dict(self) -> dict[str, Any]:
        """A JSON-serializable description (inverse of ``parameter_from_dict``)."""
        return {"type": "categorical", "name": self.name, "choices": list(self.choices)}


@dataclass(frozen=True)
class LocalScale:
    """What a point sees of the shared parameter ``parameter`` by its choice of the categorical ``by``: at choice
    ``c``, ``pivot + (value - pivot) * factors[c]``. E.g. a substrate's temperature in slot ``c`` of a furnace held
    at ``value`` (``pivot``: the ambient temperature, ``factors``: the axial profile's at each slot), or the share
    of a precursor that reaches it. ``factors``: one finite factor > 0 per choice of ``by``. Proposals and
    observations keep the raw values; only the ``botorch`` planner's models see the local ones."""

    parameter: str
    by: str
    factors: Mapping[str | int | float, float]
    pivot: float = 0.0

    def __post_init__(self) -> None:
        if not isinstance(self.factors, Mapping) or not self.factors:
            raise ValueError(f"local scale of {self.parameter!r}: factors must map each choice of {self.by!r} to a "
                             f"factor, got {self.factors!r}")
        factors = {choice: _finite_real(f, f"local scale of {self.parameter!r}: factor of {choice!r}")
                   for choice, f in self.factors.items()}
        if min(factors.values()) <= 0:
            raise ValueError(f"local scale of {self.parameter!r}: factors must be > 0, got {factors}")
        object.__setattr__(self, "factors", factors)
        object.__setattr__(self, "pivot", _finite_real(self.pivot, f"local scale of {self.parameter!r}: pivot"))

    def local(self, value: float, choice: str | int | float) -> float:
        """The value a point at ``choice`` sees when the run's parameter is ``value``."""
        return self.pivot + (value - self.pivot) * self.factors[choice]

    def bounds(self, parameter: Real) -> tuple[float, float]:
        """The range of local values over the parameter's bounds and every choice."""
        ends = [self.local(edge, c) for edge in (parameter.low, parameter.high) for c in self.factors]
        return min(ends), max(ends)

    def check(self, space: Space) -> None:
        """Raise ValueError unless ``parameter`` is a shared Real of ``space`` and ``by`` one of its categoricals
        that is not shared, with a factor for each of its choices (and, on a log scale, positive local values)."""
        where = f"local scale of {self.parameter!r}"
        parameter, by = (space[n] if n in space.names else None for n in (self.parameter, self.by))
        if not isinstance(parameter, Real) or self.parameter not in space.shared:
            raise ValueError(f"{where}: it must name a shared Real parameter of the space")
        if not isinstance(by, Categorical) or self.by in space.shared:
            raise ValueError(f"{where}: by={self.by!r} must name a categorical parameter that is not shared")
        if set(self.factors) != set(by.choices) or len(self.factors) != len(by.choices):
            raise ValueError(f"{where}: factors must give one factor for each choice of {self.by!r} "
                             f"{list(by.choices)}, got {list(self.factors)}")
        if parameter.log and self.bounds(parameter)[0] <= 0:
            raise ValueError(f"{where}: {self.parameter!r} is on a log scale, so its local values must stay > 0 "
                             f"(pivot {self.pivot})")

    def as_dict(self) -> dict[str, Any]:
        """A JSON-serializable description (choices with their factors as pairs: a choice may be a number)."""
        return {"parameter": self.parameter, "by": self.by, "factors": [[c, f] for c, f in self.factors.items()],
                "pivot": self.pivot}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LocalScale:
        """Inverse of ``as_dict``."""
        return cls(data["parameter"], data["by"], {c: f for c, f in data["factors"]}, data.get("pivot", 0.0))


def _is_number(value: object) -> bool:
    return (
        isinstance(value, numbers.Real)
        and not isinstance(value, bool | np.bool_)
        and math.isfinite(float(value))
    )


Parameter = Real | Integer | Categorical
"""Any search-space parameter."""

_PARAMETER_TYPES: dict[str, type[Real] | type[Integer] | type[Categorical]] = {
    "real": Real,
    "integer": Integer,
    "categorical": Categorical,
}


def parameter_from_dict(data: Mapping[str, Any]) -> Parameter:
    """Rebuild a parameter from its ``as_dict()`` form."""
    fields = dict(data)
    kind = fields.pop("type", None)
    if kind not in _PARAMETER_TYPES:
        raise ValueError(f"unknown parameter type {kind!r}; expected one of {sorted(_PARAMETER_TYPES)}")
    return _PARAMETER_TYPES[kind](**fields)


@dataclass(frozen=True)
class LinearConstraint:
    """A parsed linear inequality ``sum(coefficients[name] * params[name]) <= upper``.

    ``expression`` keeps the text it was parsed from (``"h2_sccm + ch4_sccm <= 100"``); ``>=`` constraints
    are normalized by negation, so ``"a >= 2*b"`` becomes ``{"a": -1, "b": 2}``, ``upper == 0``.
    """

    expression: str
    coefficients: Mapping[str, float]
    upper: float

    @classmethod
    def parse(cls, expression: str, parameters: Mapping[str, Parameter]) -> LinearConstraint:
        """Parse ``expression`` (``<=`` or ``>=`` between linear expressions) over ``parameters``.

        Only numbers, numeric parameter names, ``+``, ``-``, multiplication by a constant and division by a
        constant are allowed; anything else raises a ValueError naming the constraint. Nothing is evaluated.
        """
        if not isinstance(expression, str):
            raise ValueError(f"constraint {expression!r} must be a string such as 'a + b <= 100'")
        try:
            tree = ast.parse(expression.strip(), mode="eval")
        except SyntaxError as err:
            raise ValueError(f"constraint {expression!r} is not a valid expression: {err.msg}") from None
        body = tree.body
        if not isinstance(body, ast.Compare) or len(body.ops) != 1:
            raise ValueError(
                f"constraint {expression!r} must be exactly one comparison, e.g. 'a + b <= 100' "
                "(write a range as two constraints)"
            )
        op = body.ops[0]
        if not isinstance(op, ast.LtE | ast.GtE):
            raise ValueError(f"constraint {expression!r}: use '<=' or '>=' as the comparison")
        left = _affine(body.left, expression, parameters)
        right = _affine(body.comparators[0], expression, parameters)
        sign = 1.0 if isinstance(op, ast.LtE) else -1.0
        names = [n for n in parameters if n in left[0] or n in right[0]]
        coefficients = {n: sign * (left[0].get(n, 0.0) - right[0].get(n, 0.0)) for n in names}
        coefficients = {n: c for n, c in coefficients.items() if c != 0.0}
        if not coefficients:
            raise ValueError(f"constraint {expression!r} does not depend on any parameter")
        return cls(expression, coefficients, sign * (right[1] - left[1]))

    def satisfied(self, params: Mapping[str, Any]) -> bool:
        """Whether ``params`` satisfies the inequality (with a relative tolerance of 1e-9)."""
        total, scale = 0.0, max(1.0, abs(self.upper))
        for name, coefficient in self.coefficients.items():
            term = coefficient * float(params[name])
            total += term
            scale = max(scale, abs(term))
        return total <= self.upper + 1e-9 * scale


_Affine = tuple[dict[str, float], float]


def _affine(node: ast.expr, expression: str, parameters: Mapping[str, Parameter]) -> _Affine:
    """Reduce an expression node to (coefficients, constant), refusing anything non-linear."""

    def fail(why: str) -> ValueError:
        return ValueError(f"constraint {expression!r}: {why}")

    match node:
        case ast.Constant(value=value) if _is_number(value):
            return {}, float(value)
        case ast.Name(id=name):
            if name not in parameters:
                raise fail(f"unknown parameter {name!r} (the space has: {', '.join(parameters)})")
            if isinstance(parameters[name], Categorical):
                raise fail(f"parameter {name!r} is categorical; constraints may only use numeric parameters")
            return {name: 1.0}, 0.0
        case ast.UnaryOp(op=ast.UAdd() | ast.USub() as op, operand=operand):
            coefficients, constant = _affine(operand, expression, parameters)
            sign = -1.0 if isinstance(op, ast.USub) else 1.0
            return {n: sign * c for n, c in coefficients.items()}, sign * constant
        case ast.BinOp(left=left_node, op=ast.Add() | ast.Sub() as op, right=right_node):
            left, right = (
                _affine(left_node, expression, parameters),
                _affine(right_node, expression, parameters),
            )
            sign = 1.0 if isinstance(op, ast.Add) else -1.0
            coefficients = dict(left[0])
            for n, c in right[0].items():
                coefficients[n] = coefficients.get(n, 0.0) + sign * c
            return coefficients, left[1] + sign * right[1]
        case ast.BinOp(left=left_node, op=ast.Mult(), right=right_node):
            left, right = (
                _affine(left_node, expression, parameters),
                _affine(right_node, expression, parameters),
            )
            if left[0] and right[0]:
                raise fail(f"non-linear term {ast.unparse(node)!r} (a product of parameters)")
            factor, term = (left[1], right) if not left[0] else (right[1], left)
            return {n: factor * c for n, c in term[0].items()}, factor * term[1]
        case ast.BinOp(left=left_node, op=ast.Div(), right=right_node):
            left, right = (
                _affine(left_node, expression, parameters),
                _affine(right_node, expression, parameters),
            )
            if right[0]:
                raise fail(f"non-linear term {ast.unparse(node)!r} (division by a parameter)")
            if right[1] == 0.0:
                raise fail(f"division by zero in {ast.unparse(node)!r}")
            return {n: c / right[1] for n, c in left[0].items()}, left[1] / right[1]
        case _:
            raise fail(
                f"{ast.unparse(node)!r} is not allowed; use numbers, numeric parameters, + - and "
                "multiplication/division by constants"
            )


class Space:
    """An ordered set of parameters plus linear constraints over the numeric ones.

    ``Space([Real("temperature_c", 900, 1070), Categorical("substrate", ["Cu", "CuNi"])],
    constraints=["h2_sccm + ch4_sccm <= 100"])``. Raises ValueError for an empty space, duplicate
    names, and constraints that cannot be parsed or that no point within the bounds satisfies.
    """

    def __init__(self, parameters: Sequence[Parameter], constraints: Iterable[str] = (),
                 shared: Iterable[str] = (), local: Iterable[LocalScale] = ()) -> None:
        parameters = tuple(parameters)
        if not parameters:
            raise ValueError("a Space needs at least one parameter")
        by_name: dict[str, Parameter] = {}
        for parameter in parameters:
            if not isinstance(parameter, Real | Integer | Categorical):
                raise ValueError(f"space parameters must be Real, Integer or Categorical, got {parameter!r}")
            if parameter.name in by_name:
                raise ValueError(f"duplicate parameter name {parameter.name!r}")
            by_name[parameter.name] = parameter
        if isinstance(constraints, str):
            raise ValueError(f"constraints must be a list of strings, got the string {constraints!r}")
        self._parameters = parameters
        self._by_name = by_name
        self._constraints = tuple(LinearConstraint.parse(c, by_name) for c in constraints)
        self._check_satisfiable()
        if isinstance(shared, str):
            raise ValueError(f"shared must be a list of parameter names, got the string {shared!r}")
        self._shared = tuple(dict.fromkeys(shared))
        unknown = [name for name in self._shared if name not in by_name]
        if unknown:
            raise ValueError(f"shared parameter {unknown[0]!r} is not in the space (it has: {', '.join(by_name)})")
        if self._shared and len(self._shared) == len(parameters):
            raise ValueError("shared: a run needs at least one parameter that is not shared (e.g. a position)")
        self._local = tuple(local)
        for scale in self._local:
            if not isinstance(scale, LocalScale):
                raise ValueError(f"local must be a list of LocalScale, got {scale!r}")
            scale.check(self)
        scaled = [scale.parameter for scale in self._local]
        if len(set(scaled)) != len(scaled):
            raise ValueError(f"local: each parameter may have one local scale, got {scaled}")

    def _check_satisfiable(self) -> None:
        """Raise ValueError when no point within the bounds satisfies the constraints (LP relaxation)."""
        numeric = [p for p in self._parameters if isinstance(p, Real | Integer)]
        bounds = {p.name: (p.low, p.high) for p in numeric}
        for constraint in self._constraints:
            lowest = math.fsum(
                c * (bounds[n][0] if c > 0 else bounds[n][1]) for n, c in constraint.coefficients.items()
            )
            if lowest > constraint.upper + 1e-9 * max(1.0, abs(constraint.upper), abs(lowest)):
                raise ValueError(
                    f"constraint {constraint.expression!r} is infeasible: its left-hand side is at least "
                    f"{lowest} within the parameter bounds"
                )
        if len(self._constraints) > 1:
            result = linprog(
                np.zeros(len(numeric)),
                A_ub=[[c.coefficients.get(p.name, 0.0) for p in numeric] for c in self._constraints],
                b_ub=[c.upper for c in self._constraints],
                bounds=[bounds[p.name] for p in numeric],
            )
            if result.status == 2:
                raise ValueError(
                    "constraints are infeasible: no point within the parameter bounds satisfies all of "
                    f"{[c.expression for c in self._constraints]}"
                )

    @property
    def parameters(self) -> tuple[Parameter, ...]:
        """The parameters, in order."""
        return self._parameters

    @property
    def constraints(self) -> tuple[LinearConstraint, ...]:
        """The parsed constraints, each normalized to ``sum(c * x) <= upper``."""
        return self._constraints

    @property
    def names(self) -> tuple[str, ...]:
        """Parameter names, in order."""
        return tuple(self._by_name)

    @property
    def shared(self) -> tuple[str, ...]:
        """The parameters shared by a run (one value for every point of an ``ask``); empty: none."""
        return self._shared

    @property
    def local(self) -> tuple[LocalScale, ...]:
        """How points of a run see its shared parameters by their place in it; empty: alike."""
        return self._local

    def run_pool(self, point: Mapping[str, Any], rng: np.random.Generator,
                 size: int = RUN_POOL_SIZE) -> list[dict[str, ParamValue]]:
        """Feasible points of the run of ``point``: its shared values, and every combination of the other
        parameters' values (categories and integers of up to ``size`` values enumerated, reals drawn), at most
        ``size`` of them (a seeded sample of the combinations beyond that)."""
        fixed = self.validate(point)
        levels: list[list[ParamValue]] = []
        for parameter in self._parameters:
            if parameter.name in self._shared:
                levels.append([fixed[parameter.name]])
            elif isinstance(parameter, Categorical):
                levels.append(list(parameter.choices))
            elif isinstance(parameter, Integer) and parameter.high - parameter.low < size:
                levels.append(list(range(int(parameter.low), int(parameter.high) + 1)))
            else:
                levels.append(parameter.from_unit(rng.random(size)))
        combinations = math.prod(len(values) for values in levels)
        if combinations <= size:
            rows = [list(combo) for combo in itertools.product(*levels)]
        else:
            rows = [[values[int(rng.integers(len(values)))] for values in levels] for _ in range(size)]
        points = [dict(zip(self.names, row, strict=True)) for row in rows]
        return [p for p in points if all(c.satisfied(p) for c in self._constraints)]

    def __len__(self) -> int:
        return len(self._parameters)

    def __getitem__(self, name: str) -> Parameter:
        return self._by_name[name]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Space) and self.as_dict() == other.as_dict()

    def __hash__(self) -> int:
        return hash(repr(self.as_dict()))

    def __repr__(self) -> str:
        constraints = [c.expression for c in self._constraints]
        shared = f", shared={list(self._shared)!r}" if self._shared else ""
        local = f", local={list(self._local)!r}" if self._local else ""
        return f"Space({list(self._parameters)!r}, constraints={constraints!r}{shared}{local})"

    def validate(self, params: Mapping[str, Any]) -> dict[str, ParamValue]:
        """Check a point and return it with plain Python values, in parameter order.

        Raises ValueError naming the parameter for unknown or missing names, non-finite or out-of-bounds
        numbers, non-integers for Integer parameters and unknown categories. Constraints are not checked
        here (see ``feasible``).
        """
        if not isinstance(params, Mapping):
            raise ValueError(f"a point must be a mapping of parameter name to value, got {params!r}")
        for name in params:
            if name not in self._by_name:
                raise ValueError(f"unknown parameter {name!r} (the space has: {', '.join(self.names)})")
        missing = [name for name in self.names if name not in params]
        if missing:
            raise ValueError(
                f"missing parameter {missing[0]!r} (a point needs all of: {', '.join(self.names)})"
            )
        return {p.name: p.validate(params[p.name]) for p in self._parameters}

    def feasible(self, params: Mapping[str, Any]) -> bool:
        """Whether a point satisfies every constraint (the point itself must be valid, see ``validate``)."""
        point = self.validate(params)
        return all(c.satisfied(point) for c in self._constraints)

    def key(self, params: Mapping[str, Any]) -> tuple[ParamValue, ...]:
        """A hashable identity of a point: its validated values in parameter order."""
        return tuple(self.validate(params).values())

    def encode(self, points: Iterable[Mapping[str, Any]]) -> np.ndarray:
        """Encode valid points as an ``(n, len(space))`` array in the unit cube (see the module docs)."""
        rows = [self.validate(p) for p in points]
        columns = [p.to_unit([row[p.name] for row in rows]) for p in self._parameters]
        return np.column_stack(columns) if rows else np.empty((0, len(self)))

    def decode(self, unit: np.ndarray | Sequence[Sequence[float]]) -> list[dict[str, ParamValue]]:
        """Decode an ``(n, len(space))`` array from the unit cube (values are clipped into it) to points."""
        u = np.asarray(unit, dtype=float)
        if u.ndim != 2 or u.shape[1] != len(self):
            raise ValueError(f"decode needs an array of shape (n, {len(self)}), got shape {u.shape}")
        columns = [p.from_unit(u[:, j]) for j, p in enumerate(self._parameters)]
        return [dict(zip(self.names, values, strict=True)) for values in zip(*columns, strict=True)]

    def candidates(self, frame: pd.DataFrame) -> CandidatePool:
        """A finite pool of points to choose from, one per row of ``frame`` (see ``CandidatePool``)."""
        return CandidatePool(self, frame)

    def as_dict(self) -> dict[str, Any]:
        """A JSON-serializable description (inverse of ``Space.from_dict``)."""
        shared = {"shared": list(self._shared)} if self._shared else {}  # (a space without: as before)
        local = {"local": [scale.as_dict() for scale in self._local]} if self._local else {}
        return {
            "parameters": [p.as_dict() for p in self._parameters],
            "constraints": [c.expression for c in self._constraints],
            **shared,
            **local,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Space:
        """Rebuild a space from its ``as_dict()`` form."""
        return cls([parameter_from_dict(p) for p in data["parameters"]], data.get("constraints", ()),
                   data.get("shared", ()), [LocalScale.from_dict(scale) for scale in data.get("local", ())])


class CandidatePool:
    """The rows of a DataFrame that a planner may propose, validated against a space.

    Built by ``Space.candidates(frame)``; ``planner.ask(n, candidates=pool)`` then returns only points of
    the pool that are neither observed nor pending. Rules:

    * ``frame`` needs a column per parameter; a missing column raises ValueError naming it. Extra columns
      (sample ids, notes) are kept in ``frame`` and ignored by planners.
    * Every row must be a valid point: a value outside its bounds, a non-integer for an Integer parameter,
      an unknown category or a NaN raises ValueError naming the row label and the parameter. A bad row is a
      data error (wrong units, a typo), so it is reported, not skipped.
    * Rows that violate the space's linear constraints are dropped, and so are rows repeating an earlier
      row's parameter values (points are identified by their values); ``dropped`` holds their labels. A
      pool left empty raises ValueError.
    """

    def __init__(self, space: Space, frame: pd.DataFrame) -> None:
        if not isinstance(frame, pd.DataFrame):
            raise ValueError(f"candidates must be a pandas DataFrame, got {type(frame).__name__}")
        missing = [name for name in space.names if name not in frame.columns]
        if missing:
            raise ValueError(
                f"candidate frame is missing column(s) {missing} (it needs one column per parameter: "
                f"{', '.join(space.names)})"
            )
        kept: list[int] = []
        dropped: list[int] = []
        points: list[dict[str, ParamValue]] = []
        labels: dict[tuple[ParamValue, ...], Hashable] = {}
        rows = frame[list(space.names)].itertuples(index=False, name=None)
        for position, (label, row) in enumerate(zip(frame.index, rows, strict=True)):
            try:
                point = space.validate(dict(zip(space.names, row, strict=True)))
            except ValueError as err:
                raise ValueError(f"candidate row {label!r}: {err}") from None
            key = tuple(point.values())
            if key in labels or not all(c.satisfied(point) for c in space.constraints):
                dropped.append(position)
                continue
            kept.append(position)
            points.append(point)
            labels[key] = label
        if not points:
            raise ValueError(
                f"no candidate row satisfies the constraints {[c.expression for c in space.constraints]}"
            )
        self._space = space
        self._frame = frame.iloc[kept]
        self._dropped = frame.index[dropped]
        self._points = tuple(points)
        self._labels = labels

    @property
    def space(self) -> Space:
        """The space the rows were validated against."""
        return self._space

    @property
    def frame(self) -> pd.DataFrame:
        """The kept rows, with all their original columns and index labels."""
        return self._frame

    @property
    def dropped(self) -> pd.Index:
        """Labels of rows dropped for violating a constraint or repeating an earlier row."""
        return self._dropped

    @property
    def points(self) -> tuple[dict[str, ParamValue], ...]:
        """The kept rows as validated points (plain Python values), in row order."""
        return tuple(dict(p) for p in self._points)

    def __len__(self) -> int:
        return len(self._points)

    def locate(self, params: Mapping[str, Any]) -> Hashable:
        """The index label of the row holding ``params``; ValueError if the pool has no such row."""
        key = self._space.key(params)
        if key not in self._labels:
            raise ValueError(f"point {dict(params)!r} is not in the candidate pool")
        return self._labels[key]
