"""Statuses that complete when a physical quantity has settled."""

from __future__ import annotations

import threading
from collections.abc import Callable

from ophyd import Device
from ophyd.status import Status

from devices.interfaces import Clock

MIN_POLLS = 10


def settle_status(device: Device, read: Callable[[], float], target: float, tolerance: float, settle_s: float,
                  clock: Clock, timeout_s: float, poll_s: float = 1.0) -> Status:
    """A Status that finishes once |read() − target| ≤ tolerance has held for `settle_s` (clock seconds).

    It fails with the driver's exception if a read fails, or with a timeout after `timeout_s` clock seconds
    (and at least MIN_POLLS polls, so a coarse poll on a fast simulated clock cannot time out early).
    """
    status = Status(obj=device, settle_time=0)
    deadline = clock.time() + timeout_s

    def watch() -> None:
        since: float | None = None
        polls = 0
        while not status.done:
            polls += 1
            if clock.time() > deadline and polls > MIN_POLLS:
                status.set_exception(TimeoutError(
                    f"{device.name}: did not settle at {target:g} ± {tolerance:g} within {timeout_s:g} s"))
                return
            try:
                value = read()
            except Exception as exc:  # the driver's fault is the status's failure
                status.set_exception(exc)
                return
            now = clock.time()
            if abs(value - target) <= tolerance:
                since = now if since is None else since
                if now - since >= settle_s:
                    status.set_finished()
                    return
            else:
                since = None
            clock.sleep(poll_s)

    threading.Thread(target=watch, name=f"settle-{device.name}", daemon=True).start()
    return status


def done_status(device: Device) -> Status:
    """An already finished Status (for commands that take effect at once)."""
    status = Status(obj=device)
    status.set_finished()
    return status
