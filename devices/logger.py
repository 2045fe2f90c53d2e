"""The in-situ data logger as a Bluesky flyer: records at a fixed clock period, collected in bulk."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

from ophyd import Device
from ophyd.status import Status

from devices.interfaces import Clock, DataLogger
from devices.status import done_status


class InSituLogger(Device):
    """`kickoff()` starts recording every `period_s`; `collect_pages()` yields what was recorded since.

    Samples carry the clock time since kickoff as `elapsed_s`, so a simulated run keeps its simulated
    time axis while event times stay wall-clock.
    """

    def __init__(self, driver: DataLogger, *, clock: Clock, period_s: float = 1.0, stream: str = "insitu",
                 name: str = "logger", **kwargs: Any) -> None:
        self.driver = driver
        self.clock = clock
        self.period_s = period_s
        self.stream = stream
        self._origin = 0.0
        super().__init__(name=name, **kwargs)

    def kickoff(self) -> Status:
        self._origin = self.clock.time()
        self.driver.start(self.period_s)
        return done_status(self)

    def complete(self) -> Status:
        self.driver.stop()
        return done_status(self)

    def describe_collect(self) -> dict[str, dict[str, dict[str, Any]]]:
        keys = {field: {"source": f"{self.name}:{field}", "dtype": "number", "shape": [], "units": units}
                for field, units in self.driver.fields().items()}
        keys["elapsed_s"] = {"source": f"{self.name}:clock", "dtype": "number", "shape": [], "units": "s"}
        return {self.stream: keys}

    def collect_pages(self) -> Iterator[dict[str, Any]]:
        """Everything recorded since the last collect, as one event page (empty if nothing was)."""
        samples = self.driver.drain()
        if not samples:
            return
        wall_now, clock_now = time.time(), self.clock.time()
        stamps = [wall_now - self.clock.wall_seconds(clock_now - t) for t, _ in samples]
        data = {field: [values[field] for _, values in samples] for field in samples[0][1]}
        data["elapsed_s"] = [t - self._origin for t, _ in samples]
        yield {"time": stamps, "data": data, "timestamps": dict.fromkeys(data, stamps)}
