"""Test doubles for the safety layer: drivers that count calls or stop answering (the hand-driven clock is
`tests.devices.devices_fakes.FakeClock`)."""

from __future__ import annotations

from typing import Any

from devices.drivers import DeviceError
from tests.devices.devices_fakes import FakeClock

EXCHANGE_S = 0.02  # clock time one driver call costs with `Paced` (a Modbus exchange at 9600 baud ≈ 10-20 ms)


class Flaky:
    """A driver that forwards every call until `cut` is set, then raises DeviceError like a dead serial line;
    with a FakeClock it also charges EXCHANGE_S of clock time per call."""

    def __init__(self, key: str, driver: Any, clock: FakeClock | None = None) -> None:
        self.key = key
        self.driver = driver
        self.clock = clock
        self.cut = False
        self.calls: list[tuple[str, tuple[Any, ...]]] = []

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self.driver, name)
        if not callable(attribute):
            return attribute

        def call(*args: Any) -> Any:
            self.calls.append((name, args))
            if self.clock is not None:
                self.clock.sleep(EXCHANGE_S)
            if self.cut:
                raise DeviceError(f"{self.key} on /dev/ttyTEST: no reply within 0.5 s after 3 attempt(s)")
            return attribute(*args)

        return call


def wrap_all(drivers: dict[str, Any], clock: FakeClock | None = None) -> dict[str, Flaky]:
    return {key: Flaky(key, driver, clock) for key, driver in drivers.items()}
