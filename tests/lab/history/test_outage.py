"""The catalog while its database or server is away: the server answers 503 for a request that failed on a lost
database connection; the client sends a request again while unreached or answered 503, and nothing else twice."""

from __future__ import annotations

import adbc_driver_manager
import asyncpg
import httpx
import pytest
import sqlalchemy.exc
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, StreamingResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from lab.history.outage import DatabaseOutage, WaitingTransport, lost_database


class Server:
    """The far end of a `WaitingTransport`: answers each request with the next of `answers` (a status code, or an
    exception raised as the transport would), and keeps what it was sent."""

    def __init__(self, *answers: int | Exception) -> None:
        self.answers = list(answers)
        self.bodies: list[bytes] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        self.bodies.append(request.content)
        return httpx.Response(answer, headers={"Retry-After": "3"} if answer == 503 else {})


def _client(server: Server, slept: list[float], patience_s: float = 120.0) -> httpx.Client:
    transport = WaitingTransport(httpx.MockTransport(server), patience_s=patience_s, sleep=slept.append)
    return httpx.Client(transport=transport, base_url="http://catalog")


def test_a_request_answered_503_is_sent_again_with_its_body_after_the_servers_retry_after() -> None:
    server, slept = Server(503, 503, 200), []
    response = _client(server, slept).patch("/table/partition", content=b"rows 1-100")
    assert response.status_code == 200
    assert server.bodies == [b"rows 1-100"] * 3  # the same append, handled once (the 503s handled nothing)
    assert slept == [3.0, 5.0]  # no sooner than Retry-After, backing off (doubling, up to 5 s)


def test_a_request_that_never_reached_the_server_is_sent_again() -> None:
    refused = httpx.ConnectError("connection refused")
    server, slept = Server(refused, httpx.ConnectTimeout("no answer to connect"), refused, 201), []
    assert _client(server, slept).post("/metadata/", content=b"run").status_code == 201
    assert server.bodies == [b"run"]
    assert slept == pytest.approx([0.1, 0.2, 0.4])


@pytest.mark.parametrize("failure", [409, 500, httpx.ReadTimeout("the server may have handled it")])
def test_a_request_the_server_may_have_handled_is_never_sent_twice(failure: int | Exception) -> None:
    server, slept = Server(failure, 200), []
    if isinstance(failure, Exception):
        with pytest.raises(httpx.ReadTimeout):
            _client(server, slept).patch("/table/partition", content=b"rows")
    else:
        assert _client(server, slept).patch("/table/partition", content=b"rows").status_code == failure
    assert server.answers == [200] and slept == []


def test_after_its_patience_the_last_answer_or_failure_is_the_callers() -> None:
    server, slept = Server(*[503] * 5), []
    assert _client(server, slept, patience_s=0.0).get("/").status_code == 503
    assert len(server.answers) == 4 and slept == []
    server = Server(httpx.ConnectError("refused"), httpx.ConnectError("refused"))
    with pytest.raises(httpx.ConnectError):
        _client(server, [], patience_s=0.0).get("/")


def _chained(error: Exception, outer: Exception) -> Exception:
    try:
        try:
            raise error
        except Exception as cause:
            raise outer from cause
    except Exception as exc:
        return exc


LOST = [ConnectionRefusedError(111, "Connection refused"),
        adbc_driver_manager.OperationalError("IO: [libpq] Failed to begin transaction: FATAL: terminating connection",
                                             status_code=adbc_driver_manager.AdbcStatusCode.IO),
        asyncpg.exceptions.AdminShutdownError("terminating connection due to administrator command"),
        asyncpg.exceptions.CannotConnectNowError("the database system is starting up"),
        asyncpg.InterfaceError("connection is closed"),
        sqlalchemy.exc.DBAPIError("SELECT 1", None, Exception("gone"), connection_invalidated=True),
        _chained(ConnectionRefusedError(111, "refused"), RuntimeError("while building the node")),
        ExceptionGroup("unhandled errors in a TaskGroup", [_chained(ConnectionResetError(), KeyError("k"))])]
NOT_LOST = [ValueError("bad structure"), KeyError("no such node"),
            sqlalchemy.exc.IntegrityError("INSERT", None, Exception("duplicate key")),
            asyncpg.exceptions.UniqueViolationError("duplicate key value"),
            adbc_driver_manager.ProgrammingError("syntax error",
                                                 status_code=adbc_driver_manager.AdbcStatusCode.INVALID_ARGUMENT),
            ExceptionGroup("unhandled errors in a TaskGroup", [ValueError("bad")])]


@pytest.mark.parametrize("error", LOST, ids=lambda e: type(e).__name__)
def test_a_lost_database_connection_is_told_through_causes_and_groups(error: Exception) -> None:
    assert lost_database(error)


@pytest.mark.parametrize("error", NOT_LOST, ids=lambda e: type(e).__name__)
def test_other_failures_are_not_a_lost_database(error: Exception) -> None:
    assert not lost_database(error)


def _app(error: Exception, *, after_answer_began: bool = False) -> TestClient:
    async def failing(request: Request) -> PlainTextResponse | StreamingResponse:
        if after_answer_began:
            async def body():  # type: ignore[no-untyped-def]
                yield b"part of the answer"
                raise error
            return StreamingResponse(body())
        raise error

    app = Starlette(routes=[Route("/node", failing, methods=["GET", "POST"])])
    app.add_middleware(DatabaseOutage)
    return TestClient(app, raise_server_exceptions=False)


@pytest.mark.parametrize("error", LOST[:2], ids=lambda e: type(e).__name__)
def test_the_server_answers_503_with_retry_after_for_a_lost_database(error: Exception) -> None:
    response = _app(error).post("/node", content=b"run")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "1"
    assert "nothing was written" in response.json()["detail"]


def test_the_server_answers_500_for_any_other_failure() -> None:
    assert _app(ValueError("bad structure")).post("/node").status_code == 500


def test_a_lost_database_after_the_answer_began_is_not_answered_again() -> None:
    client = TestClient(_app(LOST[0], after_answer_began=True).app)
    with pytest.raises(ConnectionRefusedError):  # the client sees a broken answer, never a second one
        client.get("/node")
