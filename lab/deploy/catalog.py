"""The deployment's catalog server: tiled's app as `tiled serve config` builds it from the deployment's
configuration, which answers 503 while PostgreSQL is away (`lab.history.outage.DatabaseOutage`) instead of 500:
the campaigns' writers wait for the database and send their requests again.

    python -m lab.deploy.catalog CONFIG
"""

from __future__ import annotations

import sys
from pathlib import Path

from lab.history.outage import DatabaseOutage


def serve(config: Path) -> None:
    """Serve the catalog of tiled configuration file `config` until stopped."""
    import uvicorn
    from tiled.config import parse_configs
    from tiled.server.app import build_app_from_config
    from tiled.server.logging_config import LOGGING_CONFIG

    parsed = parse_configs(config)
    app = build_app_from_config(parsed)
    app.add_middleware(DatabaseOutage)
    uvicorn.run(app, **{"log_config": LOGGING_CONFIG, **parsed.uvicorn})


if __name__ == "__main__":
    serve(Path(sys.argv[1]))
