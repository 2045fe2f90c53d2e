"""What every command shares: the console, and Prefect's quiet ephemeral settings under `$SDLAB_HOME`."""

from __future__ import annotations

import os

from rich.console import Console

from lab.home import sdlab_home

console = Console()


def quiet_prefect() -> None:
    """Prefect runs ephemerally under $SDLAB_HOME unless configured otherwise; no analytics, no chatter."""
    os.environ.setdefault("PREFECT_HOME", str(sdlab_home() / "prefect"))
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")  # a busy host starts it slowly
