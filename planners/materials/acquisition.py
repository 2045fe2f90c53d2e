"""Acquisition functions for a target property under Gaussian predictions, and the stability weight.

* ``probability_within``: P(|Y − t| ≤ tol) for Y ~ N(μ, σ²).
* ``expected_improvement``: E[max(0, d − |Y − t|)], the expected gain in closeness to the target over the
  best distance ``d`` reached so far (closed form below), so uncertain candidates near the target score.
* ``stability_weight``: exp(−instability / k_B T), a Boltzmann-like factor in [0, 1] that penalizes
  compositions whose free energy lies above the monolayer hull.

Closed form of the expected improvement: with l = t − d, u = t + d and, on an interval [a, b],
P = Φ(b′) − Φ(a′), M = μP − σ(φ(b′) − φ(a′)) (a′ = (a − μ)/σ), the integral of (d − |y − t|) p(y) is
(d − t)·P[l, t] + M[l, t] + (d + t)·P[t, u] − M[t, u].
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtr

from planners.materials.chemistry import BOLTZMANN_EV

_TINY = 1e-12


def _pdf(z: np.ndarray) -> np.ndarray:
    return np.exp(-0.5 * z**2) / np.sqrt(2 * np.pi)


def probability_within(mean: np.ndarray, std: np.ndarray, target: float, tolerance: float) -> np.ndarray:
    """P(|Y − target| ≤ tolerance) for Y ~ N(mean, std²), elementwise."""
    if not tolerance > 0:
        raise ValueError(f"tolerance must be positive, got {tolerance}")
    std = np.maximum(np.asarray(std, dtype=float), _TINY)
    mean = np.asarray(mean, dtype=float)
    return ndtr((target + tolerance - mean) / std) - ndtr((target - tolerance - mean) / std)


def expected_improvement(mean: np.ndarray, std: np.ndarray, target: float, best_distance: float) -> np.ndarray:
    """E[max(0, best_distance − |Y − target|)] for Y ~ N(mean, std²), elementwise (0 when best_distance ≤ 0)."""
    mean = np.asarray(mean, dtype=float)
    std = np.maximum(np.asarray(std, dtype=float), _TINY)
    if best_distance <= 0:
        return np.zeros(np.broadcast(mean, std).shape)

    def pieces(a: float, b: float) -> tuple[np.ndarray, np.ndarray]:
        za, zb = (a - mean) / std, (b - mean) / std
        p = ndtr(zb) - ndtr(za)
        return p, mean * p - std * (_pdf(zb) - _pdf(za))

    p_low, m_low = pieces(target - best_distance, target)
    p_high, m_high = pieces(target, target + best_distance)
    value = (best_distance - target) * p_low + m_low + (best_distance + target) * p_high - m_high
    return np.maximum(value, 0.0)


def stability_weight(instability: np.ndarray, temperature_k: float) -> np.ndarray:
    """exp(−instability / k_B T) for instabilities in eV/atom (NaN, i.e. unknown, gives 1)."""
    if not temperature_k > 0:
        raise ValueError(f"temperature_k must be positive, got {temperature_k}")
    instability = np.nan_to_num(np.asarray(instability, dtype=float), nan=0.0)
    return np.exp(-np.maximum(instability, 0.0) / (BOLTZMANN_EV * temperature_k))
