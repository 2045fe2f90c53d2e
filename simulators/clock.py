"""An accelerated clock: simulated time runs `speedup` times faster than the wall clock."""

from __future__ import annotations

import time

DEFAULT_SPEEDUP = 3600.0  # a 60-minute recipe takes about one wall second
MIN_WALL_SLEEP_S = 1e-3  # shortest wall sleep, so pollers do not spin


class SimClock:
    """Simulated seconds = wall seconds × speedup, counted from creation."""

    def __init__(self, speedup: float = DEFAULT_SPEEDUP) -> None:
        if not speedup > 0:
            raise ValueError(f"clock speedup must be > 0, got {speedup}")
        self.speedup = float(speedup)
        self._origin = time.monotonic()

    def time(self) -> float:
        """Simulated seconds since creation."""
        return (time.monotonic() - self._origin) * self.speedup

    def sleep(self, seconds: float) -> None:
        """Sleep `seconds` of simulated time (at least MIN_WALL_SLEEP_S of wall time)."""
        time.sleep(max(MIN_WALL_SLEEP_S, self.wall_seconds(seconds)))

    def wall_seconds(self, seconds: float) -> float:
        """Wall seconds that `seconds` of simulated time take."""
        return max(0.0, seconds) / self.speedup
