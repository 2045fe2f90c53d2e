"""Screening: rank candidates for a target by the property model, penalized by instability.

``screen(candidates, model, target)`` predicts every candidate's band gap (mean ± calibrated std), scores it
with an acquisition function and multiplies by the stability weight exp(−instability / k_B T) where a
``Stability`` is known (candidates without one are not penalized, and their "why" says so). The result is
a DataFrame, best first, with columns:

``candidate`` (the Candidate), ``formula``, ``bandgap_ev``, ``std_ev``, ``p_within`` (probability of lying
within the target tolerance), ``acquisition``, ``mixing_mev``, ``e_above_hull_mev``, ``instability_mev``
(meV/atom; NaN when not computed), ``stability_weight``, ``score``, ``why``.

Acquisition functions for a target property under Gaussian predictions, and the stability weight:

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

from collections.abc import Mapping, Sequence
from typing import Literal

import numpy as np
import pandas as pd
from scipy.special import ndtr

from planners.materials.chemistry import BOLTZMANN_EV, Candidate, composition_matrix
from planners.materials.constraints import Target, parse_target
from planners.materials.measurements import Measurement
from planners.materials.stability import GROWTH_TEMPERATURE_K, Stability
from planners.materials.surrogate import BandgapEnsemble

Acquisition = Literal["ei", "probability"]
COLUMNS = ("candidate", "formula", "bandgap_ev", "std_ev", "p_within", "acquisition", "mixing_mev",
           "e_above_hull_mev", "instability_mev", "stability_weight", "score", "why")

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


def best_distance(model: BandgapEnsemble, target: Target) -> float:
    """The incumbent of expected improvement: the distance (eV) of the lab's closest sample to the target.

    Only the lab's own measurements count (a literature value is not a sample the lab has made), and the
    distance is capped at the target tolerance: before the first hit, improving means landing within it.
    """
    lab = [abs(m.bandgap_ev - target.value) for m in model.measurements if m.kind == "lab"]
    return min([target.tolerance, *lab])


def _why(row: pd.Series, target: Target, stability: Stability | None, known: Measurement | None) -> str:
    text = (f"gap {row.bandgap_ev:.3f} ± {row.std_ev:.3f} eV, P(within {target.tolerance:g} of "
            f"{target.value:g}) = {row.p_within:.2f}")
    if known is not None:
        text += f"; {'lab' if known.kind == 'lab' else 'literature (' + known.kind + ')'}: {known.bandgap_ev:.3f} eV"
    if stability is None:
        return text + "; stability not computed"
    return text + (f"; mixing {1000 * stability.mixing_energy:+.1f} meV/atom, {1000 * stability.e_above_hull:.1f} "
                   f"above hull vs T·S {1000 * stability.entropy_term:.1f} at {stability.temperature_k:g} K → "
                   f"weight {row.stability_weight:.2f}")


def screen(
    candidates: Sequence[Candidate],
    model: BandgapEnsemble,
    target: Target | str,
    *,
    stability: Mapping[Candidate, Stability] | None = None,
    acquisition: Acquisition = "ei",
    top: int | None = None,
) -> pd.DataFrame:
    """Rank ``candidates`` for ``target`` (a ``Target`` or text such as ``"bandgap_ev=1.70"``); see module.

    ``acquisition``: ``"ei"`` (expected improvement over the lab's closest sample, see ``best_distance``) or
    ``"probability"`` (probability within the tolerance). ``top`` keeps the best rows only.
    """
    if isinstance(target, str):
        target = parse_target(target)
    if acquisition not in ("ei", "probability"):
        raise ValueError(f"acquisition must be 'ei' or 'probability', got {acquisition!r}")
    candidates = list(dict.fromkeys(candidates))
    if not candidates:
        raise ValueError("no candidates to screen")
    stability = stability or {}
    mean, std = model.predict(composition_matrix(candidates))
    p_within = probability_within(mean, std, target.value, target.tolerance)
    gain = p_within if acquisition == "probability" else expected_improvement(
        mean, std, target.value, best_distance(model, target)
    )
    known = [stability.get(c) for c in candidates]
    figures = np.array([[s.mixing_energy, s.e_above_hull, s.instability] if s else [np.nan] * 3 for s in known])
    temperature = next((s.temperature_k for s in known if s), GROWTH_TEMPERATURE_K)
    weight = stability_weight(figures[:, 2], temperature)
    table = pd.DataFrame({
        "candidate": candidates, "formula": [c.formula for c in candidates], "bandgap_ev": mean, "std_ev": std,
        "p_within": p_within, "acquisition": gain, "mixing_mev": 1000 * figures[:, 0],
        "e_above_hull_mev": 1000 * figures[:, 1], "instability_mev": 1000 * figures[:, 2],
        "stability_weight": weight, "score": gain * weight,
    })
    table["_closeness"] = -np.abs(mean - target.value) / std  # breaks ties where the score underflows to 0
    table = table.sort_values(["score", "_closeness"], ascending=False, kind="stable").reset_index(drop=True)
    if top is not None:
        table = table.head(top).copy()
    known = {m.candidate: m for m in model.measurements}  # the latest measurement of each composition
    table["why"] = [_why(row, target, stability.get(row.candidate), known.get(row.candidate))
                    for row in table.itertuples()]
    table.index = pd.RangeIndex(1, len(table) + 1, name="rank")
    return table[list(COLUMNS)]
