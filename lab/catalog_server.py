"""The child process of `lab.store.CatalogServer`: serve a catalog directory with tiled's `SimpleTiledServer` on
loopback, announce `{"uri": ...}` on stdout; on the line `stop` finish the requests and exit, and when stdin
closes without it (the parent died) exit at once, as the server would have died with the parent in-process.

    python -m lab.catalog_server DIRECTORY
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

STOP = "stop"


def serve_catalog(directory: Path) -> None:
    """Serve `directory` until told to stop (or until the parent is gone)."""
    from tiled.server import SimpleTiledServer  # here: the parent imports this module for STOP only

    server = SimpleTiledServer(directory=directory)
    print(json.dumps({"uri": server.uri}), flush=True)
    if sys.stdin.readline().strip() != STOP:
        os._exit(0)
    server.close()


if __name__ == "__main__":
    serve_catalog(Path(sys.argv[1]))
