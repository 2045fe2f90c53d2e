"""The hardware time base."""

from __future__ import annotations

import time


class WallClock:
    """Real time: what a station with real instruments runs on."""

    def time(self) -> float:
        """Monotonic seconds."""
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        """Sleep `seconds`."""
        time.sleep(max(0.0, seconds))

    def wall_seconds(self, seconds: float) -> float:
        """Identity: one second is one second."""
        return seconds
