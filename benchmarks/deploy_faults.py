"""Faults survived by a deployment: worker kills and a PostgreSQL stop at random moments during two campaigns.

    python -m benchmarks.deploy_faults [--kills 5] [--experiments 20] [--pg-stop-s 30] [--seed 0]

`sdlab deploy up --stations 2` in a fresh $SDLAB_HOME, one campaign submitted to each station. Then the faults, in a
random order, each a random 3–15 s after the one before, while a campaign's flow run is running: a station's worker
is killed (SIGKILL, with the flow run it started; a running station is chosen) and brought back by `sdlab deploy
up`, which marks the run crashed and submits it again; once, PostgreSQL is stopped for `--pg-stop-s` seconds and
started again alone, as a service manager would restart it (no `sdlab deploy up`): the campaigns wait for it and go
on (`ended_after_pg_stop` counts the runs that ended unfinished after it instead, on a station no kill latched,
before the next fault). Meanwhile the benchmark acts as the operator: a station latched by a kill during a growth is
checked (its safe state reached) and cleared, and a campaign whose flow run ended unfinished is submitted again.
After each kill the station must be latched in its safe state (killed during a growth: it held the growth's lease)
or safe (killed outside a growth: furnace cold, no lease). At the end the catalog must hold exactly the planned
experiments of each campaign (0 lost, 0 duplicated). Prints figures, writes benchmarks/results/deploy_faults.json.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from lab.deploy.services import pg_bin
from lab.safety.audit import AUDIT_FILE, AuditLog
from lab.safety.latch import Latch
from lab.safety.watchdog import Lease
from tests.deploy.deployment import FINISHED, flow_runs, history, kill_worker, sdlab
from tests.processes import run, sdlab_args, sdlab_env

RESULTS = Path(__file__).parent / "results" / "deploy_faults.json"
STATIONS = {"fault-a": "station-1", "fault-b": "station-2"}
FAULT_GAP_S = (3.0, 15.0)  # a fault comes this long (uniformly at random) after the one before
POLL_S = 2.0
TIMEOUT_S = 3600.0


def _say(started: float, message: str) -> None:
    print(f"[{time.perf_counter() - started:7.1f} s] {message}", file=sys.stderr, flush=True)


class Operator:
    """The benchmark's operator: starts the campaigns, injects the faults, clears latches, submits again."""

    def __init__(self, home: Path, experiments: int) -> None:
        self.home = home
        self.experiments = experiments
        self.layout = json.loads((home / "deploy" / "deploy.json").read_text())
        self.started = time.perf_counter()
        self.kills: list[dict[str, Any]] = []  # one per kill: station, when, during a growth, what came of it
        self.pg_stops: list[dict[str, Any]] = []
        self.resubmitted: list[dict[str, Any]] = []  # one per campaign submitted again: after which fault
        self.last_fault: str | None = None

    def submit(self, cid: str) -> None:
        sdlab(self.home, "submit", "--station", STATIONS[cid], "--campaign-id", cid, "--experiments",
              str(self.experiments), "--planner", "random", "--seed", str(list(STATIONS).index(cid)))

    def elapsed(self) -> float:
        return round(time.perf_counter() - self.started, 1)

    def running(self) -> list[str]:
        """The stations whose campaign's flow run is running."""
        runs = flow_runs(self.layout, tuple(STATIONS))
        return [STATIONS[cid] for cid, found in runs.items() if found["state_type"] == "RUNNING"]

    def kill(self, station: str) -> None:
        kill_worker(self.home, station)
        lease = Lease(station, self.home / "safety").read()  # held by a growth under way, left by the kill
        self.kills.append({"station": station, "at_s": self.elapsed(),
                           "at": datetime.now(UTC).isoformat(timespec="seconds"), "during_growth": lease is not None,
                           "experiment": (lease or {}).get("experiment_id"), "after": None})
        _say(self.started, f"killed the worker of {station} and its flow run "
                           f"({'during growth ' + str(lease.get('experiment_id')) if lease else 'outside a growth'})")
        resubmitted = "submitted again" in sdlab(self.home, "deploy", "up")
        self.kills[-1]["resubmitted_by_deploy_up"] = resubmitted
        self.last_fault = "kill"

    def stop_postgres(self, seconds: float) -> None:
        from lab.deploy import services
        from lab.deploy.layout import Layout

        os.environ["SDLAB_HOME"] = str(self.home)
        at = self.elapsed()
        services.stop_postgres()
        _say(self.started, f"PostgreSQL stopped for {seconds:.0f} s")
        time.sleep(seconds)
        services.start_postgres(Layout.load())
        self.pg_stops.append({"at_s": at, "stopped_s": seconds, "back_s": self.elapsed()})
        self.last_fault = "pg"
        _say(self.started, "PostgreSQL started again (alone)")

    def tend(self) -> bool:
        """Clear latched stations whose run ended and submit unfinished campaigns again; True when both are done."""
        runs = flow_runs(self.layout, tuple(STATIONS))
        if not {found["state_type"] for found in runs.values()} & FINISHED:
            return False
        done = history(self.home)
        complete = True
        for cid, station in STATIONS.items():
            state = runs[cid]["state_type"]
            if done.get(cid, (0,))[0] >= self.experiments and state in FINISHED:
                continue
            complete = False
            if state not in FINISHED:
                continue
            latch = self._settle(station)
            if latch is not None:
                _say(self.started, f"operator: {latch}; clearing it")
                sdlab(self.home, "safety", "clear", "--station", station, "--operator", "bench", "--reason", "checked")
            _say(self.started, f"operator: {cid} ended {state} with {done.get(cid, (0,))[0]} experiments; "
                               "submitted again")
            self.submit(cid)
            self.resubmitted.append({"campaign": cid, "state": state, "at_s": self.elapsed(),
                                     "after_fault": "kill (latched)" if latch is not None else self.last_fault,
                                     "message": (runs[cid].get("state") or {}).get("message", "")[:300]})
        return complete

    def _settle(self, station: str) -> str | None:
        """Settle what each kill of `station` not yet settled left, once the next process on it has started (it
        latches a station whose growth was killed); returns the station's latch status, None when not latched.
        A kill is settled "latched" by a latch that it caused (killed during a growth) or that was there before it."""
        status = run(sdlab_args("safety", "status", "--station", station), env=sdlab_env(self.home),
                     timeout_s=300).stdout.strip()
        safety = self.home / "safety"
        latch = Latch(station, AuditLog(station, safety / AUDIT_FILE), safety).read()
        for kill in self.kills:
            if kill["station"] != station or kill["after"] is not None:
                continue
            if latch is not None and (kill["during_growth"] or latch["tripped_at"] <= kill["at"]):
                reached = "safe state reached" in status
                kill["after"] = "latched, safe state reached" if reached else f"latched: {status}"
            else:
                kill["after"] = "safe" if not kill["during_growth"] else "NOT LATCHED after a kill during a growth"
        return status if latch is not None else None

    def settle_kills(self) -> None:
        """Settle the kills whose station ran on (no run of it ended unfinished after them)."""
        for station in {kill["station"] for kill in self.kills if kill["after"] is None}:
            self._settle(station)


