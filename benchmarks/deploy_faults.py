"""Faults survived by a deployment: worker kills and a PostgreSQL stop at random moments during two campaigns.

    python -m benchmarks.deploy_faults [--kills 5] [--experiments 20] [--pg-stop-s 30] [--seed 0]

`sdlab deploy up --stations 2` in a fresh $SDLAB_HOME, one campaign submitted to each station. Then, at random
moments, a station's worker is killed (SIGKILL, with the flow run it started) and brought back by `sdlab deploy up`,
which marks the run crashed and submits it again; a station latched by a kill during a growth is checked (its safe
state reached) and cleared as an operator would, and the campaign submitted again. Once, PostgreSQL is stopped for
`--pg-stop-s` seconds and started again; a campaign whose run failed meanwhile is submitted again. At the end the
catalog must hold exactly the planned experiments of each campaign (0 lost, 0 duplicated). Prints figures, writes
benchmarks/results/deploy_faults.json.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import tempfile
import time
from pathlib import Path

from lab.deploy.services import pg_bin
from tests.deploy.test_deploy_e2e import FINISHED, _flow_runs, _history, _sdlab
from tests.processes import children, run, sdlab_args, sdlab_env

RESULTS = Path(__file__).parent / "results" / "deploy_faults.json"
STATIONS = {"fault-a": "station-1", "fault-b": "station-2"}


def _submit(home: Path, cid: str, experiments: int) -> None:
    _sdlab(home, "submit", "--station", STATIONS[cid], "--campaign-id", cid, "--experiments", str(experiments),
           "--planner", "random", "--seed", str(list(STATIONS).index(cid)))


def _kill_worker(home: Path, station: str) -> None:
    worker = int((home / "deploy" / "run" / f"worker-{station}.pid").read_text())
    runs = children(worker)
    os.killpg(worker, signal.SIGKILL)
    for pid in runs:
        os.killpg(pid, signal.SIGKILL)


def _latched(home: Path, station: str) -> str | None:
    status = run(sdlab_args("safety", "status", "--station", station), env=sdlab_env(home), timeout_s=300).stdout
    return status.strip() if "LATCHED" in status else None


def _tend(home: Path, layout: dict, experiments: int, figures: dict) -> bool:
    """Clear latched stations of finished runs and submit unfinished campaigns again; True when both are done."""
    runs = _flow_runs(layout, tuple(STATIONS))
    done = _history(home)
    complete = True
    for cid, station in STATIONS.items():
        if done.get(cid, (0,))[0] >= experiments and runs[cid]["state_type"] in FINISHED:
            continue
        complete = False
        if runs[cid]["state_type"] not in FINISHED:
            continue
        latch = _latched(home, station)
        if latch is not None:
            figures["latched_after_kill"] += 1
            figures["safe_state_reached"] += "safe state reached" in latch
            _sdlab(home, "safety", "clear", "--station", station, "--operator", "bench", "--reason", "checked")
        _submit(home, cid, experiments)
        figures["resubmitted"] += 1
    return complete


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=5)
    parser.add_argument("--experiments", type=int, default=20)
    parser.add_argument("--pg-stop-s", type=float, default=30.0)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if pg_bin() is None:
        raise SystemExit("PostgreSQL's server binaries are not installed (apt-get install postgresql-15)")
    chance = random.Random(args.seed)
    home = Path(tempfile.mkdtemp(prefix="sdlab-faults-"))
    home.chmod(0o711)  # PostgreSQL runs as postgres when this runs as root
    figures = {"kills": 0, "pg_stops": 0, "latched_after_kill": 0, "safe_state_reached": 0, "resubmitted": 0}
    started = time.perf_counter()
    try:
        _sdlab(home, "deploy", "up", "--stations", "2")
        layout = json.loads((home / "deploy" / "deploy.json").read_text())
        for cid in STATIONS:
            _submit(home, cid, args.experiments)
        faults = ["kill"] * args.kills + ["pg"]
        chance.shuffle(faults)
        while faults or not _tend(home, layout, args.experiments, figures):
            if faults:
                time.sleep(chance.uniform(10, 40))
                fault = faults.pop()
                if fault == "kill":
                    _kill_worker(home, chance.choice(list(STATIONS.values())))
                    figures["kills"] += 1
                    _sdlab(home, "deploy", "up")
                else:
                    from lab.deploy import services

                    os.environ["SDLAB_HOME"] = str(home)
                    services.stop_postgres()
                    time.sleep(args.pg_stop_s)
                    _sdlab(home, "deploy", "up")
                    figures["pg_stops"] += 1
                _tend(home, layout, args.experiments, figures)
            else:
                time.sleep(5)
        rows = {cid: [row["index"] for row in json.loads(_sdlab(home, "history", cid, "--format", "json"))]
                for cid in STATIONS}
        figures |= {"experiments_planned": args.experiments * len(STATIONS),
                    "experiments_stored": sum(len(indices) for indices in rows.values()),
                    "lost": sum(len(set(range(args.experiments)) - set(indices)) for indices in rows.values()),
                    "duplicated": sum(len(indices) - len(set(indices)) for indices in rows.values()),
                    "wall_s": round(time.perf_counter() - started, 1)}
    finally:
        run(sdlab_args("deploy", "down"), env=sdlab_env(home), timeout_s=300)
    print(json.dumps(figures, indent=2))
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
