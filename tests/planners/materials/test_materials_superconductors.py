"""McMillan–Allen–Dynes Tc and the superconductor screen."""

from __future__ import annotations

import math

import pytest

from planners.materials import mcmillan_allen_dynes_tc, screen_superconductors


def test_reference_value() -> None:
    assert mcmillan_allen_dynes_tc(1.0, 300.0, 0.1) == pytest.approx(20.9, abs=0.05)
    assert mcmillan_allen_dynes_tc(1.0, 300.0, 0.1) == pytest.approx(250 * math.exp(-2.08 / 0.838))


@pytest.mark.parametrize(
    ("args", "match"),
    [
        ((0.1, 300.0, 0.1), r"no superconductivity .* λ = 0.1 ≤ μ\*\(1 \+ 0.62λ\)"),
        ((0.2, 300.0, 0.2), r"no superconductivity"),
        ((1.0, -300.0, 0.1), "omega_log_k must be positive"),
        ((-1.0, 300.0, 0.1), "coupling λ must be positive"),
        ((1.0, 300.0, -0.1), "mu_star must be non-negative"),
        ((float("nan"), 300.0, 0.1), "coupling λ must be a finite number"),
        (("1", 300.0, 0.1), "must be a finite number"),
    ],
)
def test_invalid_inputs_raise_clearly(args: tuple, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        mcmillan_allen_dynes_tc(*args)


def test_screen_ranks_by_tc_and_names_bad_rows() -> None:
    table = screen_superconductors([
        {"name": "weak", "coupling": 0.5, "omega_log_k": 300.0},
        {"name": "strong", "coupling": 1.2, "omega_log_k": 250.0, "mu_star": 0.12},
        {"name": "soft", "coupling": 1.0, "omega_log_k": 100.0},
    ], min_tc_k=1.0)
    assert list(table["name"]) == ["strong", "soft", "weak"]
    assert table["tc_k"].is_monotonic_decreasing and "Tc = " in table.loc[0, "why"]
    with pytest.raises(ValueError, match="material 'bad': no superconductivity"):
        screen_superconductors([{"name": "bad", "coupling": 0.05, "omega_log_k": 300.0}])
    with pytest.raises(ValueError, match="material 'half': needs 'coupling'"):
        screen_superconductors([{"name": "half", "omega_log_k": 300.0}])
