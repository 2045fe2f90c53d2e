"""The child process of `lab.history.servers.CatalogServer`: serve a catalog directory with tiled on loopback
(as `SimpleTiledServer` would, its tables safe under concurrent writers), announce `{"uri": ...}` on stdout; on the
line `stop` finish the requests and exit, and when stdin closes without it (the parent died) exit at once, as the
server would have died with the parent in-process. Every way out ends the process, also an error (a parent killed
before it read the address makes the announcement fail): the server's thread is not a daemon and would otherwise
keep the process alive.

    python -m lab.history.catalog_server DIRECTORY
"""

from __future__ import annotations

import contextlib
import copy
import json
import os
import secrets
import sys
import time
import traceback
from pathlib import Path
from typing import Any, NoReturn

from lab.heap import lasting_heap

STOP = "stop"


def catalog(directory: Path) -> Any:
    """The tiled catalog adapter of `directory`, laid out as tiled's `SimpleTiledServer` lays it out (so catalogs
    written before stay readable): nodes in SQLite (`catalog.db`), arrays in files (`data/`), tables in DuckDB
    (`storage.duckdb`, the one embedded table storage that keeps array cells such as spectra; SQLite's does not).
    Tiled shares one DuckDB connection between all requests, and two campaigns writing at once broke each other's
    transactions ('No active transaction', then a hang): here the requests take that connection in turn."""
    import sqlalchemy.pool
    from tiled.catalog import from_uri
    from tiled.config import StreamingCacheConfig
    from tiled.storage import get_storage
    from tiled.utils import ensure_uri

    directory = directory.resolve()
    (directory / "data").mkdir(parents=True, exist_ok=True)
    tables = ensure_uri(f"duckdb:///{directory / 'storage.duckdb'}")
    nodes = f"sqlite:///{directory / 'catalog.db'}"
    initialize(nodes)
    adapter = from_uri(nodes,
                       writable_storage=[directory / "data", tables],
                       cache_config=StreamingCacheConfig(uri="memory").model_dump())
    storage = get_storage(tables)
    storage.__dict__["_connection_pool"] = sqlalchemy.pool.QueuePool(  # one connection, checked out by one at a time
        lambda: storage._adbc_connection.adbc_clone(), pool_size=1, max_overflow=0, timeout=600)
    return adapter


def initialize(uri: str) -> None:
    """Create the catalog's tables and stamp their schema revision where the database is new, as
    `tiled catalog init --if-not-exists` does, in this process (tiled's `from_uri(init_if_not_exists=True)` starts
    that command as a process of its own, which costs a second interpreter and its imports at every start). Runs
    before any event loop of this process."""
    import asyncio

    from sqlalchemy.ext.asyncio import create_async_engine
    from tiled.alembic_utils import UninitializedDatabase, check_database, stamp_head
    from tiled.catalog.alembic_constants import ALEMBIC_DIR, ALEMBIC_INI_TEMPLATE_PATH
    from tiled.catalog.core import ALL_REVISIONS, REQUIRED_REVISION, initialize_database
    from tiled.utils import ensure_specified_sql_driver

    uri = ensure_specified_sql_driver(uri)

    async def create() -> bool:
        engine = create_async_engine(uri)
        try:
            await check_database(engine, REQUIRED_REVISION, ALL_REVISIONS)
        except UninitializedDatabase:
            await initialize_database(engine)
            return True
        finally:
            await engine.dispose()
        return False

    if asyncio.run(create()):
        stamp_head(ALEMBIC_INI_TEMPLATE_PATH, ALEMBIC_DIR, uri)


def serve_catalog(directory: Path) -> None:
    """Serve `directory` on loopback (a random port, a generated API key) until told to stop (or until the parent
    is gone); the server's logs go to `access.log` and `error.log` in `directory`."""
    with lasting_heap():  # ~1 s less of a start-up that competes with the campaign process's own
        import uvicorn  # here: the parent imports this module for STOP only
        from tiled.config import Authentication
        from tiled.server.app import build_app
        from tiled.server.logging_config import LOGGING_CONFIG
        from tiled.server.simple import ThreadedServer

        api_key = secrets.token_hex(16)
        app = build_app(catalog(directory), authentication=Authentication(single_user_api_key=api_key))
    log_config = copy.deepcopy(LOGGING_CONFIG)
    for handler, name in (("access", "access.log"), ("default", "error.log")):
        del log_config["handlers"][handler]["stream"]
        log_config["handlers"][handler].update({"class": "logging.FileHandler", "filename": str(directory / name)})
    server = ThreadedServer(uvicorn.Config(app, host="127.0.0.1", port=0, loop="asyncio", log_config=log_config))
    with server.run_in_thread() as base_url:
        _wait_ready(base_url)
        print(json.dumps({"uri": f"{base_url}/api/v1?api_key={api_key}"}), flush=True)
        if sys.stdin.readline().strip() != STOP:
            os._exit(0)


def _wait_ready(base_url: str, timeout_s: float = 60.0) -> None:
    """Wait until the app answers (uvicorn listens before the app's startup is done)."""
    import httpx

    deadline = time.monotonic() + timeout_s
    with httpx.Client(trust_env=False) as client:
        while True:
            with contextlib.suppress(httpx.RequestError):
                if client.get(f"{base_url}/healthz", timeout=1.0).status_code == 200:
                    return
            if time.monotonic() > deadline:
                raise TimeoutError(f"the catalog server at {base_url} did not become ready in {timeout_s:.0f} s")
            time.sleep(0.1)


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
