"""Screening and ranking: prediction ± uncertainty, acquisition, stability penalty, and the why column."""

from __future__ import annotations

import numpy as np
import pytest

from planners.materials import BandgapEnsemble, Candidate, Measurement, Stability, generate_candidates, screen
from planners.materials.constraints import parse_target
from planners.materials.screen import COLUMNS, best_distance


def test_ranked_table_for_a_target(seed_model: BandgapEnsemble) -> None:
    candidates = generate_candidates("no Te", step=0.25)
    table = screen(candidates, seed_model, "bandgap_ev=1.70±0.03", top=5)
    assert tuple(table.columns) == COLUMNS and list(table.index) == [1, 2, 3, 4, 5]
    assert table["score"].is_monotonic_decreasing
    assert np.abs(table["bandgap_ev"].iloc[:2] - 1.70).max() < 0.05  # the best predictions sit on the target
    assert table["instability_mev"].isna().all() and (table["stability_weight"] == 1).all()
    assert "stability not computed" in table.loc[1, "why"] and "P(within 0.03 of 1.7)" in table.loc[1, "why"]
    assert "literature (derived): 1.715 eV" in table.set_index("formula").loc["MoSSe", "why"]


def test_instability_penalizes(seed_model: BandgapEnsemble) -> None:
    a, b = Candidate.from_formula("MoSSe"), Candidate.from_formula("Mo0.75W0.25SSe")
    unstable = Stability(a.formula, -7.0, 0.3, 0.3, 0.04, 1000.0)
    stable = Stability(b.formula, -7.0, -0.001, 0.0, 0.05, 1000.0)
    free = screen([a, b], seed_model, "bandgap_ev=1.715")
    assert free.loc[1, "formula"] == "MoSSe"
    table = screen([a, b], seed_model, "bandgap_ev=1.715", stability={a: unstable, b: stable})
    assert list(table["formula"]) == ["Mo0.75W0.25SSe", "MoSSe"]
    assert table.loc[2, "stability_weight"] < 0.1 and table.loc[2, "instability_mev"] == pytest.approx(260.0)
    assert "300.0 above hull vs T·S 40.0 at 1000 K" in table.loc[2, "why"]


def test_probability_acquisition_and_errors(seed_model: BandgapEnsemble) -> None:
    candidates = generate_candidates("Mo-based", step=0.25)
    table = screen(candidates, seed_model, "bandgap_ev=1.56", acquisition="probability")
    assert table.loc[1, "formula"] == "MoSe2" and (table["acquisition"] == table["p_within"]).all()
    with pytest.raises(ValueError, match="acquisition must be 'ei' or 'probability'"):
        screen(candidates, seed_model, "bandgap_ev=1.56", acquisition="ucb")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown property 'tc_k'"):
        screen(candidates, seed_model, "tc_k=10")
    with pytest.raises(ValueError, match="no candidates"):
        screen([], seed_model, "bandgap_ev=1.56")


def test_only_lab_samples_set_the_incumbent(seed_model: BandgapEnsemble) -> None:
    target = parse_target("bandgap_ev=1.70±0.03")
    assert best_distance(seed_model, target) == 0.03  # MoSSe's literature 1.715 is no sample of this lab
    state = seed_model.as_dict()
    state["measurements"].append(Measurement(Candidate.from_formula("MoSSe"), 1.71, kind="lab").as_dict())
    model = BandgapEnsemble.from_dict(state)
    assert best_distance(model, target) == pytest.approx(0.01)
