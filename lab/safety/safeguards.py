"""The safety layer of one station in one process: interlock, audit log, latch, watchdog and suspenders."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bluesky import RunEngine

from devices.config import StationConfig
from devices.interfaces import Clock
from lab.safety.audit import AuditLog
from lab.safety.interlock import Interlock
from lab.safety.latch import Latch
from lab.safety.suspenders import ReadingMonitor
from lab.safety.watchdog import Lease, Watchdog


@dataclass
class Safeguards:
    """Everything that keeps one station safe while this process drives it."""

    interlock: Interlock
    watchdog: Watchdog
    monitor: ReadingMonitor

    @classmethod
    def start(cls, config: StationConfig, drivers: dict[str, Any], clock: Clock, *,
              source: dict[str, Any] | None = None) -> Safeguards:
        """Guard `drivers` (raw) and start watching. A lease left by a process that died mid-growth, or a latch
        from before, ends in the safe state here before anything else happens."""
        audit = AuditLog(config.name, source=source)
        lease = Lease(config.name)
        stale = lease.stale()
        interlock = Interlock(config, drivers, clock, audit, Latch(config.name, audit))
        if stale is not None:
            interlock.trip(f"process {stale['pid']} stopped during growth {stale.get('experiment_id') or stale['run']}"
                           " (it left its lease behind)", source="watchdog")
            lease.release()
        interlock.enforce("interlock")
        watchdog = Watchdog(interlock, config.safety, lease).start()
        return cls(interlock, watchdog, ReadingMonitor(interlock, config.safety, while_suspended=watchdog.beat))

    @property
    def latch(self) -> Latch:
        return self.interlock.latch

    @property
    def audit(self) -> AuditLog:
        return self.interlock.audit

    def attach(self, engine: RunEngine) -> None:
        """Beat the watchdog on every message, attribute commands to runs, install the suspenders."""
        engine.msg_hook = self.watchdog.beat
        engine.subscribe(self.audit.track)
        engine.subscribe(self.watchdog.track)
        self.monitor.install(engine)

    def close(self) -> None:
        """Stop watching (the latch and the audit log stay)."""
        self.monitor.stop()
        self.watchdog.stop()
