"""simulators.calibration: the priors are the worlds' draws, a MAP fit recovers a hidden world's growth
behaviour better than the nominal world, and posterior widths shrink only where the data speak."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from simulators import tmd
from simulators.calibration import NAMES, TMD_CONSTANTS, auc, calibrate, load_truth, observe, predict, truth_at
from simulators.graphene import PRIORS, GrapheneTruth, prior_value, sample_recipes


def test_a_drawn_world_is_its_priors_at_standard_normal_scores():
    z = np.random.default_rng(4).normal(0.0, 1.0, len(PRIORS))
    assert truth_at(z) == GrapheneTruth.draw(4)
    assert prior_value("growth_ea_ev", 0.0) == 2.6 and prior_value("etch_ratio", 0.0) == 0.01
    assert prior_value("growth_ea_ev", 10.0) == 3.0  # clipped like a draw


def test_calibration_recovers_where_a_hidden_world_grows():
    truth = GrapheneTruth.draw(101)  # a world where the nominal one is far off (AUC ≈ 0.85)
    rng = np.random.default_rng(1)
    fitted = calibrate(observe(truth, sample_recipes(120, rng), rng), max_nfev=25)
    test_recipes = sample_recipes(150, rng)
    grew = np.array([o.grew for o in observe(truth, test_recipes, rng)])
    calibrated = auc(predict(fitted.truth, test_recipes)["p_grow"], grew)
    nominal = auc(predict(truth_at(np.zeros(len(NAMES))), test_recipes)["p_grow"], grew)
    assert calibrated >= 0.9 and calibrated > nominal
    assert fitted.pinned()  # the data pin down some constants (posterior under half the prior width)
    assert load_truth(fitted.as_dict()["constants"]) == fitted.truth


def test_a_drawn_tmd_world_is_its_literature_values_at_clipped_normal_scores():
    z = np.clip(np.random.default_rng(7).normal(0.0, 1.0, len(TMD_CONSTANTS)), -2.0, 2.0)
    assert tmd.TmdTruth.at(z) == tmd.TmdTruth.draw(7)
    assert tmd.TmdTruth.at(np.zeros(len(TMD_CONSTANTS))) == tmd.TmdTruth.nominal()


def test_calibration_brings_a_tmd_world_s_growth_closer_to_the_hidden_world_s():
    truth = tmd.TmdTruth.draw(121)  # of worlds 100–129, the one the nominal world predicts worst (by AUC)
    rng = np.random.default_rng(1)
    fitted = calibrate(observe(truth, tmd.sample_recipes(80, rng), rng), max_nfev=12)
    assert fitted.material == "tmd" and "vacancy_floor_cm2" not in fitted.widths  # growth does not depend on it
    test_recipes = tmd.sample_recipes(150, rng)
    hidden = predict(truth, test_recipes)["p_grow"]
    calibrated_error = np.abs(predict(fitted.truth, test_recipes)["p_grow"] - hidden).mean()
    nominal_error = np.abs(predict(tmd.TmdTruth.nominal(), test_recipes)["p_grow"] - hidden).mean()
    assert calibrated_error < nominal_error
    assert load_truth(fitted.as_dict()["constants"], "tmd") == fitted.truth
    with pytest.raises(ValueError, match="not both"):
        calibrate(observe(truth, test_recipes[:2], rng) + observe(GrapheneTruth.draw(0), sample_recipes(2, rng), rng))


def test_auc_counts_ties_half_and_needs_both_classes():
    assert auc(np.array([0.9, 0.8, 0.1]), np.array([True, False, False])) == 1.0
    assert auc(np.array([0.5, 0.5]), np.array([True, False])) == 0.5
    assert np.isnan(auc(np.array([0.5]), np.array([True])))


def test_a_world_file_must_name_every_constant():
    constants = dataclasses.asdict(GrapheneTruth.draw(0))
    constants.pop("etch_ratio")
    with pytest.raises(ValueError, match="missing \\['etch_ratio'\\]"):
        load_truth(constants | {"bogus": 1.0})
