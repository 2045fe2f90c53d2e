#!/usr/bin/env bash
# Create (or update) one process work pool per station, each running at most one flow run at a time.
# Usage: deploy/pools.sh STATION [STATION ...]     (PREFECT_API_URL must point at the lab's Prefect server)
set -euo pipefail
if [ "$#" -eq 0 ]; then
    echo "usage: $0 STATION [STATION ...]" >&2
    exit 2
fi
for station in "$@"; do
    prefect work-pool create "$station" --type process --overwrite
    prefect work-pool set-concurrency-limit "$station" 1
done
