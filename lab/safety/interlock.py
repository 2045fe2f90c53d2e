"""The interlock at the driver boundary: every command to every device passes `Interlock.call`.

`Interlock.guarded()` wraps each driver of a station; a wrapped driver forwards reads, and sends a command
only after the rules of `lab.safety.rules` allowed it against the station's live state, writing an audit
record either way. The interlock observes the process itself (a leak check is the rate of rise it measured
between closing and reopening the pump line; a purge is inert gas flowing through the pumped tube for long
enough after it), so no plan can claim a step it did not do. A refused process command, an unrecoverable
device fault (`DeviceError`) or `trip()` latches the station and drives the safe state on the drivers
directly.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from devices.config import PUMP_LINE, StationConfig
from devices.drivers.transport import DeviceError, InstrumentError
from devices.interfaces import Clock
from lab.errors import UserError
from lab.safety.audit import AuditLog
from lab.safety.latch import Latch
from lab.safety.rules import (
    PROCESS_KINDS,
    ProcessState,
    furnace_keys,
    is_command,
    kind_of,
    refusal,
    safe_state_commands,
)


class InterlockError(UserError):
    """A command the interlock refused; it never reached the driver."""


def _shown(args: tuple[Any, ...]) -> str:
    return ", ".join(f"{a:g}" if isinstance(a, float) else repr(a) for a in args)


class GuardedDriver:
    """A driver whose every method call passes the station's interlock (attributes are passed through)."""

    def __init__(self, interlock: Interlock, key: str, driver: Any) -> None:
        self._interlock = interlock
        self._key = key
        self._driver = driver

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._driver, name)
        if not callable(attribute):
            return attribute

        def call(*args: Any) -> Any:
            return self._interlock.call(self._key, name, args)

        call.__name__ = name
        return call

    def __repr__(self) -> str:
        return f"GuardedDriver({self._key}, {self._driver!r})"


