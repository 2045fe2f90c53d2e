"""Who serves a catalog directory: the embedded tiled server in a child process (`CatalogServer`), and a record
`{pid, uri}` beside the catalog, read by every process that wants to write to it. Light on purpose: the command
line reads the record, and starts a server while it imports the rest, without importing tiled."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from functools import cached_property
from pathlib import Path
from typing import Any

from lab.history.catalog_server import STOP
from lab.home import sdlab_home

SERVER_RECORD = "server.json"  # {pid, uri} of the process serving the catalog
CATALOG_URI = "SDLAB_CATALOG_URI"  # a remote catalog (tiled URI with api_key) to use instead of the local one


def catalog_directory() -> Path:
    """The local catalog's directory: `$SDLAB_HOME/catalog`."""
    return sdlab_home() / "catalog"


class CatalogServer:
    """The embedded tiled server (`SimpleTiledServer`, loopback) of a catalog directory, in a child process
    (`python -m lab.history.catalog_server DIRECTORY`), so that serving never competes with the station for this
    process's interpreter. It starts at once and is waited for when its `uri` is first asked for; it stops when
    closed, and at once when this process dies (its stdin closes)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._process = subprocess.Popen([sys.executable, "-m", "lab.history.catalog_server", str(directory)],
                                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    @cached_property
    def uri(self) -> str:
        """The server's address, once it serves (RuntimeError if it did not start)."""
        assert self._process.stdout is not None
        line = self._process.stdout.readline()
        if not line:
            raise RuntimeError(f"the catalog server for {self.directory} did not start (exit code "
                               f"{self._process.wait()}); see {self.directory / 'error.log'}")
        return json.loads(line)["uri"]

    def close(self) -> None:
        """Stop serving (the child finishes its requests and exits)."""
        assert self._process.stdin is not None
        with contextlib.suppress(BrokenPipeError):  # the child is already gone
            self._process.stdin.write(STOP + "\n")
            self._process.stdin.close()
        self._process.wait()


def reach_catalog(directory: Path | None = None) -> str | CatalogServer:
    """Where a store of `directory` writes (default: the local catalog, or the one `$SDLAB_CATALOG_URI` names): the
    address of a catalog that is served already, or else a server of it, starting now (`RunStore(catalog=...)` takes
    either; a server given to a store is owned by it)."""
    if directory is None and (uri := os.environ.get(CATALOG_URI)):
        return uri
    directory = directory or catalog_directory()
    info = live_server(directory)
    if info is not None:
        return info["uri"]
    directory.mkdir(parents=True, exist_ok=True)
    return CatalogServer(directory)


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
