"""Superconductor screen: McMillan–Allen–Dynes critical temperature from electron–phonon parameters.

Tc = (ω_log / 1.2) · exp[−1.04 (1 + λ) / (λ − μ*(1 + 0.62 λ))]   (Allen & Dynes, Phys. Rev. B 12, 905 (1975))

with λ the electron–phonon coupling, μ* the Coulomb pseudopotential and ω_log the logarithmic average
phonon frequency in K. λ = 1, μ* = 0.1, ω_log = 300 K give Tc ≈ 20.9 K. The formula needs
λ > μ*(1 + 0.62 λ) (otherwise there is no superconductivity in this model) and is fitted for λ ≲ 2.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd


def _number(value: object, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise ValueError(f"{what} must be a finite number, got {value!r}")
    return float(value)


def mcmillan_allen_dynes_tc(coupling: float, omega_log_k: float, mu_star: float = 0.1) -> float:
    """Critical temperature (K) from λ = ``coupling``, ω_log (K) and μ*; ValueError on invalid inputs."""
    lam = _number(coupling, "coupling λ")
    omega = _number(omega_log_k, "omega_log_k")
    mu = _number(mu_star, "mu_star")
    if lam <= 0:
        raise ValueError(f"coupling λ must be positive, got {lam}")
    if omega <= 0:
        raise ValueError(f"omega_log_k must be positive, got {omega}")
    if mu < 0:
        raise ValueError(f"mu_star must be non-negative, got {mu}")
    denominator = lam - mu * (1 + 0.62 * lam)
    if denominator <= 0:
        raise ValueError(
            f"no superconductivity in the McMillan–Allen–Dynes model: λ = {lam} ≤ μ*(1 + 0.62λ) = "
            f"{mu * (1 + 0.62 * lam):.4g}"
        )
    return omega / 1.2 * math.exp(-1.04 * (1 + lam) / denominator)


def screen_superconductors(materials: Iterable[Mapping[str, Any]], min_tc_k: float = 0.0) -> pd.DataFrame:
    """Rank materials by Tc. Each item has ``name``, ``coupling``, ``omega_log_k`` and optionally ``mu_star``.

    Returns columns name, coupling, mu_star, omega_log_k, tc_k, why (highest Tc first), keeping rows with
    Tc ≥ ``min_tc_k``. An item with missing or invalid parameters raises ValueError naming it.
    """
    rows = []
    for index, item in enumerate(materials):
        name = item.get("name", f"#{index}") if isinstance(item, Mapping) else f"#{index}"
        if not isinstance(item, Mapping) or "coupling" not in item or "omega_log_k" not in item:
            raise ValueError(f"material {name!r}: needs 'coupling' (λ) and 'omega_log_k'")
        mu_star = item.get("mu_star", 0.1)
        try:
            tc = mcmillan_allen_dynes_tc(item["coupling"], item["omega_log_k"], mu_star)
        except ValueError as err:
            raise ValueError(f"material {name!r}: {err}") from None
        rows.append({
            "name": str(name), "coupling": float(item["coupling"]), "mu_star": float(mu_star),
            "omega_log_k": float(item["omega_log_k"]), "tc_k": tc,
            "why": f"λ = {item['coupling']:.3g}, μ* = {mu_star:.3g}, ω_log = {item['omega_log_k']:.4g} K → "
                   f"Tc = {tc:.3g} K",
        })
    table = pd.DataFrame(rows, columns=["name", "coupling", "mu_star", "omega_log_k", "tc_k", "why"])
    table = table[table["tc_k"] >= min_tc_k].sort_values("tc_k", ascending=False, kind="stable")
    return table.reset_index(drop=True)
