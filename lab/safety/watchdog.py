"""The watchdog: a growth whose orchestrator stops beating (dead or hung) ends in the latched safe state.

While a growth run is open the RunEngine beats on every message (`beat`, its `msg_hook`) and a lease file
(`$SDLAB_HOME/safety/<station>.lease.json`, the process id and the run) says a growth is under way. A thread
trips the interlock when no beat came for `watchdog_s` of clock time (and `watchdog_min_wall_s` of wall time,
so an accelerated clock does not trip on a scheduling hiccup). A process killed mid-growth cannot trip
anything itself: the lease it leaves behind is found by the next process that opens the station
(`Lease.stale`), which latches and drives the safe state before anything else.
"""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path
from typing import Any

from devices.config import SafetySettings
from lab.errors import UserError
from lab.safety.audit import safety_dir
from lab.safety.interlock import Interlock

GROWTH_PLANS = ("cvd_growth",)
POLL_WALL_S = 0.02


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Lease:
    """Says which process is running a growth on a station (a file that outlives a killed process)."""

    def __init__(self, station: str, directory: Path | None = None) -> None:
        self.station = station
        self.path = (directory or safety_dir()) / f"{station}.lease.json"

    def take(self, run: str, experiment: str | None) -> None:
        self.path.write_text(json.dumps({"pid": os.getpid(), "run": run, "experiment_id": experiment}))

    def release(self) -> None:
        self.path.unlink(missing_ok=True)

    def read(self) -> dict[str, Any] | None:
        try:
            return json.loads(self.path.read_text())
        except (FileNotFoundError, ValueError):
            return None

    def stale(self) -> dict[str, Any] | None:
        """The lease of a process that died during a growth; UserError if a live process holds the station."""
        lease = self.read()
        if lease is None:
            return None
        if lease["pid"] != os.getpid() and _alive(lease["pid"]):
            raise UserError(f"station {self.station} is running a growth in process {lease['pid']} "
                            f"(experiment {lease.get('experiment_id')}); stop that process first")
        return lease


class Watchdog:
    """Heartbeat watchdog of one station's orchestrator."""

    def __init__(self, interlock: Interlock, settings: SafetySettings, lease: Lease) -> None:
        self.interlock = interlock
        self.clock = interlock.clock
        self.settings = settings
        self.lease = lease
        self.armed = False
        self._last = (self.clock.time(), time.monotonic())
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"watchdog-{lease.station}", daemon=True)

    def start(self) -> Watchdog:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=2.0)

    def beat(self, *_: Any) -> None:
        """The orchestrator is alive (the RunEngine's msg_hook)."""
        self._last = (self.clock.time(), time.monotonic())

    def track(self, name: str, doc: dict[str, Any]) -> None:
        """A RunEngine callback: a growth run arms the watchdog and holds the lease until it stops."""
        if name == "start" and doc.get("plan_name") in GROWTH_PLANS:
            self.beat()
            self.lease.take(doc["uid"], doc.get("experiment_id"))
            self.armed = True
        elif name == "stop" and self.armed:
            self.armed = False
            self.lease.release()

    def silent_s(self) -> float:
        """Clock seconds since the last beat."""
        return self.clock.time() - self._last[0]

    def check(self) -> bool:
        """Trip the safe state if armed and silent too long; drive it for a latch set elsewhere. True if it acted."""
        last_clock, last_wall = self._last
        silent = self.clock.time() - last_clock
        if (self.armed and silent > self.settings.watchdog_s
                and time.monotonic() - last_wall >= self.settings.watchdog_min_wall_s):
            self.armed = False
            self.interlock.trip(f"watchdog: no heartbeat from the orchestrator for {silent:.0f} s "
                                f"(limit {self.settings.watchdog_s:g} s)", source="watchdog")
            return True
        return self.interlock.enforce("watchdog")

    def _run(self) -> None:
        while not self._stop.wait(POLL_WALL_S):
            try:
                self.check()
            except Exception as exc:  # a watchdog must outlive a failed check; the latch holds
                self.interlock.audit.record("watchdog-error", reason=repr(exc), clock_s=self.clock.time(),
                                            source={"actor": "watchdog"})
