"""Candidate generation and 1H-MX2 structures: symmetry, vacuum, supercells, orderings."""

from __future__ import annotations

import numpy as np
import pytest
from pymatgen.symmetry.analyzer import SpacegroupAnalyzer

from planners.materials import (
    Candidate,
    build_structure,
    generate_candidates,
    orderings,
    parse_constraints,
    smallest_supercell,
    unit_cell,
)
from planners.materials.chemistry import METALS
from planners.materials.generate import _counts, _host, _Sublattice


def test_generate_under_constraints() -> None:
    formulas = [c.formula for c in generate_candidates("Mo-based, S/Se mix", step=0.25)]
    assert formulas == ["MoS1.5Se0.5", "MoSSe", "MoS0.5Se1.5"]
    matched = generate_candidates("lattice within 1% of MoSe2", step=0.1)
    assert matched and all(abs(c.lattice_a / 3.29 - 1) <= 0.01 for c in matched)
    assert len(generate_candidates(parse_constraints(""), step=0.5)) == 3 * 6


@pytest.mark.parametrize(("step", "match"), [(0.3, "step must be 1/n"), (0, "step must be 1/n")])
def test_bad_step(step: float, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        generate_candidates("", step=step)


def test_constraints_satisfied_only_off_grid() -> None:
    with pytest.raises(ValueError, match=r"no composition on a grid of step 0.5 .* try a finer step"):
        generate_candidates("W=0.25", step=0.5)


@pytest.mark.parametrize("formula", ["MoS2", "WS2", "MoSe2", "WSe2", "MoTe2", "WTe2"])
def test_end_members_are_1h_with_vacuum(formula: str) -> None:
    structure = unit_cell(Candidate.from_formula(formula), vacuum=15.0)
    assert SpacegroupAnalyzer(structure, symprec=0.01).get_space_group_symbol() == "P-6m2"
    z = structure.cart_coords[:, 2]
    assert structure.lattice.c - (z.max() - z.min()) == pytest.approx(15.0)
    assert len(structure) == 3


def test_alloy_supercells_hold_the_composition_exactly() -> None:
    candidate = Candidate.from_formula("Mo0.75W0.25S1.5Se0.5")
    assert smallest_supercell(candidate) == (2, 2)
    structure = build_structure(candidate)
    assert structure.composition.fractional_composition.almost_equals(candidate.composition.fractional_composition)
    assert len(structure) == 12
    big = build_structure(candidate, supercell=(4, 4), seed=3)
    assert dict(big.composition.get_el_amt_dict()) == {"Mo": 12, "W": 4, "S": 24, "Se": 8}
    with pytest.raises(ValueError, match=r"a 3×3 supercell cannot hold Mo0.75W0.25S1.5Se0.5 exactly"):
        build_structure(candidate, supercell=(3, 3))
    with pytest.raises(ValueError, match="needs a supercell larger than 8×8"):
        smallest_supercell(Candidate.from_fractions({"Mo": 0.99, "W": 0.01}, {"S": 1}))


def test_orderings_are_seeded_distinct_and_sqs_beats_random() -> None:
    candidate = Candidate.from_formula("Mo0.5W0.5SSe")
    first = orderings(candidate, 3, supercell=(4, 4), seed=7)
    again = orderings(candidate, 3, supercell=(4, 4), seed=7)
    other = orderings(candidate, 3, supercell=(4, 4), seed=8)
    assert first == again and first != other
    assert len({tuple(s.species) for s in first}) == 3
    host = _host(candidate, (4, 4), 15.0)
    metals = _Sublattice(host, METALS, _counts(candidate.metals, 16), candidate.lattice_a)
    assert metals.pairs.shape == (16 * 6, 2)

    def deviation(structure: object) -> float:
        types = np.array([metals.species.index(structure[int(i)].specie.symbol) for i in metals.sites])
        return float(metals.deviation(types[None, :])[0])

    sqs = orderings(candidate, 1, supercell=(4, 4), seed=7)[0]
    randoms = orderings(candidate, 20, supercell=(4, 4), ordering="random", seed=7)
    assert deviation(sqs) <= min(deviation(s) for s in randoms) + 1e-12
    with pytest.raises(ValueError, match="ordering must be 'sqs' or 'random'"):
        orderings(candidate, ordering="ordered")  # type: ignore[arg-type]
