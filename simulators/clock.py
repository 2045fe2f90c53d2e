"""An accelerated clock: simulated time runs `speedup` times faster than the wall clock."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

DEFAULT_SPEEDUP = 3600.0  # a 60-minute recipe takes about one wall second
MIN_WALL_SLEEP_S = 1e-3  # shortest wall sleep, so pollers do not spin


class SimClock:
    """Simulated seconds = wall seconds × speedup, counted from creation, less the wall time spent `paused`."""

    def __init__(self, speedup: float = DEFAULT_SPEEDUP) -> None:
        if not speedup > 0:
            raise ValueError(f"clock speedup must be > 0, got {speedup}")
        self.speedup = float(speedup)
        self._origin = time.monotonic()
        self._lock = threading.Lock()
        self._pauses = 0
        self._paused_at: float | None = None

    def time(self) -> float:
        """Simulated seconds since creation."""
        with self._lock:
            now = time.monotonic() if self._paused_at is None else self._paused_at
            return (now - self._origin) * self.speedup

    @contextmanager
    def paused(self) -> Iterator[None]:
        """Stop simulated time while the block runs (e.g. while a twin integrates a backlog, so that a loaded
        host slows the simulation down instead of leaving the twin ever further behind its clock)."""
        with self._lock:
            self._pauses += 1
            if self._pauses == 1:
                self._paused_at = time.monotonic()
        try:
            yield
        finally:
            with self._lock:
                self._pauses -= 1
                if self._pauses == 0 and self._paused_at is not None:
                    self._origin += time.monotonic() - self._paused_at
                    self._paused_at = None

    def sleep(self, seconds: float) -> None:
        """Sleep `seconds` of simulated time (at least MIN_WALL_SLEEP_S of wall time)."""
        time.sleep(max(MIN_WALL_SLEEP_S, self.wall_seconds(seconds)))

    def wall_seconds(self, seconds: float) -> float:
        """Wall seconds that `seconds` of simulated time take."""
        return max(0.0, seconds) / self.speedup
