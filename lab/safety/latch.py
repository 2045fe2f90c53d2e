"""The latched safe state: a per-station record that only an operator clears.

`$SDLAB_HOME/safety/<station>.latch.json` exists while the station is latched; it holds why and when it
tripped and how the safe state was reached. A latched station takes no command that leads away from the safe
state, and no growth starts on it, in this process or any other, until `sdlab safety clear`.
"""

from __future__ import annotations

import json
import os
import threading
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from lab.errors import UserError
from lab.safety.audit import AuditLog, safety_dir


class LatchedError(UserError):
    """The station is latched in the safe state; nothing may start until an operator clears it."""


def _write(path: Path, record: dict[str, Any]) -> None:
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(record, indent=1))
    os.replace(temporary, path)


class Latch:
    """The latch of one station (persistent across processes)."""

    def __init__(self, station: str, audit: AuditLog, directory: Path | None = None) -> None:
        self.station = station
        self.audit = audit
        self.path = (directory or safety_dir()) / f"{station}.latch.json"
        self._lock = threading.Lock()

    def read(self) -> dict[str, Any] | None:
        """The latch record, or None when the station is not latched."""
        try:
            return json.loads(self.path.read_text())
        except FileNotFoundError:
            return None

    @property
    def reason(self) -> str | None:
        """Why the station is latched (None: it is not)."""
        record = self.read()
        return None if record is None else record["reason"]

    def trip(self, reason: str, *, source: str, clock_s: float | None = None) -> bool:
        """Latch the station (keeping the first reason if it already is); True if this call latched it."""
        with self._lock:
            if self.read() is not None:
                return False
            _write(self.path, {"id": uuid.uuid4().hex, "station": self.station, "reason": reason, "source": source,
                               "tripped_at": datetime.now(UTC).isoformat(timespec="seconds"),
                               "tripped_clock_s": clock_s, "pid": os.getpid()})
        self.audit.record("trip", reason=reason, clock_s=clock_s, source={"actor": source})
        return True

    def note(self, **details: Any) -> None:
        """Add details (e.g. when the safe state was reached) to the present latch record."""
        with self._lock:
            record = self.read()
            if record is not None:
                _write(self.path, {**record, **details})

    def clear(self, operator: str, reason: str) -> dict[str, Any]:
        """Clear the latch on an operator's word; returns the cleared record."""
        if not operator.strip() or not reason.strip():
            raise UserError("safety clear needs --operator NAME and --reason TEXT (they go into the audit log)")
        with self._lock:
            record = self.read()
            if record is None:
                raise UserError(f"station {self.station} is not latched; nothing to clear")
            self.path.unlink()
        self.audit.record("clear", reason=f"cleared by {operator}: {reason} (was: {record['reason']})",
                          source={"actor": "operator", "operator": operator})
        return record

    def require_clear(self) -> None:
        """Raise LatchedError naming the reason if the station is latched."""
        reason = self.reason
        if reason is not None:
            raise LatchedError(f"station {self.station} is latched in the safe state ({reason}); check the station, "
                               f"then: sdlab safety clear --station {self.station} --operator NAME --reason TEXT")
