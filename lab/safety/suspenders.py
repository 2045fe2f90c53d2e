"""Bluesky suspenders on out-of-range readings, with a time limit.

A thread polls every furnace zone's temperature and the tube pressure (through the interlock, so a dead gauge
is a device fault) into two ophyd Signals that `bluesky.suspenders.SuspendCeil` watch: the hottest zone's
excess over its cap (the loaded substrate's, or the zone's own) plus a margin, and the pressure as a fraction
of its limit (the process limit while a flammable line is open, the sealed-tube limit otherwise). A plan
pauses while either is out of range and resumes when both recover; suspended longer than `resume_timeout_s`
(clock time), the station goes to the latched safe state. A plan still suspended when the station is latched
(for any reason) is halted: the interlock has driven the safe state already, and no recovery is awaited.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable

from bluesky import RunEngine
from bluesky.suspenders import SuspendCeil
from ophyd import Signal

from devices.config import SafetySettings
from lab.safety.interlock import Interlock
from lab.safety.rules import temperature_cap

POLL_PERIOD_S = 10.0  # clock seconds between polls
MIN_POLL_WALL_S = 0.2  # and at least this much wall time where clock time passes with the wall's (an accelerated
# clock must not flood serial lines); virtual time costs no wall time, and is polled every POLL_PERIOD_S
PRESSURE_RESUME_FRACTION = 0.95


def _finite_or_inf(value: float) -> float:
    return value if math.isfinite(value) else math.inf


class ReadingMonitor:
    """Polls readings into suspender signals and enforces the suspenders' time limit."""

    def __init__(self, interlock: Interlock, settings: SafetySettings,
                 while_suspended: Callable[[], None] | None = None) -> None:
        self.interlock = interlock
        self.settings = settings
        self.while_suspended = while_suspended  # e.g. the watchdog's beat: a suspended plan is paused, not hung
        self.over_temperature = Signal(name="over_temperature_c", value=-math.inf)
        self.pressure_fraction = Signal(name="pressure_fraction_of_limit", value=0.0)
        self.suspenders = [
            SuspendCeil(self.over_temperature, 0.0, resume_thresh=-settings.overtemp_margin_c,
                        tripped_message="the furnace is above the substrate's temperature cap"),
            SuspendCeil(self.pressure_fraction, 1.0, resume_thresh=PRESSURE_RESUME_FRACTION,
                        tripped_message="the tube pressure is above its limit")]
        self.suspended_since: float | None = None
        self.min_poll_wall_s = MIN_POLL_WALL_S
        self.engine: RunEngine | None = None
        self._last_error = ""
        self._stopped = False
        self._polling = threading.Lock()  # held by a poll; `stop` waits for the one under way

    def install(self, engine: RunEngine) -> None:
        """Install the suspenders on `engine` and start polling."""
        for suspender in self.suspenders:
            engine.install_suspender(suspender)
        self.engine = engine
        self.interlock.clock.worker(self._run, "reading-monitor")  # it takes part in the clock's time

    def stop(self) -> None:
        """Poll no more (a poll under way ends first; the sleeping thread ends when it wakes)."""
        with self._polling:
            self._stopped = True

    def period_s(self) -> float:
        """Clock seconds between polls: `POLL_PERIOD_S`, and no less than `min_poll_wall_s` of wall time."""
        wall_per_second = self.interlock.clock.wall_seconds(1.0)
        return max(POLL_PERIOD_S, self.min_poll_wall_s / wall_per_second) if wall_per_second > 0 else POLL_PERIOD_S

    def poll(self) -> None:
        """Read temperature and pressure once; trip the latch if suspended beyond the time limit."""
        interlock, config = self.interlock, self.interlock.config
        loading = dict(interlock.call("holder", "read_loading", ()))
        excess = max(float(interlock.call(key, "read_pv", ())) - temperature_cap(config, key, loading)[0]
                     for key in interlock.zones)
        pressure = float(interlock.call("gauge", "read_pressure", ()))
        flammable_open = any(interlock.state.valves.get(line.gas) for line in config.gas_lines if line.flammable)
        limit = config.limits.max_pressure_torr if flammable_open else config.limits.max_tube_torr
        self.over_temperature.put(_finite_or_inf(excess - self.settings.overtemp_margin_c))
        self.pressure_fraction.put(_finite_or_inf(pressure / limit))
        now = interlock.clock.time()
        tripped = [s for s in self.suspenders if s.tripped]
        if tripped and interlock.latch.reason is not None:
            self._halt(interlock.latch.reason)
            return
        if not tripped:
            if self.suspended_since is not None:
                interlock.audit.record("resume", reason="readings back in range", clock_s=now,
                                       source={"actor": "suspender"})
            self.suspended_since = None
            return
        if self.while_suspended is not None:
            self.while_suspended()
        if self.suspended_since is None:
            self.suspended_since = now
            interlock.audit.record("suspend", reason=tripped[0]._get_justification(), clock_s=now,
                                   source={"actor": "suspender"})
        elif now - self.suspended_since > self.settings.resume_timeout_s:
            self.suspended_since = None
            reason = (f"readings out of range for more than {self.settings.resume_timeout_s:g} s: "
                      f"{tripped[0]._get_justification()}")
            interlock.trip(reason, source="suspender")
            self._halt(reason)  # now, before the safe state brings the readings back and releases the plan

    def _halt(self, reason: str) -> None:
        """End a plan that waits, suspended, for readings a latched station will not bring back (`halt`: its
        cleanup would only repeat the safe state the interlock drove, and could not run on a rewound plan)."""
        if self.engine is not None and self.engine.state != "idle":
            self.interlock.audit.record("halt", reason=f"suspended plan halted: the station is latched ({reason})",
                                        clock_s=self.interlock.clock.time(), source={"actor": "suspender"})
            self.engine.halt()

    def _run(self) -> None:
        """Poll every `period_s` of clock time: on virtual time, no poll is skipped whatever the machine's load, and
        a poll comes at the same simulated instant in every run of a seed."""
        while True:
            self.interlock.clock.sleep(self.period_s())
            with self._polling:
                if self._stopped:
                    return
                try:
                    self.poll()
                except Exception as exc:  # a device fault latched the station already; keep watching
                    if repr(exc) != self._last_error:  # once per distinct error, not once per poll
                        self._last_error = repr(exc)
                        self.interlock.audit.record("monitor-error", reason=repr(exc),
                                                    clock_s=self.interlock.clock.time(), source={"actor": "suspender"})
