#!/usr/bin/env bash
# Create (or update) one process work pool per station, each running at most one flow run at a time.
# Usage: deploy/pools.sh STATION [STATION ...]     (PREFECT_API_URL must point at the lab's Prefect server)
# PYTHON: the Python that has Prefect (default: python3 on PATH if it has Prefect, else the interpreter of the
# `prefect` command). All stations in one process, through Prefect's client: each `prefect work-pool` command
# would cost seconds of start-up.
set -euo pipefail
if [ "$#" -eq 0 ]; then
    echo "usage: $0 STATION [STATION ...]" >&2
    exit 2
fi
has_prefect() {
    [ -n "$1" ] && "$1" -c "import importlib.util, sys; sys.exit(importlib.util.find_spec('prefect') is None)" \
        2>/dev/null
}
if [ -z "${PYTHON:-}" ]; then
    prefect_command="$(command -v prefect || true)"
    for candidate in python3 "$( [ -n "$prefect_command" ] && sed -n '1s/^#!//p' "$prefect_command")"; do
        if has_prefect "$candidate"; then
            PYTHON="$candidate"
            break
        fi
    done
fi
if ! has_prefect "${PYTHON:-}"; then
    echo "$0: no Python with Prefect found; set PYTHON to one (e.g. PYTHON=.venv/bin/python)" >&2
    exit 2
fi
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
