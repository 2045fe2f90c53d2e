"""Compositions: parsing, formulas, Vegard's law, mixing entropy and composition grids."""

from __future__ import annotations

import math

import numpy as np
import pytest

from planners.materials import Candidate, composition_matrix
from planners.materials.chemistry import composition_grid, ideal_mixing_entropy, vegard


@pytest.mark.parametrize("formula", ["MoS2", "WSe2", "Mo0.75W0.25S2", "MoSSe", "Mo0.5W0.5S1.5Te0.5"])
def test_formula_round_trip(formula: str) -> None:
    candidate = Candidate.from_formula(formula)
    assert Candidate.from_formula(candidate.formula) == candidate
    assert Candidate.from_vector(candidate.vector) == candidate
    assert candidate.composition.num_atoms == pytest.approx(3.0)


def test_fractions_are_normalized_per_sublattice() -> None:
    candidate = Candidate.from_fractions({"Mo": 3, "W": 1}, {"S": 2, "Se": 2})
    assert candidate.formula == "Mo0.75W0.25SSe"
    assert candidate == Candidate.from_formula("Mo3WS4Se4")
    assert candidate.end_members() == tuple(Candidate.from_formula(f) for f in ("MoS2", "MoSe2", "WS2", "WSe2"))
    assert not candidate.is_end_member and Candidate.from_formula("WS2").is_end_member


@pytest.mark.parametrize(
    ("formula", "match"),
    [
        ("MoS3", "not an MX2 compound"),
        ("NbS2", "element 'Nb' is not supported"),
        ("Mo(", "cannot parse formula"),
    ],
)
def test_bad_formulas(formula: str, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        Candidate.from_formula(formula)


def test_wrong_sublattice_is_named() -> None:
    with pytest.raises(ValueError, match="S cannot sit on the metal sublattice"):
        Candidate.from_fractions({"S": 1}, {"Se": 1})


def test_vegard_lattice_constants() -> None:
    assert Candidate.from_formula("MoS2").lattice_a == pytest.approx(3.16)
    assert Candidate.from_formula("Mo0.5W0.5S2").lattice_a == pytest.approx(3.155)
    assert Candidate.from_formula("MoSSe").lattice_a == pytest.approx((3.16 + 3.29) / 2)
    matrix = composition_matrix([Candidate.from_formula("Mo0.5W0.5SSe")])
    assert vegard(matrix, {(m, x): 1.0 for m in ("Mo", "W") for x in ("S", "Se", "Te")})[0] == pytest.approx(1.0)


def test_ideal_mixing_entropy_per_atom() -> None:
    matrix = composition_matrix([Candidate.from_formula(f) for f in ("MoS2", "Mo0.5W0.5S2", "MoSSe")])
    assert ideal_mixing_entropy(matrix) == pytest.approx([0.0, math.log(2) / 3, 2 * math.log(2) / 3])


def test_composition_grid_covers_the_simplex() -> None:
    grid = composition_grid({"Mo", "W", "S", "Se", "Te"}, 4)
    assert grid.shape == (5 * 15, 5)
    np.testing.assert_allclose(grid[:, :2].sum(axis=1), 1.0)
    np.testing.assert_allclose(grid[:, 2:].sum(axis=1), 1.0)
    assert len({tuple(row) for row in grid}) == len(grid)
    assert composition_grid({"Mo", "W"}, 4).shape == (0, 5)
