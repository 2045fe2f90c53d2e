"""The chemical space of 1H transition-metal dichalcogenide monolayers: M X2 with M ∈ {Mo, W}, X ∈ {S, Se, Te}.

A ``Candidate`` is a composition on the two sublattices of the 1H structure: metal fractions (summing to 1)
and chalcogen fractions (summing to 1), e.g. Mo0.75W0.25S2 or MoS1Se1 (MoSSe). Every quantity that depends
on composition alone (Vegard lattice constant, ideal mixing entropy, the feature vector of the property
model) is computed here, vectorized over a matrix of fractions in the column order ``SPECIES``.

End-member geometry (a: in-plane lattice constant; t: vertical chalcogen–chalcogen distance, Å) — starting
points for CHGNet relaxation and for Vegard's law, not results: a of MoS2 3.16, WS2 3.15, MoSe2 3.29,
WSe2 3.28 (experiment); MoTe2 3.52 (experiment, 2H bulk), WTe2 3.55 (DFT, 1H polytype; the stable WTe2 is
1T'/Td); t from DFT-relaxed 1H monolayers (≈ 3.13–3.62 Å).
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from pymatgen.core import Composition, Element

METALS: tuple[str, ...] = ("Mo", "W")
CHALCOGENS: tuple[str, ...] = ("S", "Se", "Te")
SPECIES: tuple[str, ...] = METALS + CHALCOGENS
"""Column order of composition matrices: metal fractions, then chalcogen fractions."""

LATTICE_A: dict[tuple[str, str], float] = {
    ("Mo", "S"): 3.16, ("W", "S"): 3.15, ("Mo", "Se"): 3.29,
    ("W", "Se"): 3.28, ("Mo", "Te"): 3.52, ("W", "Te"): 3.55,
}
THICKNESS: dict[tuple[str, str], float] = {
    ("Mo", "S"): 3.13, ("W", "S"): 3.14, ("Mo", "Se"): 3.34,
    ("W", "Se"): 3.35, ("Mo", "Te"): 3.60, ("W", "Te"): 3.62,
}
BOLTZMANN_EV = 8.617333262e-5
"""Boltzmann constant, eV/K."""

_DIGITS = 6


def sublattice(element: str) -> str:
    """``"metal"`` or ``"chalcogen"`` for a supported element; ValueError naming anything else."""
    if element in METALS:
        return "metal"
    if element in CHALCOGENS:
        return "chalcogen"
    known = f"metals {', '.join(METALS)}; chalcogens {', '.join(CHALCOGENS)}"
    if Element.is_valid_symbol(element):
        raise ValueError(f"element {element!r} is not supported ({known})")
    raise ValueError(f"unknown element {element!r} ({known})")


def _normalized(fractions: Mapping[str, float], allowed: Sequence[str], what: str) -> tuple[tuple[str, float], ...]:
    for element in fractions:
        if element not in allowed:
            sublattice(element)
            raise ValueError(f"{element} cannot sit on the {what} sublattice (allowed: {', '.join(allowed)})")
    total = sum(fractions.values())
    if any(x < 0 or not math.isfinite(x) for x in fractions.values()) or total <= 0:
        raise ValueError(f"{what} fractions must be non-negative numbers with a positive sum, got {dict(fractions)}")
    return tuple((e, round(fractions[e] / total, _DIGITS)) for e in allowed if fractions.get(e, 0.0) > 0)


def _amount(x: float) -> str:
    return "" if x == 1 else f"{x:.4g}"


@dataclass(frozen=True)
class Candidate:
    """A 1H-MX2 monolayer composition: ``metals`` and ``chalcogens`` as (element, fraction) pairs.

    Build with ``Candidate.from_fractions({"Mo": 0.75, "W": 0.25}, {"S": 1})`` or
    ``Candidate.from_formula("Mo0.75W0.25S2")``. Fractions are normalized per sublattice and rounded to
    1e-6; equal compositions compare (and hash) equal.
    """

    metals: tuple[tuple[str, float], ...]
    chalcogens: tuple[tuple[str, float], ...]

    @classmethod
    def from_fractions(cls, metals: Mapping[str, float], chalcogens: Mapping[str, float]) -> Candidate:
        """A candidate from metal and chalcogen fractions (each normalized to sum to 1)."""
        return cls(_normalized(metals, METALS, "metal"), _normalized(chalcogens, CHALCOGENS, "chalcogen"))

    @classmethod
    def from_formula(cls, formula: str) -> Candidate:
        """Parse a formula such as ``"MoS2"``, ``"Mo0.5W0.5Se2"`` or ``"MoS1Se1"`` (chalcogens = 2 × metals)."""
        try:
            composition = Composition(formula)
        except (ValueError, KeyError) as err:
            raise ValueError(f"cannot parse formula {formula!r}: {err}") from None
        amounts = {str(el): float(n) for el, n in composition.get_el_amt_dict().items()}
        for element in amounts:
            sublattice(element)
        metal = sum(n for e, n in amounts.items() if e in METALS)
        chalcogen = sum(n for e, n in amounts.items() if e in CHALCOGENS)
        if metal <= 0 or chalcogen <= 0 or not math.isclose(chalcogen, 2 * metal, rel_tol=1e-4):
            raise ValueError(f"formula {formula!r} is not an MX2 compound (chalcogens must be twice the metals)")
        return cls.from_fractions(
            {e: n for e, n in amounts.items() if e in METALS}, {e: n for e, n in amounts.items() if e in CHALCOGENS}
        )

    @classmethod
    def from_vector(cls, vector: Sequence[float]) -> Candidate:
        """The inverse of ``vector``."""
        n = len(METALS)
        metals, chalcogens = zip(METALS, vector[:n], strict=True), zip(CHALCOGENS, vector[n:], strict=True)
        return cls.from_fractions(dict(metals), dict(chalcogens))

    @cached_property
    def vector(self) -> np.ndarray:
        """Fractions in ``SPECIES`` order (metal fractions sum to 1, chalcogen fractions sum to 1)."""
        fractions = dict(self.metals) | dict(self.chalcogens)
        return np.array([fractions.get(e, 0.0) for e in SPECIES])

    @property
    def formula(self) -> str:
        """Per formula unit, e.g. ``"Mo0.75W0.25S2"``, ``"MoS1Se1"``."""
        metals = "".join(e + _amount(x) for e, x in self.metals)
        return metals + "".join(e + _amount(2 * x) for e, x in self.chalcogens)

    @property
    def composition(self) -> Composition:
        """The pymatgen composition of one formula unit (3 atoms)."""
        return Composition({e: x for e, x in self.metals} | {e: 2 * x for e, x in self.chalcogens})

    @property
    def elements(self) -> tuple[str, ...]:
        """The elements present."""
        return tuple(e for e, _ in self.metals + self.chalcogens)

    @property
    def is_end_member(self) -> bool:
        """True for a pure compound (one metal, one chalcogen)."""
        return len(self.metals) == 1 and len(self.chalcogens) == 1

    def end_members(self) -> tuple[Candidate, ...]:
        """The pure compounds M X2 spanned by this candidate's elements."""
        return tuple(Candidate(((m, 1.0),), ((x, 1.0),)) for m, _ in self.metals for x, _ in self.chalcogens)

    @property
    def lattice_a(self) -> float:
        """In-plane lattice constant by Vegard's law (Å)."""
        return float(vegard(self.vector[None, :], LATTICE_A)[0])

    @property
    def thickness(self) -> float:
        """Vertical chalcogen–chalcogen distance by Vegard's law (Å)."""
        return float(vegard(self.vector[None, :], THICKNESS)[0])

    def __str__(self) -> str:
        return self.formula


