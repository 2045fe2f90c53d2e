"""Both ends of the catalog while what it stands on is away: the server's database (stopped, restarting) or the
server itself (restarting). The server answers a request that failed on a lost database connection with 503
(`DatabaseOutage`): its transaction was not committed, so nothing of it was written. The client sends a request
again, backing off, while the server cannot be reached or answers 503 (`WaitingTransport`), so a campaign waits
for its catalog instead of failing half-way through a run, and no document is lost or written twice.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import httpx

PATIENCE_S = 120.0  # how long a request waits for its catalog (a database or server restart takes seconds)
RETRY_AFTER_S = 1  # what the server tells a client to wait before it sends a request again
MAX_DELAY_S = 5.0


class WaitingTransport(httpx.BaseTransport):
    """An httpx transport around another that sends a request again, backing off for up to `patience_s`, while
    the server cannot be reached (the request never left) or answers 503 (it did not handle it). Any other
    failure or answer is the caller's at once: a request that may have been handled is never sent twice."""

    def __init__(self, transport: httpx.BaseTransport, patience_s: float = PATIENCE_S,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self._transport = transport
        self._patience_s = patience_s
        self._sleep = sleep

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()  # the body, kept to be sent again
        deadline, delay = time.monotonic() + self._patience_s, 0.1
        while True:
            try:
                response = self._transport.handle_request(request)
            except (httpx.ConnectError, httpx.ConnectTimeout):
                if time.monotonic() > deadline:
                    raise
            else:
                if response.status_code != httpx.codes.SERVICE_UNAVAILABLE or time.monotonic() > deadline:
                    return response
                response.read()
                response.close()
                delay = max(delay, _retry_after(response))
            self._sleep(delay)
            delay = min(2 * delay, MAX_DELAY_S)

    def close(self) -> None:
        self._transport.close()


def _retry_after(response: httpx.Response) -> float:
    try:
        return min(float(response.headers.get("Retry-After", 0)), MAX_DELAY_S)
    except ValueError:
        return 0.0


def open_catalog(uri: str) -> Any:
    """The tiled client of the catalog at `uri` whose every request, from its root node's on, waits for the catalog
    as `WaitingTransport` does (`tiled.client.from_uri` would read the root node before it could be told to)."""
    from tiled.client import from_context
    from tiled.client.context import Context

    context, node_path_parts = Context.from_any_uri(uri)
    http = context.http_client
    http._transport = WaitingTransport(http._transport)  # tiled wraps its own transport the same way
    return from_context(context, node_path_parts=node_path_parts)


def lost_database(exc: BaseException) -> bool:
    """Whether `exc`, what caused it or an exception of its group is a database connection that failed or broke:
    refused, closed, terminated by a shutdown, or not yet accepted by a starting server."""
    import adbc_driver_manager
    import asyncpg
    import sqlalchemy.exc

    lost = (ConnectionError, asyncpg.PostgresConnectionError, asyncpg.exceptions.OperatorInterventionError,
            asyncpg.InterfaceError, adbc_driver_manager.OperationalError)
    seen: set[int] = set()
    pending = [exc]
    while pending:
        error = pending.pop()
        if id(error) in seen:
            continue
        seen.add(id(error))
        if isinstance(error, lost) or (isinstance(error, sqlalchemy.exc.DBAPIError) and error.connection_invalidated):
            return True
        pending += [*getattr(error, "exceptions", ()), *(e for e in (error.__cause__, error.__context__) if e)]
    return False


class DatabaseOutage:
    """ASGI middleware of the catalog server: a request that failed on a lost database connection before its
    answer began is answered 503 with Retry-After, the client's sign to send it again. (tiled's table storage pools
    its connections without checking them; each one that a database restart left dead fails one request, is
    dropped by the pool, and that request is sent again.)"""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        began = False

        async def sending(message: dict[str, Any]) -> None:
            nonlocal began
            began = began or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, sending)
        except Exception as exc:
            if began or not lost_database(exc):
                raise
            logging.getLogger("uvicorn.error").warning("%s %s: the database cannot be reached (%s); answered 503",
                                                       scope["method"], scope["path"], exc)
            from starlette.responses import JSONResponse

            answer = JSONResponse({"detail": "the catalog's database cannot be reached; nothing was written; "
                                             "send the request again"},
                                  status_code=httpx.codes.SERVICE_UNAVAILABLE,
                                  headers={"Retry-After": str(RETRY_AFTER_S)})
            await answer(scope, receive, send)
