"""Constraint and target parsing, with the errors users see."""

from __future__ import annotations

import pytest

from planners import Objective
from planners.materials import Candidate, Target, parse_constraints, parse_target


def test_mo_based_sulfur_selenium_mix() -> None:
    constraints = parse_constraints("Mo-based, S/Se mix")
    assert constraints.allowed == {"Mo", "S", "Se"}
    assert constraints.required == {"S", "Se"}
    assert constraints.allows(Candidate.from_formula("MoSSe"))
    assert not constraints.allows(Candidate.from_formula("MoS2"))
    assert not constraints.allows(Candidate.from_formula("Mo0.5W0.5SSe"))


def test_fraction_bounds_exclusions_and_lattice() -> None:
    constraints = parse_constraints("W>=0.25; W<=0.5, no Te, lattice within 1% of MoS2")
    assert constraints.bounds == {"W": (0.25, 0.5)}
    assert constraints.lattice == (pytest.approx(3.16), 0.01)
    assert constraints.allows(Candidate.from_formula("Mo0.5W0.5S2"))
    assert not constraints.allows(Candidate.from_formula("Mo0.5W0.5SSe"))  # a = 3.22: 1.9 % off
    assert not constraints.allows(Candidate.from_formula("WS2"))
    assert parse_constraints("lattice within 0.5% of 3.29").allows(Candidate.from_formula("MoSe2"))
    assert parse_constraints("").allows(Candidate.from_formula("WTe2"))


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("Xx-based", r"constraint 'Xx-based': unknown element 'Xx'"),
        ("Nb/Mo mix", r"element 'Nb' is not supported"),
        ("Mo/S mix", r"Mo, S do not share a sublattice"),
        ("Mo-based, Mo/W mix", r"impossible constraints .*W is required but excluded"),
        ("W=0.5, W=0.75", r"impossible constraint 'W=0.75'"),
        ("S>=0.6, Se>=0.6", r"chalcogen fractions cannot sum to 1"),
        ("no Mo, no W", r"no metal is left"),
        ("lattice within 1% of hBN", r"lattice 2.504 Å ± 1 % is out of reach .* a = 3.150–3.550 Å"),
        ("lattice within 1% of unobtainium", r"unknown reference 'unobtainium'"),
        ("W=1.5", r"a fraction must lie in \[0, 1\]"),
        ("tungsten rich", r"cannot parse constraint 'tungsten rich'"),
    ],
)
def test_constraint_errors_name_the_problem(text: str, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        parse_constraints(text)


def test_targets() -> None:
    assert parse_target("bandgap_ev=1.70") == Target("bandgap_ev", 1.70, 0.05)
    assert parse_target(" bandgap_ev = 1.7 ± 0.02 ") == Target("bandgap_ev", 1.7, 0.02)
    assert parse_target("bandgap_ev=1.7+-0.03").tolerance == 0.03
    assert parse_target("bandgap_ev=1.70").objective() == Objective("bandgap_ev", target=1.70)


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("bandgap_ev", r"cannot parse target 'bandgap_ev'; expected NAME=VALUE"),
        ("bandgap_ev=one", r"cannot parse target"),
        ("tc_k=10", r"unknown property 'tc_k' \(known: bandgap_ev\)"),
        ("bandgap_ev=7", r"bandgap_ev must lie in \[0.5, 3.5\], got 7.0"),
        ("bandgap_ev=1.7±0", r"the tolerance must be positive"),
    ],
)
def test_target_errors(text: str, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        parse_target(text)
