"""The child process of `lab.history.store.CatalogServer`: serve a catalog directory with tiled's `SimpleTiledServer` on
loopback, announce `{"uri": ...}` on stdout; on the line `stop` finish the requests and exit, and when stdin
closes without it (the parent died) exit at once, as the server would have died with the parent in-process.
Every way out ends the process, also an error (a parent killed before it read the address makes the announcement
fail): the server's thread is not a daemon and would otherwise keep the process alive.

    python -m lab.history.catalog_server DIRECTORY
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from pathlib import Path
from typing import NoReturn

STOP = "stop"


def serve_catalog(directory: Path) -> None:
    """Serve `directory` until told to stop (or until the parent is gone)."""
    from tiled.server import SimpleTiledServer  # here: the parent imports this module for STOP only

    server = SimpleTiledServer(directory=directory)
    print(json.dumps({"uri": server.uri}), flush=True)
    if sys.stdin.readline().strip() != STOP:
        os._exit(0)
    server.close()


def main(directory: Path) -> NoReturn:
    """`serve_catalog`, then exit even while the server's thread runs (exit code 1 after an error)."""
    try:
        serve_catalog(directory)
    except BaseException:
        traceback.print_exc()
        os._exit(1)
    os._exit(0)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
