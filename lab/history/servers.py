"""Which process serves a catalog directory: a record `{pid, uri}` beside the catalog, read by every process that
wants to write to it (light on purpose: the command line reads it without importing tiled)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

SERVER_RECORD = "server.json"  # {pid, uri} of the process serving the catalog


def live_server(directory: Path) -> dict[str, Any] | None:
    """The record `{pid, uri}` of the live process serving the catalog in `directory`, if any."""
    try:
        info = json.loads((directory / SERVER_RECORD).read_text())
        os.kill(info["pid"], 0)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return info


def record_server(directory: Path, pid: int, uri: str) -> None:
    """Announce that process `pid` serves the catalog in `directory` at `uri` (other processes then use it)."""
    (directory / SERVER_RECORD).write_text(json.dumps({"pid": pid, "uri": uri}))


def forget_server(directory: Path, pid: int) -> None:
    """Remove the server record if it still names process `pid`."""
    info = live_server(directory)
    if info is None or info["pid"] == pid:
        (directory / SERVER_RECORD).unlink(missing_ok=True)
