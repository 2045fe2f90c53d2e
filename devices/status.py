"""Statuses that complete when a physical quantity has settled."""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from ophyd import Device
from ophyd.status import Status

from devices.interfaces import Clock

MIN_POLLS = 10
MIN_WALL_S = 5.0  # a wall-time clock times out after at least this long (an accelerated clock jumps on a stall)
MAX_SKIP_S = 60.0  # with a rate bound, polls skipped at once span at most this much clock time


def settle_status(device: Device, read: Callable[[], float], target: float, tolerance: float, settle_s: float,
                  clock: Clock, timeout_s: float, poll_s: float = 1.0, max_rate: float | None = None) -> Status:
    """A Status that finishes once |read() − target| ≤ tolerance has held for `settle_s` (clock seconds).

    `max_rate` (units per clock second), where the device knows one, bounds how fast the reading can approach the
    target: the polls that could not find it within tolerance yet are skipped (`MAX_SKIP_S` at most at once), so
    a furnace ramping for an hour is polled a few dozen times instead of every second, and while the bound holds
    the status finishes at the very poll it would have finished at with every poll taken.

    It fails with the driver's exception if a read fails, or with a timeout after `timeout_s` clock seconds
    (and at least MIN_POLLS polls, and for a clock that runs in wall time at least MIN_WALL_S of wall time, so
    a coarse poll or a stalled host on a fast simulated clock cannot time out early).
    """
    status = Status(obj=device, settle_time=0)
    deadline = clock.time() + timeout_s
    wall = clock.wall_seconds(timeout_s)
    wall_deadline = time.monotonic() + (max(wall, MIN_WALL_S) if wall > 0 else 0.0)

    def watch() -> None:
        since: float | None = None
        polls = 0
        while not status.done:
            polls += 1
            if clock.time() > deadline and polls > MIN_POLLS and time.monotonic() >= wall_deadline:
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
            periods = 1 if since is not None else _periods_out_of_reach(abs(value - target) - tolerance, max_rate,
                                                                        poll_s)
            polls += periods - 1
            clock.sleep(poll_s * periods)

    clock.worker(watch, f"settle-{device.name}")
    return status


def _periods_out_of_reach(gap: float, max_rate: float | None, poll_s: float) -> int:
    """Poll periods until a reading `gap` outside its tolerance could first be back within it, moving at most
    `max_rate` per second (1 without a bound), capped at `MAX_SKIP_S`."""
    if not max_rate or max_rate <= 0 or not math.isfinite(gap):
        return 1
    return max(1, min(math.ceil(gap / (max_rate * poll_s)), int(MAX_SKIP_S / poll_s)))


def done_status(device: Device) -> Status:
    """An already finished Status (for commands that take effect at once)."""
    status = Status(obj=device)
    status.set_finished()
    return status
