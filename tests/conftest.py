"""Shared fixtures: one Prefect test harness and one private $SDLAB_HOME per test session."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")


@pytest.fixture(scope="session")
def sdlab_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A throw-away $SDLAB_HOME for the whole session."""
    home = tmp_path_factory.mktemp("sdlab-home")
    previous = os.environ.get("SDLAB_HOME")
    os.environ["SDLAB_HOME"] = str(home)
    yield home
    if previous is None:
        os.environ.pop("SDLAB_HOME", None)
    else:
        os.environ["SDLAB_HOME"] = previous


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    """One temporary Prefect database and server for every test that runs flows."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield
