#!/usr/bin/env bash
# Create (or update) one process work pool per station, each running at most one flow run at a time.
# Usage: deploy/pools.sh STATION [STATION ...]     (PREFECT_API_URL must point at the lab's Prefect server)
# PYTHON: the Python that has Prefect (default: the one running the `prefect` command). All stations in one
# process, through Prefect's client: each `prefect work-pool` command would cost seconds of start-up.
set -euo pipefail
if [ "$#" -eq 0 ]; then
    echo "usage: $0 STATION [STATION ...]" >&2
    exit 2
fi
PYTHON="${PYTHON:-$(sed -n '1s/^#!//p' "$(command -v prefect)")}"
exec "$PYTHON" - "$@" <<'PY'
import asyncio
import sys

from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import WorkPoolCreate


async def main(stations: list[str]) -> None:
    async with get_client() as client:
        for station in stations:
            await client.create_work_pool(WorkPoolCreate(name=station, type="process", concurrency_limit=1),
                                          overwrite=True)
            print(f"work pool {station}: type process, at most 1 flow run at a time")


asyncio.run(main(sys.argv[1:]))
PY
