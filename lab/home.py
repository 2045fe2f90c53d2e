"""The data home: `$SDLAB_HOME` (default `~/.sdlab`) holds the catalog, campaign records, planner states, the
safety directory and Prefect's home."""

from __future__ import annotations

import os
from pathlib import Path


def sdlab_home() -> Path:
    """`$SDLAB_HOME`, default `~/.sdlab` (created on first use)."""
    home = Path(os.environ.get("SDLAB_HOME", Path.home() / ".sdlab")).expanduser()
    home.mkdir(parents=True, exist_ok=True)
    return home
