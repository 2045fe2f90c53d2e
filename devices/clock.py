"""The hardware time base, and what every clock shares: worker threads and RunEngine sleeps."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from typing import Any


def start_thread(target: Callable[[], None], name: str) -> threading.Thread:
    """Start `target` in a daemon thread."""
    thread = threading.Thread(target=target, name=name, daemon=True)
    thread.start()
    return thread


def bind_sleep(engine: Any, wall_seconds: Callable[[float], float]) -> None:
    """Make `engine`'s `sleep` messages (in clock seconds) wait the wall time they take on this clock."""
    async def sleep(msg: Any) -> None:
        await asyncio.sleep(wall_seconds(msg.args[0]))

    engine.register_command("sleep", sleep)


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

    def worker(self, target: Callable[[], None], name: str) -> threading.Thread:
        """Run `target` in a daemon thread."""
        return start_thread(target, name)

    def bind(self, engine: Any) -> None:
        """Make `engine`'s `sleep` messages wait in seconds (bluesky's own meaning)."""
        bind_sleep(engine, self.wall_seconds)