def composition_matrix(candidates: Sequence[Candidate]) -> np.ndarray:
    """The (n, 5) matrix of fractions in ``SPECIES`` order."""
    if not candidates:
        return np.empty((0, len(SPECIES)))
    return np.stack([c.vector for c in candidates])


def vegard(matrix: np.ndarray, table: Mapping[tuple[str, str], float]) -> np.ndarray:
    """Bilinear interpolation of an end-member property: Σ_M Σ_X x_M y_X P(MX2), per row of ``matrix``."""
    end_members = np.array([[table[(m, x)] for x in CHALCOGENS] for m in METALS])
    metals, chalcogens = matrix[:, : len(METALS)], matrix[:, len(METALS) :]
    return np.einsum("nm,mx,nx->n", metals, end_members, chalcogens)


def ideal_mixing_entropy(matrix: np.ndarray) -> np.ndarray:
    """Ideal configurational entropy per atom (units of k_B) of a random alloy on both sublattices."""
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(matrix > 0, -matrix * np.log(matrix), 0.0)
    return (terms[:, : len(METALS)].sum(axis=1) + 2 * terms[:, len(METALS) :].sum(axis=1)) / 3


def _simplex(parts: int, total: int) -> np.ndarray:
    """All rows of ``parts`` non-negative integers summing to ``total``."""
    if parts == 1:
        return np.array([[total]])
    rows = [[first, *rest] for first in range(total, -1, -1) for rest in _simplex(parts - 1, total - first)]
    return np.array(rows)


def composition_grid(allowed: Collection[str], divisions: int) -> np.ndarray:
    """Every composition over the ``allowed`` elements with fractions in steps of 1/``divisions``.

    Rows in ``SPECIES`` columns; each sublattice's fractions sum to 1. Empty when a sublattice has no
    allowed element.
    """
    blocks = []
    for group in (METALS, CHALCOGENS):
        present = [i for i, e in enumerate(group) if e in allowed]
        if not present:
            return np.empty((0, len(SPECIES)))
        counts = _simplex(len(present), divisions)
        block = np.zeros((len(counts), len(group)))
        block[:, present] = counts / divisions
        blocks.append(block)
    metals, chalcogens = blocks
    return np.hstack([np.repeat(metals, len(chalcogens), axis=0), np.tile(chalcogens, (len(metals), 1))])
