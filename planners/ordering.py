"""Furnace-aware batch ordering: run a batch in the order that wastes the least time heating and cooling.

Furnace model (``Ramp``):

* heating is limited to ``heat_c_per_min`` (the controller's ramp limit);
* cooling is limited to ``cool_c_per_min`` while the furnace is hot, and never faster than Newtonian
  cooling towards ``ambient_c`` with time constant ``cooling_tau_min``: the rate is
  ``min(cool_c_per_min, (T - ambient_c) / cooling_tau_min)``. Above ``ambient_c + cool_c_per_min * tau``
  the furnace cools linearly at the limit; below that exponentially, so cooling to near-ambient is slow.

Pure functions: ``transition_min`` (one change of set point), ``total_transition_min`` (a sequence from
the current temperature), and ``order_batch`` (the best order: exact by dynamic programming over subsets
for up to ``EXACT_MAX`` points, nearest neighbour + 2-opt beyond) with the time saved against the given
order. Points are dicts with a ``temperature_c`` key (as planners return them); other keys are ignored.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

EXACT_MAX = 10
"""Largest batch ordered exactly (Held-Karp dynamic programming, O(2^n n^2))."""


@dataclass(frozen=True)
class Ramp:
    """Furnace heating/cooling limits (see the module docs); defaults fit a small tube furnace."""

    heat_c_per_min: float = 20.0
    cool_c_per_min: float = 10.0
    cooling_tau_min: float = 60.0
    ambient_c: float = 25.0

    def __post_init__(self) -> None:
        for name in ("heat_c_per_min", "cool_c_per_min", "cooling_tau_min"):
            value = getattr(self, name)
            if not (isinstance(value, int | float) and math.isfinite(value) and value > 0):
                raise ValueError(f"ramp {name} must be a positive number, got {value!r}")
        if not (isinstance(self.ambient_c, int | float) and math.isfinite(self.ambient_c)):
            raise ValueError(f"ramp ambient_c must be a finite number, got {self.ambient_c!r}")


@dataclass(frozen=True)
class BatchOrder:
    """The chosen order (indices into the batch) and its heating/cooling time against the given order."""

    order: tuple[int, ...]
    time_min: float
    given_time_min: float

    @property
    def saved_min(self) -> float:
        """Minutes of heating/cooling saved against running the batch in the given order."""
        return self.given_time_min - self.time_min

    @property
    def saved_fraction(self) -> float:
        """``saved_min`` as a fraction of the given order's time (0 when that is 0)."""
        return self.saved_min / self.given_time_min if self.given_time_min > 0 else 0.0


def transition_min(start_c: float, end_c: float, ramp: Ramp = Ramp()) -> float:
    """Minutes to take the furnace from ``start_c`` to ``end_c``.

    Raises ValueError when cooling below or to ``ambient_c`` is asked for (it would take forever).
    """
    if end_c >= start_c:
        return (end_c - start_c) / ramp.heat_c_per_min
    if end_c <= ramp.ambient_c:
        raise ValueError(f"temperature_c {end_c} is at or below ambient ({ramp.ambient_c} °C); unreachable by cooling")
    knee = ramp.ambient_c + ramp.cool_c_per_min * ramp.cooling_tau_min
    linear_end = max(end_c, knee)
    minutes = max(0.0, start_c - linear_end) / ramp.cool_c_per_min
    exponential_start = min(start_c, knee)
    if end_c < exponential_start:
        minutes += ramp.cooling_tau_min * math.log((exponential_start - ramp.ambient_c) / (end_c - ramp.ambient_c))
    return minutes


def _temperatures(batch: Sequence[Mapping[str, Any]]) -> list[float]:
    """The ``temperature_c`` of every point, or ValueError naming the point lacking a finite one."""
    temperatures = []
    for i, point in enumerate(batch):
        value = point.get("temperature_c") if isinstance(point, Mapping) else None
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise ValueError(f"batch point {i}: temperature_c must be a finite number, got {value!r}")
        temperatures.append(float(value))
    return temperatures


def total_transition_min(temperatures: Sequence[float], current_c: float, ramp: Ramp = Ramp()) -> float:
    """Minutes spent changing temperature to run ``temperatures`` in order, starting at ``current_c``."""
    total, here = 0.0, float(current_c)
    for t in temperatures:
        total += transition_min(here, t, ramp)
        here = t
    return total


def _exact(temps: list[float], current_c: float, ramp: Ramp) -> list[int]:
    """Held-Karp: the cheapest open path from ``current_c`` through every temperature."""
    n = len(temps)
    cost = [[transition_min(a, b, ramp) for b in temps] for a in temps]
    best: dict[tuple[int, int], tuple[float, int]] = {
        (1 << j, j): (transition_min(current_c, temps[j], ramp), -1) for j in range(n)
    }
    for mask in range(1, 1 << n):
        for last in range(n):
            if (mask, last) not in best:
                continue
            so_far = best[(mask, last)][0]
            for j in range(n):
                if mask & (1 << j):
                    continue
                key, value = (mask | (1 << j), j), so_far + cost[last][j]
                if key not in best or value < best[key][0] - 1e-12:
                    best[key] = (value, last)
    full = (1 << n) - 1
    last = min(range(n), key=lambda j: (best[(full, j)][0], j))
    order, mask = [], full
    while last != -1:
        order.append(last)
        mask, last = mask & ~(1 << last), best[(mask, last)][1]
    return order[::-1]


def _heuristic(temps: list[float], current_c: float, ramp: Ramp) -> list[int]:
    """Nearest neighbour by transition time, improved by 2-opt segment reversals until none helps."""
    remaining, order, here = list(range(len(temps))), [], current_c
    while remaining:
        nxt = min(remaining, key=lambda j: (transition_min(here, temps[j], ramp), j))
        remaining.remove(nxt)
        order.append(nxt)
        here = temps[nxt]

    def cost(o: list[int]) -> float:
        return total_transition_min([temps[i] for i in o], current_c, ramp)

    improved = True
    while improved:
        improved = False
        for i in range(len(order) - 1):
            for j in range(i + 1, len(order)):
                candidate = order[:i] + order[i : j + 1][::-1] + order[j + 1 :]
                if cost(candidate) < cost(order) - 1e-9:
                    order, improved = candidate, True
    return order


def order_batch(batch: Sequence[Mapping[str, Any]], current_c: float, ramp: Ramp = Ramp()) -> BatchOrder:
    """The order of ``batch`` minimizing heating/cooling time from ``current_c`` (see the module docs).

    Reorder with ``[batch[i] for i in result.order]``. Raises ValueError naming a point without a finite
    ``temperature_c`` or a bad ``current_c``.
    """
    temps = _temperatures(batch)
    if isinstance(current_c, bool) or not isinstance(current_c, int | float) or not math.isfinite(current_c):
        raise ValueError(f"current_c must be a finite number, got {current_c!r}")
    if not temps:
        return BatchOrder((), 0.0, 0.0)
    order = _exact(temps, current_c, ramp) if len(temps) <= EXACT_MAX else _heuristic(temps, current_c, ramp)
    given = total_transition_min(temps, current_c, ramp)
    best = total_transition_min([temps[i] for i in order], current_c, ramp)
    if best > given:  # the heuristic can in principle lose to the given order
        order, best = list(range(len(temps))), given
    return BatchOrder(tuple(order), best, given)
