"""Helper processes end with the process that started them: the catalog's tiled server (a child process) and
Prefect's temporary server (`lab.reaper`)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from tests.processes import child

OWNER = """
import os, sys
from pathlib import Path
from lab.history.store import RunStore
store = RunStore(Path(sys.argv[1]))
store.client.create_container(key="kept")
print(store._server._process.pid, flush=True)  # once the container is written
sys.stdin.readline()
"""


def _stat(pid: int) -> tuple[str, int] | None:
    """State letter and parent pid of a process (Linux /proc), None once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except FileNotFoundError:
        return None
    return fields[0], int(fields[1])


def _gone(pid: int, within_s: float) -> bool:
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        stat = _stat(pid)
        if stat is None or stat[0] == "Z":
            return True
        time.sleep(0.1)
    return False


def test_the_server_child_exits_when_its_owner_is_killed_and_what_was_written_stays(tmp_path: Path) -> None:
    catalog = tmp_path / "catalog"
    with child([sys.executable, "-c", OWNER, str(catalog)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
               env={**os.environ, "PYTHONPATH": os.getcwd()}) as owner:
        server_pid = int(owner.stdout.readline())
        assert _stat(server_pid) is not None and _stat(server_pid)[1] == owner.pid
        owner.send_signal(signal.SIGKILL)
        owner.wait()
        assert _gone(server_pid, within_s=10)

    from lab.history.store import RunStore

    with RunStore(catalog) as store:  # the next process serves the same catalog
        assert "kept" in list(store.client)


def test_the_server_child_exits_when_its_owner_dies_before_reading_the_address(tmp_path: Path) -> None:
    with child([sys.executable, "-m", "lab.history.catalog_server", str(tmp_path / "catalog")],
               stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL) as server:
        server.stdout.close()  # the announcement cannot be written: the owner is gone
        assert server.wait(timeout=120) == 1


def _kill_owner(script: str, env: dict[str, str] | None = None) -> int:
    """Run `script` (it prints a helper's pid once set up), SIGKILL it, and return the helper's pid."""
    with child([sys.executable, "-c", textwrap.dedent(script)], stdout=subprocess.PIPE, text=True, env=env) as owner:
        pid = int(owner.stdout.readline())
        assert _stat(pid) is not None
        owner.send_signal(signal.SIGKILL)
        owner.wait()
    return pid


def _assert_gone(pid: int, within_s: float) -> None:
    gone = _gone(pid, within_s)
    if not gone:
        os.kill(pid, signal.SIGKILL)
    assert gone, "the helper outlived the process that started it"


def test_a_helper_in_the_helper_group_is_terminated_when_its_owner_is_killed() -> None:
    pid = _kill_owner("""
        import subprocess, time
        from lab.reaper import helper_group
        helper = subprocess.Popen(["sleep", "300"], process_group=helper_group())
        print(helper.pid, flush=True)
        time.sleep(300)
    """)
    _assert_gone(pid, within_s=30)


@pytest.mark.e2e
def test_prefects_temporary_server_stops_when_the_campaign_process_is_killed(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    env |= {"PREFECT_HOME": str(tmp_path), "SDLAB_HOME": str(tmp_path), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120"}  # as the CLI sets it: a busy host is slow
    pid = _kill_owner("""
        import time
        from lab.campaign.prefect_server import start_prefect, temporary_server
        start_prefect().wait()
        print(temporary_server().process.pid, flush=True)
        time.sleep(300)
    """, env=env)
    _assert_gone(pid, within_s=60)


def test_the_server_creates_a_new_catalog_in_its_own_process_and_leaves_an_existing_one_as_it_is(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import sqlite3

    from tiled.catalog.core import ALL_REVISIONS

    from lab.history.catalog_server import initialize

    def no_process(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"a process was started: {args}")

    monkeypatch.setattr(subprocess, "run", no_process)  # tiled's own initialization runs `tiled catalog init`
    monkeypatch.setattr(subprocess, "Popen", no_process)
    database = tmp_path / "catalog.db"
    initialize(f"sqlite:///{database}")
    with sqlite3.connect(database) as db:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        (stamped,) = db.execute("SELECT version_num FROM alembic_version").fetchone()
    assert {"nodes", "alembic_version"} <= tables
    assert stamped == ALL_REVISIONS[0]  # the newest schema revision
    before = database.read_bytes()
    initialize(f"sqlite:///{database}")  # an existing catalog: nothing is written
    assert database.read_bytes() == before


def test_a_server_started_before_its_store_is_announced_by_the_store_and_stops_with_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from lab.history.servers import CATALOG_URI, CatalogServer, catalog_directory, live_server, reach_catalog
    from lab.history.store import RunStore

    monkeypatch.setenv("SDLAB_HOME", str(tmp_path))
    shared = "http://127.0.0.1:1/api/v1?api_key=lab"
    monkeypatch.setenv(CATALOG_URI, shared)
    assert reach_catalog() == shared  # a lab's shared catalog: no local server
    monkeypatch.delenv(CATALOG_URI)
    server = reach_catalog()
    assert isinstance(server, CatalogServer) and live_server(catalog_directory()) is None  # starting, not announced
    with RunStore(catalog=server) as store:
        assert live_server(catalog_directory()) == {"pid": os.getpid(), "uri": server.uri}
        assert reach_catalog() == server.uri  # served already: no second server
        store.client.create_container(key="kept")
    assert live_server(catalog_directory()) is None and server._process.poll() == 0
    with RunStore() as store:  # the next store serves the same catalog
        assert "kept" in list(store.client)
