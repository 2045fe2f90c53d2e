"""Two campaigns writing into one embedded catalog at once, many times over: every round must store every document
without a storage error (tiled's DuckDB table storage used to break: 'No active transaction', 409, a hang).

    python -m benchmarks.catalog_writers [--rounds 20] [--runs 6] [--events 5]

Each round writes, from two threads with a catalog client each, `runs` runs of `events` events (scalars and a
spectrum) per campaign into a fresh catalog, then reads every run back. Prints figures, writes
benchmarks/results/catalog_writers.json.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from tests.lab.history.test_store_concurrency import write_two_campaigns_at_once

RESULTS = Path(__file__).parent / "results" / "catalog_writers.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--runs", type=int, default=6)
    parser.add_argument("--events", type=int, default=5)
    args = parser.parse_args()
    passed, failures, seconds = 0, [], []
    for round_ in range(args.rounds):
        started = time.perf_counter()
        expected = [args.events] * args.runs
        with tempfile.TemporaryDirectory() as directory:
            try:
                stored = write_two_campaigns_at_once(Path(directory) / "catalog", args.runs, args.events)
                problem = None if stored == {"a": expected, "b": expected} else f"stored {stored}"
            except AssertionError as exc:
                problem = str(exc)
        seconds.append(time.perf_counter() - started)
        if problem is None:
            passed += 1
        else:
            failures.append(f"round {round_ + 1}: {problem}")
        print(f"round {round_ + 1}/{args.rounds}: {'ok' if problem is None else 'FAILED'} in {seconds[-1]:.1f} s",
              flush=True)
    figures = {"rounds": args.rounds, "passed": passed, "failed": len(failures), "runs_per_campaign": args.runs,
               "events_per_run": args.events, "mean_round_s": sum(seconds) / len(seconds), "failures": failures}
    print(json.dumps(figures, indent=2))
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
