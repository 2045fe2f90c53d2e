"""Mixing energies, the monolayer convex hull and the entropic term."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from planners.materials import Candidate, Relaxer, Stability, assess_stability, stability_from_energies
from planners.materials.chemistry import BOLTZMANN_EV

MOS2, WS2 = Candidate.from_formula("MoS2"), Candidate.from_formula("WS2")
HALF, QUARTER = Candidate.from_formula("Mo0.5W0.5S2"), Candidate.from_formula("Mo0.75W0.25S2")


def test_pseudo_binary_hull_by_hand() -> None:
    energies = {MOS2: -7.5, WS2: -8.2, HALF: -7.85 - 0.004, QUARTER: [-7.675 + 0.003, -7.675 + 0.010]}
    result = stability_from_energies(energies, temperature_k=1000.0)
    assert result[HALF].mixing_energy == pytest.approx(-0.004)
    assert result[HALF].e_above_hull == pytest.approx(0.0, abs=1e-9)
    assert result[QUARTER].mixing_energy == pytest.approx(0.003)  # the lowest ordering counts
    hull_at_quarter = (-7.5 + (-7.854)) / 2
    assert result[QUARTER].e_above_hull == pytest.approx(-7.672 - hull_at_quarter)
    entropy = -(0.75 * math.log(0.75) + 0.25 * math.log(0.25)) / 3 * BOLTZMANN_EV * 1000.0
    assert result[QUARTER].entropy_term == pytest.approx(entropy)
    assert result[QUARTER].instability == 0.0  # 5 meV/atom above the hull, outweighed by T·S ≈ 16 meV/atom
    assert result[MOS2].mixing_energy == 0.0 and result[MOS2].e_above_hull == pytest.approx(0.0, abs=1e-9)
    cold = stability_from_energies(energies, temperature_k=0.0)[QUARTER]
    assert cold.instability == pytest.approx(0.005)
    assert Stability.from_dict(cold.as_dict()) == cold


def test_reciprocal_mixing_reference_is_bilinear() -> None:
    ends = {Candidate.from_formula(f): e for f, e in {"MoS2": -7.5, "WS2": -8.2, "MoSe2": -7.0, "WSe2": -7.6}.items()}
    quaternary = Candidate.from_formula("Mo0.5W0.5SSe")
    result = stability_from_energies({**ends, quaternary: (-7.5 - 8.2 - 7.0 - 7.6) / 4 + 0.02})
    assert result[quaternary].mixing_energy == pytest.approx(0.02)
    # the hull at Mo0.5W0.5SSe is the lower diagonal, MoSe2 + WS2 (-7.6), not the bilinear reference (-7.575)
    assert result[quaternary].e_above_hull == pytest.approx(0.045)


def test_missing_end_members_are_named() -> None:
    with pytest.raises(ValueError, match="end-member energies missing for WS2"):
        stability_from_energies({MOS2: -7.5, HALF: -7.8})


@pytest.mark.e2e
@pytest.mark.usefixtures("chgnet", "offline")
def test_assess_mo_w_sulfide_alloy_with_chgnet(tmp_path: Path) -> None:
    relaxer = Relaxer(tmp_path)
    result = assess_stability([HALF, QUARTER], relaxer, n_orderings=2, seed=0)
    for stability in result.values():
        assert abs(stability.mixing_energy) < 0.02  # Mo/W sulfides mix almost ideally
        assert stability.e_above_hull >= 0 and stability.instability == 0.0
    assert assess_stability([HALF, QUARTER], relaxer, n_orderings=2, seed=0) == result  # from the cache
