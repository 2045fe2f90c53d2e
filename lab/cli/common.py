"""What every command shares: the console, the help texts' markup, and Prefect's quiet settings under
`$SDLAB_HOME`."""

from __future__ import annotations

import os

from rich.console import Console

from lab.home import sdlab_home

console = Console()
HELP_MARKUP = "markdown"  # help texts are Markdown: `[dask]` stays as written, paragraphs flow, indented lines stay


def quiet_prefect() -> None:
    """Prefect runs ephemerally under $SDLAB_HOME unless configured otherwise; no analytics, no chatter. Prefect
    reads these once, when it is first imported: call this before."""
    os.environ.setdefault("PREFECT_HOME", str(sdlab_home() / "prefect"))
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")  # a busy host starts it slowly


def plural(count: int, noun: str) -> str:
    """`1 row`, `2 rows`."""
    return f"{count} {noun}{'' if count == 1 else 's'}"
