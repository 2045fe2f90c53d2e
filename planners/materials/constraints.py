"""Design constraints ("Mo-based, S/Se mix") and targets ("bandgap_ev=1.70") parsed from text.

Constraint text is a list of clauses separated by commas or semicolons (case of element symbols matters):

| clause | meaning |
|---|---|
| ``Mo-based`` / ``Se-based`` | that sublattice holds only this element |
| ``Mo/W`` | that sublattice may hold only these elements (any mix, including one alone) |
| ``S/Se mix`` | that sublattice holds exactly these elements, each with a fraction > 0 |
| ``no Te`` / ``without Te`` | the element is absent |
| ``W=0.25``, ``Se>=0.5``, ``Te<=0.3`` | (inclusive) bounds on an element's fraction on its own sublattice |
| ``lattice within 1% of MoS2`` | Vegard lattice constant within 1 % of an end member's a, of a substrate |
| | (``hBN``, ``graphene``) or of a number in Å (``lattice within 0.5% of 3.20``) |

Unknown elements, clauses that cannot be read and clauses that contradict each other raise ValueError
naming the clause; ``DesignConstraints.check_feasible`` tells whether any composition satisfies them all.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from planners.materials.chemistry import (
    CHALCOGENS,
    LATTICE_A,
    METALS,
    SPECIES,
    Candidate,
    composition_grid,
    sublattice,
    vegard,
)
from planners.objectives import Objective

SUBSTRATE_LATTICE_A: dict[str, float] = {"hBN": 2.504, "graphene": 2.461}
"""In-plane lattice constants (Å) of substrates a constraint may name besides the end members."""

TARGET_PROPERTIES: dict[str, tuple[float, float, float]] = {"bandgap_ev": (0.5, 3.5, 0.05)}
"""Property name -> (lowest and highest sensible target, default tolerance)."""

_ELEMENT = r"[A-Z][a-z]?"
_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_EXAMPLES = "'Mo-based', 'Mo/W', 'S/Se mix', 'no Te', 'W<=0.5', 'lattice within 1% of MoS2'"


@dataclass(frozen=True)
class DesignConstraints:
    """Which compositions are allowed. Build from text with ``parse_constraints``.

    ``allowed``: elements that may appear; ``required``: elements that must appear; ``bounds``: element ->
    (low, high) fraction on its own sublattice; ``lattice``: (a in Å, relative tolerance) or None.
    """

    allowed: frozenset[str] = frozenset(SPECIES)
    required: frozenset[str] = frozenset()
    bounds: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    lattice: tuple[float, float] | None = None
    text: str = ""

    def mask(self, matrix: np.ndarray) -> np.ndarray:
        """Which rows of a composition matrix (``SPECIES`` columns) satisfy every constraint."""
        ok = np.ones(len(matrix), dtype=bool)
        for column, element in enumerate(SPECIES):
            x = matrix[:, column]
            if element not in self.allowed:
                ok &= x <= 0
            if element in self.required:
                ok &= x > 0
            low, high = self.bounds.get(element, (0.0, 1.0))
            ok &= (x >= low - 1e-9) & (x <= high + 1e-9)
        if self.lattice is not None:
            target, tolerance = self.lattice
            ok &= np.abs(vegard(matrix, LATTICE_A) / target - 1) <= tolerance + 1e-12
        return ok

    def allows(self, candidate: Candidate) -> bool:
        """Whether ``candidate`` satisfies every constraint."""
        return bool(self.mask(candidate.vector[None, :])[0])

    def check_feasible(self) -> None:
        """Raise ValueError naming the constraints when no composition satisfies them (dense grid check)."""
        for symbols in (METALS, CHALCOGENS):
            usable = [e for e in symbols if e in self.allowed and self.bounds.get(e, (0, 1))[1] > 0]
            if not usable:
                raise ValueError(f"impossible constraints {self.text!r}: no {sublattice(symbols[0])} is left")
            low = sum(self.bounds.get(e, (0.0, 1.0))[0] for e in symbols)
            high = sum(self.bounds.get(e, (0.0, 1.0))[1] for e in usable)
            if low > 1 + 1e-9 or high < 1 - 1e-9:
                raise ValueError(
                    f"impossible constraints {self.text!r}: the {sublattice(symbols[0])} fractions cannot sum to 1"
                )
        grid = composition_grid(self.allowed, 60)
        if self.mask(grid).any():
            return
        if self.lattice is not None:
            free = DesignConstraints(self.allowed, self.required, self.bounds, None, self.text)
            reachable = vegard(grid[free.mask(grid)], LATTICE_A)
            if len(reachable):
                raise ValueError(
                    f"impossible constraints {self.text!r}: lattice {self.lattice[0]:.3f} Å ± "
                    f"{100 * self.lattice[1]:g} % is out of reach (the other constraints allow a = "
                    f"{reachable.min():.3f}–{reachable.max():.3f} Å)"
                )
        raise ValueError(f"impossible constraints {self.text!r}: no composition satisfies them all")


def _elements(text: str, clause: str) -> list[str]:
    symbols = [s.strip() for s in text.split("/")]
    for symbol in symbols:
        if not re.fullmatch(_ELEMENT, symbol):
            raise ValueError(f"constraint {clause!r}: {symbol!r} is not an element symbol")
        try:
            sublattice(symbol)
        except ValueError as err:
            raise ValueError(f"constraint {clause!r}: {err}") from None
    if len({sublattice(s) for s in symbols}) > 1:
        raise ValueError(f"constraint {clause!r}: {', '.join(symbols)} do not share a sublattice")
    return symbols


def _lattice_reference(name: str, clause: str) -> float:
    if re.fullmatch(_NUMBER, name):
        value = float(name)
        if not 1.0 < value < 10.0:
            raise ValueError(f"constraint {clause!r}: lattice constant {value} Å is not a plausible value")
        return value
    if name in SUBSTRATE_LATTICE_A:
        return SUBSTRATE_LATTICE_A[name]
    try:
        candidate = Candidate.from_formula(name)
    except ValueError:
        raise ValueError(
            f"constraint {clause!r}: unknown reference {name!r} (a number in Å, an end member such as MoS2, "
            f"or a substrate: {', '.join(SUBSTRATE_LATTICE_A)})"
        ) from None
    return candidate.lattice_a


def parse_constraints(text: str) -> DesignConstraints:
    """Parse constraint clauses (see the module docs); an empty text allows everything."""
    if not isinstance(text, str):
        raise ValueError(f"constraints must be a string such as 'Mo-based, S/Se mix', got {text!r}")
    allowed, required = set(SPECIES), set()
    bounds: dict[str, tuple[float, float]] = {}
    lattice: tuple[float, float] | None = None
    for clause in (c.strip() for c in re.split(r"[,;]", text)):
        if not clause:
            continue
        if match := re.fullmatch(rf"({_ELEMENT})-based", clause):
            (element,) = _elements(match[1], clause)
            group = METALS if element in METALS else CHALCOGENS
            allowed -= set(group) - {element}
        elif match := re.fullmatch(rf"({_ELEMENT}(?:\s*/\s*{_ELEMENT})+)(\s+mix)?", clause):
            elements = _elements(match[1], clause)
            group = METALS if elements[0] in METALS else CHALCOGENS
            allowed -= set(group) - set(elements)
            if match[2]:
                required |= set(elements)
        elif match := re.fullmatch(rf"(?:no|without)\s+({_ELEMENT})", clause):
            allowed -= set(_elements(match[1], clause))
        elif match := re.fullmatch(rf"({_ELEMENT})\s*(<=|>=|=)\s*({_NUMBER})", clause):
            (element,) = _elements(match[1], clause)
            value = float(match[3])
            if not 0 <= value <= 1:
                raise ValueError(f"constraint {clause!r}: a fraction must lie in [0, 1], got {value}")
            low, high = bounds.get(element, (0.0, 1.0))
            if match[2] in ("=", ">="):
                low = max(low, value)
            if match[2] in ("=", "<="):
                high = min(high, value)
            if low > high:
                raise ValueError(f"impossible constraint {clause!r}: {element} must also lie in {bounds[element]}")
            bounds[element] = (low, high)
        elif match := re.fullmatch(rf"lattice\s+within\s+({_NUMBER})\s*%\s+of\s+(\S+)", clause):
            tolerance = float(match[1]) / 100
            if not 0 < tolerance < 1:
                raise ValueError(f"constraint {clause!r}: the tolerance must lie between 0 and 100 %")
            lattice = (_lattice_reference(match[2], clause), tolerance)
        else:
            raise ValueError(f"cannot parse constraint {clause!r}; clauses look like {_EXAMPLES}")
    for element in sorted(required - allowed):
        raise ValueError(f"impossible constraints {text!r}: {element} is required but excluded by another clause")
    for element, (low, _) in sorted(bounds.items()):
        if low > 0 and element not in allowed:
            raise ValueError(f"impossible constraints {text!r}: {element} must be present but is excluded")
    constraints = DesignConstraints(frozenset(allowed), frozenset(required), bounds, lattice, text)
    constraints.check_feasible()
    return constraints


@dataclass(frozen=True)
class Target:
    """A target property value, e.g. ``Target("bandgap_ev", 1.70, tolerance=0.05)``."""

    name: str
    value: float
    tolerance: float

    def objective(self) -> Objective:
        """The planners ``Objective`` for this target ("closest to")."""
        return Objective(self.name, target=self.value)


def parse_target(text: str) -> Target:
    """Parse ``"bandgap_ev=1.70"`` or ``"bandgap_ev=1.70±0.03"`` (also ``+-``); ValueError says what is wrong."""
    if not isinstance(text, str):
        raise ValueError(f"target must be a string such as 'bandgap_ev=1.70', got {text!r}")
    match = re.fullmatch(rf"\s*(\w+)\s*=\s*({_NUMBER})\s*(?:(?:±|\+-|\+/-)\s*({_NUMBER}))?\s*", text)
    if not match:
        raise ValueError(
            f"cannot parse target {text!r}; expected NAME=VALUE, e.g. 'bandgap_ev=1.70' or 'bandgap_ev=1.70±0.03'"
        )
    name = match[1]
    if name not in TARGET_PROPERTIES:
        raise ValueError(f"target {text!r}: unknown property {name!r} (known: {', '.join(TARGET_PROPERTIES)})")
    low, high, default_tolerance = TARGET_PROPERTIES[name]
    value = float(match[2])
    if not (math.isfinite(value) and low <= value <= high):
        raise ValueError(f"target {text!r}: {name} must lie in [{low}, {high}], got {value}")
    tolerance = default_tolerance if match[3] is None else float(match[3])
    if not (math.isfinite(tolerance) and tolerance > 0):
        raise ValueError(f"target {text!r}: the tolerance must be positive, got {tolerance}")
    return Target(name, value, tolerance)
