"""Shared fixtures: one Prefect test harness and one private $SDLAB_HOME per test session; `sdlab` in this process."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Modules with end-to-end tests first (each module's tests stay together and in order): with
    `--dist loadscope` the longest modules start at once instead of ending the run on one worker."""
    slow = {item.module.__name__ for item in items if item.get_closest_marker("e2e") and item.module is not None}
    items.sort(key=lambda item: item.module is None or item.module.__name__ not in slow)


@pytest.fixture(scope="session")
def sdlab_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A throw-away $SDLAB_HOME for the whole session, its catalog served for the whole session: every `RunStore`
    on it (of a test, or of a process a test starts) uses that server, as a campaign uses the server of `sdlab ui`,
    instead of starting one of its own."""
    from lab.history.store import RunStore

    home = tmp_path_factory.mktemp("sdlab-home")
    previous = os.environ.get("SDLAB_HOME")
    os.environ["SDLAB_HOME"] = str(home)
    with RunStore():
        yield home
    if previous is None:
        os.environ.pop("SDLAB_HOME", None)
    else:
        os.environ["SDLAB_HOME"] = previous


@pytest.fixture(scope="session")
def prefect_harness(sdlab_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """One temporary Prefect database and server for every test that runs flows (as `prefect_test_harness` has
    them, but started as a campaign starts its temporary server: the database from the migrated template of
    `lab.campaign.prefect_database`, the server's log in the session's $SDLAB_HOME; it stops when the session
    ends)."""
    from prefect.settings import (
        PREFECT_API_URL,
        PREFECT_SERVER_DATABASE_CONNECTION_URL,
        PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS,
        temporary_settings,
    )

    from lab.campaign.prefect_server import ensure_server

    database = tmp_path_factory.mktemp("prefect") / "prefect.db"
    with temporary_settings({PREFECT_SERVER_DATABASE_CONNECTION_URL: f"sqlite+aiosqlite:///{database}",
                             # every worker's server may start at once, migrating its database (no template yet)
                             PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS: 120}):
        api = ensure_server()
        with temporary_settings({PREFECT_API_URL: api}):
            yield


@pytest.fixture
def prefect_api(prefect_harness: None) -> dict[str, str]:
    """The environment that points a child `sdlab` at the harness's Prefect server (instead of starting a
    temporary server of its own), for tests of what the child does, not of how it starts Prefect."""
    from prefect.settings import get_current_settings

    return {"PREFECT_API_URL": str(get_current_settings().api.url)}


@dataclass(frozen=True)
class Outcome:
    """What `sdlab` did: its exit code and output."""

    code: int
    out: str
    err: str

    @property
    def err_lines(self) -> list[str]:
        return self.err.strip().splitlines()


@pytest.fixture
def sdlab_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
              ) -> Iterator[Callable[..., Outcome]]:
    """Run `sdlab ARGS` in this process (as its entry point does, `lab.cli.app.main`) on a $SDLAB_HOME (default: the
    test's tmp_path, which is also the test's own from the start); whatever it sets in the environment is undone
    afterwards."""
    from lab.cli.app import main

    saved = dict(os.environ)
    monkeypatch.setenv("SDLAB_HOME", str(tmp_path))

    def sdlab(*args: str, home: Path = tmp_path) -> Outcome:
        monkeypatch.setenv("SDLAB_HOME", str(home))
        monkeypatch.setattr(sys, "argv", ["sdlab", *args])
        code: int | str | None = 0
        try:
            main()
        except SystemExit as exc:
            code = exc.code
        out, err = capsys.readouterr()
        return Outcome(int(code or 0), out, err)

    yield sdlab
    os.environ.clear()
    os.environ.update(saved)
