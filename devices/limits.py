"""Hard limits a device enforces before anything reaches its driver."""

from __future__ import annotations

import math


class LimitError(ValueError):
    """A command outside a device's limits; it was not sent."""


def check_range(device: str, quantity: str, value: float, low: float, high: float, units: str) -> float:
    """Return `value` as float if low ≤ value ≤ high, else raise LimitError naming the device."""
    value = float(value)
    if not math.isfinite(value) or not low <= value <= high:
        raise LimitError(f"{device}: {quantity} {value:g} {units} is outside the limits [{low:g}, {high:g}] {units}")
    return value