class Interlock:
    """The safety interlock of one station: checks, audits and forwards commands; latches on faults."""

    def __init__(self, config: StationConfig, drivers: Mapping[str, Any], clock: Clock, audit: AuditLog,
                 latch: Latch) -> None:
        self.config = config
        self.drivers = dict(drivers)
        self.clock = clock
        self.audit = audit
        self.latch = latch
        self._lock = threading.RLock()
        self._leak_start: tuple[float, float] | None = None  # (clock s, Torr) when the pump line closed
        self._purge_since: float | None = None
        self._driven: str | None = None  # id of the latch record whose safe state this process drove
        self._silent: dict[str, str] = {}  # device → how it stopped answering (since the station latched)
        self.zones = furnace_keys(config)
        gases = [line.gas for line in config.gas_lines]
        self.state = ProcessState(flows=dict.fromkeys(gases, 0.0), valves=dict.fromkeys([*gases, PUMP_LINE], False),
                                  setpoints=dict.fromkeys(self.zones, 0.0), heaters=dict.fromkeys(self.zones, True))
        try:  # what the devices were left at (unknown heaters count as on)
            for gas in gases:
                self.state.flows[gas] = float(self.drivers[f"mfc:{gas}"].read_setpoint())
            for line in self.state.valves:
                self.state.valves[line] = bool(self.drivers[f"valve:{line}"].read_open())
            for key in self.zones:
                self.state.setpoints[key] = float(self.drivers[key].read_setpoint())
                self.state.heaters[key] = bool(self.drivers[key].read_heater())
        except DeviceError as exc:
            self.trip(f"device fault at start: {exc}", source="interlock")

    def guarded(self) -> dict[str, GuardedDriver]:
        """Every driver of the station, wrapped."""
        return {key: GuardedDriver(self, key, driver) for key, driver in self.drivers.items()}

    # ---- commands ---------------------------------------------------------------------------------------
    def call(self, key: str, method: str, args: tuple[Any, ...]) -> Any:
        """Forward a read; check, audit and forward a command (InterlockError when refused)."""
        if not is_command(key, method):
            return self._forward(key, method, args)
        with self._lock:
            now = self.clock.time()
            if kind_of(key) in PROCESS_KINDS:
                self._read_live(now)
            value = args[0] if len(args) == 1 else args
            reason = refusal(self.config, self.state, key, method, value)
            self.audit.record("refuse" if reason else "allow", device=key, method=method, args=args, reason=reason,
                              clock_s=now)
            if reason is not None:
                self.trip(f"interlock refused {key}.{method}({_shown(args)}): {reason}", source="interlock")
                raise InterlockError(f"{key}.{method}({_shown(args)}) refused: {reason}")
            result = self._forward(key, method, args)
            self._observe(key, method, value, now)
            return result

    def _forward(self, key: str, method: str, args: tuple[Any, ...]) -> Any:
        """Call the driver; a device fault latches the station. A device that stopped answering is not queried
        again (each query would wait out its timeouts and retries) until the latch is cleared."""
        if key in self._silent:
            if self.latch.read() is not None:
                raise DeviceError(f"{self._silent[key]}; not queried again until the latch is cleared")
            self._silent.clear()
        try:
            return getattr(self.drivers[key], method)(*args)
        except DeviceError as exc:
            if not isinstance(exc, InstrumentError):  # no (sensible) answer, as opposed to an error reply
                self._silent[key] = str(exc)
            self.trip(f"device fault: {exc}", source="interlock")
            raise

    def _live(self, key: str, method: str) -> Any:
        """A reading, or None when the device does not answer (which latches the station: see `_forward`)."""
        try:
            return self._forward(key, method, ())
        except DeviceError:
            return None

    def _read_live(self, now: float) -> None:
        """Refresh the readings, the latch and the purge flag the rules need. An unreadable value is None: rules
        that need it refuse, while commands toward the safe state still go through."""
        state = self.state
        for key in self.zones:
            celsius = self._live(key, "read_pv")
            state.temperatures[key] = None if celsius is None else float(celsius)
        torr = self._live("gauge", "read_pressure")
        state.pressure_torr = None if torr is None else float(torr)
        state.loading = dict(self._live("holder", "read_loading") or {})
        state.latched = self.latch.reason
        self._track_purge(now)

    def _observe(self, key: str, method: str, value: Any, now: float) -> None:
        """Update the commanded state and the leak-check and purge flags after a command went out."""
        kind, _, name = key.partition(":")
        state = self.state
        if (kind, method) == ("furnace", "write_setpoint"):
            state.setpoints[key] = float(value)
        elif (kind, method) == ("furnace", "write_heater"):
            state.heaters[key] = bool(value)
        elif kind == "mfc":
            state.flows[name] = float(value)
        elif kind == "valve":
            self._leak_check(name, bool(value), now)
            state.valves[name] = bool(value)
        elif kind == "holder":  # the tube was opened: leak check and purge start over
            state.leak_checked = state.purged = False
            self._leak_start = self._purge_since = None
        self._track_purge(now)

    def _leak_check(self, line: str, opening: bool, now: float) -> None:
        """Closing the pump line with every gas line closed starts a rate-of-rise test; the next opening ends it."""
        state = self.state
        gas_open = any(state.valves[g] for g in state.flows)
        if line == PUMP_LINE and not opening and not gas_open:
            self._leak_start = (now, float(self._forward("gauge", "read_pressure", ())))
            return
        if opening and self._leak_start is not None:
            start_s, start_torr = self._leak_start
            self._leak_start = None
            elapsed = now - start_s
            rate = (float(self._forward("gauge", "read_pressure", ())) - start_torr) / max(elapsed, 1e-9) * 60.0
            limits = self.config.limits
            state.leak_checked = elapsed >= limits.min_leak_check_s and rate <= limits.max_leak_rate_torr_per_min
            self.audit.record("allow", reason=f"leak check {'passed' if state.leak_checked else 'failed'}: "
                              f"{rate:.3g} Torr/min over {elapsed:.0f} s", clock_s=now)

    def _track_purge(self, now: float) -> None:
        state = self.state
        inert = self.config.inert_gas
        purging = (state.leak_checked and state.valves[inert] and state.flows[inert] > 0
                   and state.valves[PUMP_LINE])
        if state.purged:
            return
        if not purging:
            self._purge_since = None
        elif self._purge_since is None:
            self._purge_since = now
        elif now - self._purge_since >= self.config.limits.min_purge_s:
            state.purged = True

    # ---- the latched safe state ---------------------------------------------------------------------------
    def trip(self, reason: str, *, source: str) -> None:
        """Latch the station and drive the safe state (once per latch)."""
        with self._lock:
            self.latch.trip(reason, source=source, clock_s=self.clock.time())
            self.enforce(source)

    def enforce(self, source: str = "interlock") -> bool:
        """Drive the safe state if the station is latched and this process has not yet done so; True if it did."""
        with self._lock:
            record = self.latch.read()
            if record is None or record["id"] == self._driven:
                return False
            self._driven = record["id"]
            errors = self.drive_safe_state(source)
            self.latch.note(safe_state_clock_s=self.clock.time(), safe_state_errors=errors)
            return True

    def drive_safe_state(self, source: str) -> list[str]:
        """Heater off, flammables off and closed, pump and Ar purge on: each command tried; returns the failures."""
        errors = []
        with self._lock:
            for key, method, value in safe_state_commands(self.config):
                now = self.clock.time()
                try:
                    getattr(self.drivers[key], method)(value)
                    self._observe(key, method, value, now)
                except Exception as exc:  # a dead device must not stop the others from reaching safety
                    errors.append(f"{key}.{method}: {exc}")
                    self.audit.record("safe-state", device=key, method=method, args=(value,), clock_s=now,
                                      reason=f"failed: {exc}", source={"actor": source})
                    continue
                self.audit.record("safe-state", device=key, method=method, args=(value,), clock_s=now,
                                  source={"actor": source})
        return errors
