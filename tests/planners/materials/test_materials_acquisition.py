"""Acquisition functions against Monte Carlo, and the stability weight."""

from __future__ import annotations

import numpy as np
import pytest

from planners.materials import expected_improvement, probability_within, stability_weight
from planners.materials.chemistry import BOLTZMANN_EV


@pytest.mark.parametrize(("mean", "std", "best"), [(1.70, 0.05, 0.03), (1.80, 0.10, 0.05), (1.62, 0.02, 0.2)])
def test_closed_forms_match_monte_carlo(mean: float, std: float, best: float) -> None:
    y = np.random.default_rng(0).normal(mean, std, 400_000)
    distance = np.abs(y - 1.70)
    ei = expected_improvement(np.array([mean]), np.array([std]), 1.70, best)[0]
    assert ei == pytest.approx(np.maximum(best - distance, 0).mean(), abs=2e-4)
    p = probability_within(np.array([mean]), np.array([std]), 1.70, 0.03)[0]
    assert p == pytest.approx((distance <= 0.03).mean(), abs=3e-3)


def test_expected_improvement_prefers_close_then_uncertain() -> None:
    ei = expected_improvement(np.array([1.70, 1.75, 1.75, 1.90]), np.array([0.02, 0.02, 0.10, 0.02]), 1.70, 0.03)
    assert ei[0] > ei[2] > ei[1] > ei[3] >= 0
    assert np.all(expected_improvement(np.array([1.7]), np.array([0.1]), 1.7, 0.0) == 0)
    with pytest.raises(ValueError, match="tolerance must be positive"):
        probability_within(np.array([1.7]), np.array([0.1]), 1.7, 0.0)


def test_stability_weight_is_boltzmann_and_ignores_unknowns() -> None:
    weight = stability_weight(np.array([0.0, 0.05, np.nan, -0.01]), 1000.0)
    np.testing.assert_allclose(weight, [1.0, np.exp(-0.05 / (BOLTZMANN_EV * 1000.0)), 1.0, 1.0])
    with pytest.raises(ValueError, match="temperature_k must be positive"):
        stability_weight(np.array([0.0]), 0.0)
