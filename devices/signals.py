"""Signals whose `set` takes effect at once: held in memory, or backed by the parent device's injected driver."""

from __future__ import annotations

import time
from typing import Any

from ophyd import Signal
from ophyd.status import Status
from ophyd.utils import ReadOnlyError

from devices.status import done_status


class SoftSignal(Signal):
    """A signal held in memory (a plan's step, say) whose `set` takes effect at once and returns a finished status.
    ophyd's `Signal.set` finishes its status from a thread of its own, outside every clock: on virtual time, a plan
    waiting for it could see time jump ahead while that thread has yet to run."""

    def set(self, value: Any, **kwargs: Any) -> Status:
        """Put `value`; the status returned has finished, or failed with what the put raised."""
        try:
            self.put(value)
        except Exception as exc:  # ophyd's protocol: a set's failure comes through its status
            failed = Status(obj=self)
            failed.set_exception(exc)
            return failed
        return done_status(self)


class DriverSignal(SoftSignal):
    """A signal that reads (and optionally writes, at once) through a method of `parent.driver`.

    Writes go through `parent.check_write(attr_name, value)` first, so a device's limits apply to every
    write, whoever sends it.
    """

    def __init__(self, *, read: str, write: str | None = None, units: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._read_method = read
        self._write_method = write
        self._units = units

    def get(self, **kwargs: Any) -> Any:
        value = getattr(self.parent.driver, self._read_method)()
        self._readback = value
        self._metadata["timestamp"] = time.time()
        return value

    def put(self, value: Any, **kwargs: Any) -> None:
        if self._write_method is None:
            raise ReadOnlyError(f"{self.name} is read-only")
        self.parent.check_write(self.attr_name, value)
        getattr(self.parent.driver, self._write_method)(value)
        super().put(value, **kwargs)

    def describe(self) -> dict[str, dict[str, Any]]:
        self.get()
        description = super().describe()
        if self._units:
            description[self.name]["units"] = self._units
        return description