def run_faults(home: Path, kills: int, experiments: int, pg_stop_s: float, chance: random.Random) -> dict[str, Any]:
    sdlab(home, "deploy", "up", "--stations", "2")
    operator = Operator(home, experiments)
    for cid in STATIONS:
        operator.submit(cid)
    faults = ["kill"] * kills + ["pg"]
    chance.shuffle(faults)
    next_fault = time.perf_counter() + chance.uniform(*FAULT_GAP_S)
    deadline = time.perf_counter() + TIMEOUT_S
    while not operator.tend():  # ends early if both campaigns finish before every fault is injected (reported)
        if time.perf_counter() > deadline:
            raise TimeoutError(f"the campaigns did not finish within {TIMEOUT_S:.0f} s")
        running = operator.running() if faults and time.perf_counter() >= next_fault else []
        if running:
            if faults.pop() == "kill":
                operator.kill(chance.choice(running))
            else:
                operator.stop_postgres(pg_stop_s)
            next_fault = time.perf_counter() + chance.uniform(*FAULT_GAP_S)
        time.sleep(POLL_S)
    operator.settle_kills()
    rows = {cid: [row["index"] for row in json.loads(sdlab(home, "history", cid, "--format", "json"))]
            for cid in STATIONS}
    after = [kill["after"] for kill in operator.kills]
    return {"kills": len(operator.kills), "kills_during_growth": sum(k["during_growth"] for k in operator.kills),
            "pg_stops": len(operator.pg_stops), "faults_not_injected": len(faults),
            "latched_after_kill": sum(a.startswith("latched") for a in after),
            "safe_state_reached": sum(a == "latched, safe state reached" for a in after),
            "latched_or_safe_after_each_kill": all(a in ("latched, safe state reached", "safe") for a in after),
            "resubmitted_by_deploy_up": sum(k["resubmitted_by_deploy_up"] for k in operator.kills),
            "resubmitted_by_operator": len(operator.resubmitted),
            "ended_after_pg_stop": sum(r["after_fault"] == "pg" for r in operator.resubmitted),
            "experiments_planned": experiments * len(STATIONS),
            "experiments_stored": sum(len(indices) for indices in rows.values()),
            "lost": sum(len(set(range(experiments)) - set(indices)) for indices in rows.values()),
            "duplicated": sum(len(indices) - len(set(indices)) for indices in rows.values()),
            "campaigns_s": operator.elapsed(), "kill_log": operator.kills, "pg_stop_log": operator.pg_stops,
            "resubmission_log": operator.resubmitted}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=5)
    parser.add_argument("--experiments", type=int, default=20)
    parser.add_argument("--pg-stop-s", type=float, default=30.0)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if pg_bin() is None:
        raise SystemExit("PostgreSQL's server binaries are not installed (apt-get install postgresql-15)")
    home = Path(tempfile.mkdtemp(prefix="sdlab-faults-"))
    home.chmod(0o711)  # PostgreSQL runs as postgres when this runs as root
    started = time.perf_counter()
    try:
        figures = run_faults(home, args.kills, args.experiments, args.pg_stop_s, random.Random(args.seed))
    finally:
        run(sdlab_args("deploy", "down"), env=sdlab_env(home), timeout_s=300)
    figures = {"seed": args.seed, **figures, "wall_s": round(time.perf_counter() - started, 1)}
    print(json.dumps(figures, indent=2))
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
