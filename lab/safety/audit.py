"""The safety audit log: every command sent to every device, with its source and the interlock's decision.

One JSON object per line in `$SDLAB_HOME/safety/audit.jsonl`, only ever appended to. A record holds the wall
time, the station clock time, the station, the device (driver key), method and arguments, the source (plan,
run uid, campaign and experiment id, or `interlock` / `watchdog` / `operator`) and the decision (`allow`,
`refuse`, `safe-state`) with its reason; latch trips and clears are recorded as events.
"""

from __future__ import annotations

import json
import math
import os
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from lab.home import sdlab_home

AUDIT_FILE = "audit.jsonl"


def safety_dir() -> Path:
    """`$SDLAB_HOME/safety` (created on first use)."""
    path = sdlab_home() / "safety"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _plain(value: Any) -> Any:
    """A JSON-safe rendering of a command argument (non-finite floats as strings)."""
    if isinstance(value, bool | int | str) or value is None:
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return repr(value)


class AuditLog:
    """Appends audit records for one station; the source of commands follows the RunEngine's runs."""

    def __init__(self, station: str, path: Path | None = None, *, source: dict[str, Any] | None = None) -> None:
        self.station = station
        self.path = path or safety_dir() / AUDIT_FILE
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.base_source = dict(source or {})
        self.source = dict(self.base_source)
        self._lock = threading.Lock()

    def record(self, decision: str, *, device: str | None = None, method: str | None = None,
               args: tuple[Any, ...] = (), reason: str | None = None, clock_s: float | None = None,
               source: dict[str, Any] | None = None) -> dict[str, Any]:
        """Append one record and return it."""
        entry = {"time": datetime.now(UTC).isoformat(timespec="microseconds"), "clock_s": clock_s,
                 "station": self.station, "device": device, "method": method, "args": _plain(list(args)),
                 "source": dict(source if source is not None else self.source), "decision": decision,
                 "reason": reason}
        line = json.dumps(entry, allow_nan=False) + "\n"
        with self._lock, self.path.open("a", encoding="utf-8") as handle:
            handle.write(line)
        return entry

    def track(self, name: str, doc: dict[str, Any]) -> None:
        """A RunEngine callback: commands inside a run are attributed to its plan, run uid and experiment."""
        if name == "start":
            self.source = {**self.base_source, "plan": doc.get("plan_name"), "run": doc.get("uid"),
                           **{k: doc[k] for k in ("campaign", "experiment_id") if k in doc}}
        elif name == "stop":
            self.source = dict(self.base_source)


def read_audit(path: Path | None = None, *, station: str | None = None) -> Iterator[dict[str, Any]]:
    """The records of the audit log, oldest first (optionally of one station); lines that are no record (a writer
    killed half-way through one, the line still being written) are skipped."""
    path = path or safety_dir() / AUDIT_FILE
    if not path.exists():
        return
    with path.open("rb") as handle:
        for line in handle:
            entry = _record(line)
            if entry is not None and (station is None or entry["station"] == station):
                yield entry


def _record(line: bytes) -> dict[str, Any] | None:
    """The record a line of the log holds; None for a line that is not one."""
    try:
        entry = json.loads(line)
    except ValueError:  # also a line cut inside a multi-byte character
        return None
    return entry if isinstance(entry, dict) and isinstance(entry.get("station"), str) else None


def latest_audit(last: int, path: Path | None = None, *, admit: Callable[[dict[str, Any]], bool] = lambda _: True,
                 block_bytes: int = 1 << 16) -> list[dict[str, Any]]:
    """The last `last` records that `admit` accepts, oldest first, as `read_audit` reads them, but from the end of
    the log, so that a log of years is not parsed whole to show its tail."""
    path = path or safety_dir() / AUDIT_FILE
    if not path.exists() or last <= 0:
        return []
    found: list[dict[str, Any]] = []
    for line in _lines_from_the_end(path, block_bytes):
        entry = _record(line)
        if entry is not None and admit(entry):
            found.append(entry)
            if len(found) == last:
                break
    return found[::-1]


def _lines_from_the_end(path: Path, block_bytes: int) -> Iterator[bytes]:
    """The complete, non-empty lines of `path`, last first, read in blocks from its end."""
    with path.open("rb") as handle:
        end = handle.seek(0, os.SEEK_END)
        carry, trailing = b"", True  # trailing: no newline found yet (what follows the last one is being written)
        while end > 0:
            start = max(0, end - block_bytes)
            handle.seek(start)
            lines = (handle.read(end - start) + carry).split(b"\n")
            end = start
            if trailing:
                if len(lines) == 1:
                    carry = b""
                    continue
                lines.pop()
                trailing = False
            carry = lines.pop(0) if start > 0 else b""  # the end of a line that begins further up
            yield from (line for line in reversed(lines) if line.strip())


def describe(entry: dict[str, Any]) -> str:
    """One audit record as one line of text."""
    source = entry.get("source") or {}
    who = source.get("experiment_id") or source.get("plan") or source.get("actor") or "-"
    what = f"{entry['device']}.{entry['method']}({', '.join(map(str, entry['args']))})" if entry["device"] else ""
    reason = f"  — {entry['reason']}" if entry.get("reason") else ""
    return f"{entry['time']}  {entry['station']}  {entry['decision']:<10} {who:<24} {what}{reason}"
