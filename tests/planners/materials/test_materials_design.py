"""The design step (generate → screen → relax → rank) and the discovery loop with an injected measurement."""

from __future__ import annotations

from pathlib import Path

import pytest
from pymatgen.core import Structure

from planners.materials import (
    BandgapEnsemble,
    Candidate,
    Relaxation,
    Relaxer,
    Round,
    discovery_loop,
    propose,
)
from planners.materials.discovery import run_seed


class FlatRelaxer(Relaxer):
    """A stand-in for CHGNet: every structure is "relaxed" as is, with an ideal-mixing energy of −7 eV/atom."""

    def __init__(self) -> None:
        super().__init__(None)
        self.calls = 0

    def relax(self, structure: Structure, cell: str = "in-plane") -> Relaxation:
        self.calls += 1
        return Relaxation(structure, -7.0 * len(structure), 0, True, 0.0, 0.0)


def true_gap(formula: str) -> float:
    """A hidden truth with stronger S/Se bowing than the seed table knows."""
    candidate = Candidate.from_formula(formula)
    chalcogens = dict(candidate.chalcogens)
    y = chalcogens.get("Se", 0.0)
    return 1.87 - 0.31 * y - 0.3 * y * (1 - y)


@pytest.mark.usefixtures("chgnet", "offline")
def test_propose_relaxes_the_shortlist_with_chgnet(seed_model: BandgapEnsemble, tmp_path: Path) -> None:
    table = propose("bandgap_ev=1.70", "Mo-based, S/Se mix", seed_model, Relaxer(tmp_path), step=0.5, top_k=1)
    assert list(table["formula"]) == ["MoSSe"]  # the Janus cell: S on one side, Se on the other
    assert table.loc[1, "e_above_hull_mev"] >= 0 and abs(table.loc[1, "mixing_mev"]) < 50
    assert "above hull" in table.loc[1, "why"]
    assert len(list(tmp_path.glob("*.json"))) == 3  # MoSSe, MoS2, MoSe2


def test_propose_errors(seed_model: BandgapEnsemble) -> None:
    with pytest.raises(ValueError, match="top_k must be a positive integer"):
        propose("bandgap_ev=1.70", "", seed_model, FlatRelaxer(), top_k=0)
    with pytest.raises(ValueError, match="unknown element 'Xx'"):
        propose("bandgap_ev=1.70", "Xx-based", seed_model, FlatRelaxer())
    with pytest.raises(ValueError, match=r"every composition allowed .* has been excluded"):
        propose("bandgap_ev=1.70", "Mo-based, S-based", seed_model, FlatRelaxer(),
                exclude=[Candidate.from_formula("MoS2")])


def test_discovery_learns_from_measurements_until_it_hits(seed_model: BandgapEnsemble) -> None:
    model = BandgapEnsemble.from_dict(seed_model.as_dict())
    asked: list[tuple[str, int]] = []

    def measure(formula: str, seed: int) -> float | None:
        asked.append((formula, seed))
        return None if formula == "MoSSe" else true_gap(formula)  # the obvious candidate does not grow

    seen: list[Round] = []
    rounds = discovery_loop("bandgap_ev=1.60±0.01", "Mo-based, no Te", model, FlatRelaxer(), measure, budget=8,
                            seed=2, step=0.125, on_round=seen.append)
    assert rounds == seen and rounds[-1].hit and not any(r.hit for r in rounds[:-1])
    assert rounds[-1].formula == "MoS0.75Se1.25"  # the only hit: the seed table, nearly linear in y, misses it
    assert len(rounds) < 8
    assert [seed for _, seed in asked] == [run_seed(2, i) for i in range(1, len(rounds) + 1)]
    assert len({formula for formula, _ in asked}) == len(asked)  # never the same composition twice
    lab = [m for m in model.measurements if m.kind == "lab"]
    assert len(lab) == sum(r.measured_ev is not None for r in rounds)
    assert rounds[0].as_dict()["formula"] == rounds[0].formula


def test_discovery_stops_at_the_budget_or_when_everything_was_tried(seed_model: BandgapEnsemble) -> None:
    model = BandgapEnsemble.from_dict(seed_model.as_dict())
    rounds = discovery_loop("bandgap_ev=3.0", "Mo-based", model, FlatRelaxer(), lambda f, s: true_gap(f), budget=2)
    assert len(rounds) == 2 and not any(r.hit for r in rounds)
    rounds = discovery_loop("bandgap_ev=3.0", "Mo-based, S/Se", model, FlatRelaxer(), lambda f, s: None, step=0.5,
                            budget=10)
    assert sorted(r.formula for r in rounds) == ["MoS2", "MoSSe", "MoSe2"]
    with pytest.raises(ValueError, match="budget must be a positive integer"):
        discovery_loop("bandgap_ev=1.7", "", model, FlatRelaxer(), lambda f, s: None, budget=0)
    with pytest.raises(ValueError, match="measure returned nan"):
        discovery_loop("bandgap_ev=1.7", "", model, FlatRelaxer(), lambda f, s: float("nan"))
