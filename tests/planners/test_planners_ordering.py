"""Furnace-aware batch ordering."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from planners.ordering import Ramp, order_batch, total_transition_min, transition_min

RAMP = Ramp(heat_c_per_min=20, cool_c_per_min=10, cooling_tau_min=60, ambient_c=25)


def test_transition_times_follow_the_ramp_model() -> None:
    assert transition_min(900, 1000, RAMP) == pytest.approx(5.0)
    assert transition_min(1000, 900, RAMP) == pytest.approx(10.0)  # above the knee at 625 °C: rate limited
    knee = 25 + 10 * 60
    expected = (1000 - knee) / 10 + 60 * math.log((knee - 25) / (100 - 25))  # then Newtonian
    assert transition_min(1000, 100, RAMP) == pytest.approx(expected)
    assert transition_min(300, 200, RAMP) == pytest.approx(60 * math.log(275 / 175))
    with pytest.raises(ValueError, match="at or below ambient"):
        transition_min(500, 25, RAMP)


def test_small_batches_are_ordered_optimally() -> None:
    rng = np.random.default_rng(0)
    for _ in range(5):
        temps = rng.uniform(900, 1070, 6).tolist()
        current = float(rng.uniform(25, 1070))
        plan = order_batch([{"temperature_c": t} for t in temps], current, RAMP)
        orders = itertools.permutations(range(6))
        brute = min(total_transition_min([temps[i] for i in p], current, RAMP) for p in orders)
        assert plan.time_min == pytest.approx(brute)
        assert sorted(plan.order) == list(range(6))
        assert plan.given_time_min == pytest.approx(total_transition_min(temps, current, RAMP))


def test_large_batches_use_the_heuristic_and_never_lose() -> None:
    rng = np.random.default_rng(1)
    temps = rng.uniform(900, 1070, 14).tolist()
    plan = order_batch([{"temperature_c": t, "other": 1} for t in temps], 1000.0, RAMP)
    assert sorted(plan.order) == list(range(14))
    assert plan.saved_min > 0 and plan.time_min <= plan.given_time_min


def test_random_batches_of_eight_save_at_least_a_quarter() -> None:
    rng = np.random.default_rng(2)
    batches = [[{"temperature_c": t} for t in rng.uniform(950, 1065, 8)] for _ in range(100)]
    fractions = [order_batch(batch, float(rng.uniform(950, 1065))).saved_fraction for batch in batches]
    assert np.median(fractions) >= 0.25


def test_bad_inputs_name_the_field() -> None:
    with pytest.raises(ValueError, match="batch point 1: temperature_c must be a finite number"):
        order_batch([{"temperature_c": 900.0}, {"temperature_c": float("nan")}], 25.0)
    with pytest.raises(ValueError, match="batch point 0: temperature_c"):
        order_batch([{"t": 900.0}], 25.0)
    with pytest.raises(ValueError, match="current_c must be a finite number"):
        order_batch([{"temperature_c": 900.0}], None)
    with pytest.raises(ValueError, match="ramp heat_c_per_min must be a positive number"):
        Ramp(heat_c_per_min=0)
    assert order_batch([], 25.0).saved_fraction == 0.0
