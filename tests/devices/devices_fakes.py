"""Deterministic clock and recording fake drivers for the device tests (imported by the tests and conftest)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import numpy as np

from devices.clock import bind_sleep, start_thread


class FakeClock:
    """Deterministic station time: `sleep` advances it; no wall time passes."""

    def __init__(self, now: float = 0.0) -> None:
        self.now = now

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += max(0.0, seconds)

    def wall_seconds(self, seconds: float) -> float:
        return 0.0

    def worker(self, target: Callable[[], None], name: str) -> threading.Thread:
        return start_thread(target, name)

    def bind(self, engine: Any) -> None:
        bind_sleep(engine, self.wall_seconds)


def wait_in_clock(status: Any, clock: Any, limit_s: float = 86400.0) -> None:
    """Wait for `status` in the clock's time (on virtual time, time moves while somebody waits on the clock)."""
    end = clock.time() + limit_s
    while not status.done and clock.time() < end:
        clock.sleep(1.0)
    status.wait(timeout=5)


class Recorder:
    """Records every driver call as (method, args); used to prove nothing reached the instrument."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[Any, ...]]] = []

    def _record(self, method: str, *args: Any) -> None:
        self.calls.append((method, args))

    def writes(self) -> list[tuple[str, tuple[Any, ...]]]:
        return [call for call in self.calls if call[0].startswith(("write", "move", "load", "integration"))]


class FakeTemperatureController(Recorder):
    """A controller whose process value sits exactly at the setpoint (unless `pv` is forced)."""

    def __init__(self, pv: float = 25.0, ramp: float = 10.0) -> None:
        super().__init__()
        self.pv = pv
        self.setpoint = pv
        self.ramp = ramp
        self.heater = False
        self.follow = True

    def read_pv(self) -> float:
        self._record("read_pv")
        return self.setpoint if self.follow else self.pv

    def read_setpoint(self) -> float:
        self._record("read_setpoint")
        return self.setpoint

    def write_setpoint(self, celsius: float) -> None:
        self._record("write_setpoint", celsius)
        self.setpoint = celsius

    def read_ramp_rate(self) -> float:
        self._record("read_ramp_rate")
        return self.ramp

    def write_ramp_rate(self, c_per_min: float) -> None:
        self._record("write_ramp_rate", c_per_min)
        self.ramp = c_per_min

    def read_output_pct(self) -> float:
        return 0.0

    def read_heater(self) -> bool:
        return self.heater

    def write_heater(self, on: bool) -> None:
        self._record("write_heater", on)
        self.heater = on


class FakeFlowController(Recorder):
    def __init__(self) -> None:
        super().__init__()
        self.setpoint = 0.0

    def read_flow(self) -> float:
        return self.setpoint

    def read_setpoint(self) -> float:
        return self.setpoint

    def write_setpoint(self, sccm: float) -> None:
        self._record("write_setpoint", sccm)
        self.setpoint = sccm


class FakePressureController(FakeFlowController):
    def read_pressure(self) -> float:
        return self.setpoint


class FakeSpectrometer(Recorder):
    def integration_time_micros(self, integration_time_micros: int) -> None:
        self._record("integration_time_micros", integration_time_micros)

    def wavelengths(self) -> np.ndarray:
        return np.linspace(560.0, 635.0, 2048)

    def intensities(self) -> np.ndarray:
        return np.ones(2048)


class FakeStage(Recorder):
    def __init__(self) -> None:
        super().__init__()
        self.position = (0.0, 0.0)

    def move_to(self, x_mm: float, y_mm: float) -> None:
        self._record("move_to", x_mm, y_mm)
        self.position = (x_mm, y_mm)

    def read_position(self) -> tuple[float, float]:
        return self.position


class FakeAnalyzer(Recorder):
    def __init__(self) -> None:
        super().__init__()
        self.position = "parallel"

    def write_position(self, position: str) -> None:
        self._record("write_position", position)
        self.position = position

    def read_position(self) -> str:
        return self.position


class FakeLoader(Recorder):
    def __init__(self) -> None:
        super().__init__()
        self.substrate = ""

    def load(self, substrate: str) -> None:
        self._record("load", substrate)
        self.substrate = substrate

    def read_substrate(self) -> str:
        return self.substrate
