"""Prefect's temporary server: one per process, whatever its start-up meets, and a failure is one clear line.

The server process here is a stand-in: a `uvicorn` package first on PYTHONPATH, so that `python -m uvicorn
--port N …` (how the server is launched) runs it. It records each launch and answers Prefect's health check.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import prefect.context
import pytest
from prefect.settings import PREFECT_API_URL, PREFECT_HOME, PREFECT_SERVER_EPHEMERAL_ENABLED, temporary_settings

from lab.campaign import prefect_server
from lab.campaign.prefect_database import template_files
from lab.campaign.prefect_server import ensure_server, start_prefect, temporary_server
from lab.errors import ServiceError

FAKE_UVICORN = """
import os, socket, sys
with open(os.environ["FAKE_UVICORN_LAUNCHES"], "a") as launches:
    launches.write(f"{os.getpid()}\\n")
if os.environ["FAKE_UVICORN"] == "exit":
    sys.exit(1)
server = socket.create_server(("127.0.0.1", int(sys.argv[sys.argv.index("--port") + 1])))
cut = os.environ["FAKE_UVICORN"] == "cut-first"
while True:
    connection, _ = server.accept()
    connection.recv(65536)
    if not cut:  # the first health check of a busy server: cut off without an answer
        connection.sendall(b"HTTP/1.1 200 OK\\r\\ncontent-length: 4\\r\\nconnection: close\\r\\n\\r\\ntrue")
    cut = False
    connection.close()
"""


ISOLATED = "SDLAB_TEST_PREFECT_SERVER_ALONE"
# A process that already ran a Prefect test harness keeps its server and settings about; these tests run each in
# a fresh interpreter (test_each_in_a_process_of_its_own), where nothing but the stand-in can answer.
alone = pytest.mark.skipif(not os.environ.get(ISOLATED), reason="runs in a process of its own")


def launches(home: Path) -> list[int]:
    path = home / "launches"
    return [int(pid) for pid in path.read_text().split()] if path.exists() else []


@pytest.fixture
def fake_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A home whose Prefect server is the stand-in; no Prefect API configured; every launch killed afterwards."""
    package = tmp_path / "fake" / "uvicorn"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "__main__.py").write_text(FAKE_UVICORN)
    monkeypatch.setenv("PYTHONPATH", str(tmp_path / "fake"))
    monkeypatch.setenv("FAKE_UVICORN_LAUNCHES", str(tmp_path / "launches"))
    monkeypatch.setenv("SDLAB_HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    monkeypatch.setattr(prefect_server, "_server", None)  # no server of this session's
    monkeypatch.setattr(prefect.context, "GLOBAL_SETTINGS_CONTEXT", prefect.context.GLOBAL_SETTINGS_CONTEXT)
    try:
        with temporary_settings({PREFECT_SERVER_EPHEMERAL_ENABLED: True, PREFECT_HOME: tmp_path / "prefect"},
                                restore_defaults={PREFECT_API_URL}):
            yield tmp_path
    finally:
        if (server := temporary_server()) is not None:
            server.stop()
        for pid in launches(tmp_path):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


@alone
def test_a_health_check_cut_off_during_start_up_never_leads_to_a_second_server(
        fake_server: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAKE_UVICORN", "cut-first")
    start_prefect().wait()
    server = temporary_server()
    assert server is not None
    clients: list[str] = []
    # A flow's first use of Prefect, in a thread whose context has no settings of its own (as the campaign's).
    first_use = threading.Thread(target=lambda: clients.append(_client_api()))
    first_use.start()
    first_use.join()
    assert clients == [server.api_url] and len(launches(fake_server)) == 1
    assert "prefect.server.api.server" not in sys.modules  # Prefect's server stays out of the campaign's process
    assert httpx.get(f"{server.api_url}/health", trust_env=False).status_code == 200


def _client_api() -> str:
    """The API a Prefect client made now talks to (Prefect starts its own server here when none is set)."""
    from prefect.client.orchestration import get_client

    return str(get_client(sync_client=True).api_url).rstrip("/")


@alone
def test_a_server_that_cannot_start_is_one_clear_line_and_is_not_started_again(
        fake_server: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAKE_UVICORN", "exit")
    with pytest.raises(ServiceError) as failure:
        start_prefect().wait()
    said = str(failure.value)
    assert "\n" not in said and "Prefect's temporary server exited with code 1 while starting" in said
    assert str(fake_server / "logs" / "prefect-server.log") in said
    assert len(launches(fake_server)) == 1 and temporary_server() is None


@alone
def test_the_server_of_a_new_home_starts_on_a_copy_of_the_migrated_template(
        fake_server: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAKE_UVICORN", "answer")
    template, template_memo = template_files()
    template.parent.mkdir(parents=True)
    with sqlite3.connect(template) as db:
        db.execute("CREATE TABLE alembic_version (version_num TEXT)")
        db.execute("INSERT INTO alembic_version VALUES ('head')")
        db.execute("CREATE TABLE block_type (name TEXT)")
        db.execute("INSERT INTO block_type VALUES ('from the template')")
    template_memo.write_text('block_auto_registration = "template"\n')
    ensure_server()  # in this thread, which sees this test's Prefect home
    with sqlite3.connect(fake_server / "prefect" / "prefect.db") as db:
        assert db.execute("SELECT name FROM block_type").fetchall() == [("from the template",)]
    assert (fake_server / "prefect" / "memo_store.toml").read_text() == template_memo.read_text()


@pytest.mark.skipif(bool(os.environ.get(ISOLATED)), reason="the process of its own")
@pytest.mark.parametrize("name", ["test_a_health_check_cut_off_during_start_up_never_leads_to_a_second_server",
                                  "test_a_server_that_cannot_start_is_one_clear_line_and_is_not_started_again",
                                  "test_the_server_of_a_new_home_starts_on_a_copy_of_the_migrated_template"])
def test_each_in_a_process_of_its_own(name: str) -> None:
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist",
                             f"{__file__}::{name}"], env={**os.environ, ISOLATED: "1"}, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0 and "1 passed" in result.stdout, result.stdout[-3000:]
