"""Crash and resume: SIGKILL a simulated campaign at random moments, resume it each time, check the history.

    python -m benchmarks.resume [--kills 20] [--experiments 20] [--seed 0]

Each round starts the campaign (`sdlab simulate --campaign-id ...`, later `sdlab resume ...`) in a fresh
process and kills it with SIGKILL after a random delay; a process that ends before its delay is not a kill,
and rounds go on (at most 3 × `kills`) until `kills` processes were killed or the campaign is complete. A
kill during a growth leaves the station latched (the next process finds the dead process's lease and drives
the safe state), so the round then clears the latch as an operator would (`sdlab safety clear`). A last
resume runs to the end. Then the catalog must hold
exactly the planned experiments (0 lost, 0 duplicated, indices 0…N−1) and the planner state saved by the
last process must equal a planner rebuilt from the catalog's history alone (all it learned: space, seed,
options, observations in order; not how often it was asked). Prints figures, writes
benchmarks/results/resume.json.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

STATION = "sim-graphene-1"
CAMPAIGN = "kill-resume"
RESULTS = Path(__file__).parent / "results" / "resume.json"
ASK_BOOKKEEPING = ("ask_count", "pending", "sobol_position")  # how often it was asked, not what it learned


def _sdlab(*args: str) -> list[str]:
    return [sys.executable, "-m", "lab", *args]


def _environment(home: Path) -> dict[str, str]:
    return {**os.environ, "SDLAB_HOME": str(home), "PREFECT_HOME": str(home / "prefect"),
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1"}


def check_history(home: Path, experiments: int) -> dict[str, Any]:
    """What the catalog holds after the last resume, and whether the saved planner equals a rebuilt one."""
    os.environ["SDLAB_HOME"] = str(home)
    from lab.campaign.session import OBJECTIVE
    from lab.campaign.space import campaign_plan
    from lab.history.records import load_record
    from lab.history.store import CHARACTERIZATION_PLAN, GROWTH_PLAN, RunStore
    from planners import Observation, make_planner

    record = load_record(CAMPAIGN)
    space, _ = campaign_plan(record.campaign, record.station)
    with RunStore() as store:
        rows = store.experiments(CAMPAIGN)
        aborted = sum(1 for plan in (GROWTH_PLAN, CHARACTERIZATION_PLAN)
                      for run in store.runs(CAMPAIGN, plan) if run.metadata.get("aborted"))
    completed = [row for row in rows if not row.get("aborted")]
    indices = [row["index"] for row in completed]
    rebuilt = make_planner(record.campaign.planner, space, objectives=[OBJECTIVE], seed=record.campaign.seed)
    rebuilt.tell([Observation(row["params"], values=None if row["failed"] else {OBJECTIVE.name: row["quality"]},
                              failed=bool(row["failed"])) for row in sorted(completed, key=lambda r: r["index"])])
    saved = json.loads((home / "planners" / f"{CAMPAIGN}.json").read_text())
    learned = {key: value for key, value in saved.items() if key not in ASK_BOOKKEEPING}
    expected = {key: value for key, value in json.loads(json.dumps(rebuilt.to_dict())).items()
                if key not in ASK_BOOKKEEPING}
    return {"completed": len(completed), "planned": experiments,
            "lost": len(set(range(experiments)) - set(indices)),
            "duplicated": len(indices) - len(set(indices)), "aborted_runs": aborted,
            "planner_state_equal": learned == expected}


def kill_and_resume(kills: int, experiments: int, seed: int, home: Path, *, max_delay_s: float = 25.0
                    ) -> dict[str, Any]:
    """Run the campaign under `kills` SIGKILLs at random moments, then to the end; returns the figures."""
    rng = random.Random(seed)
    env = _environment(home)
    start = _sdlab("simulate", "--campaign-id", CAMPAIGN, "--experiments", str(experiments), "--seed", str(seed),
                   "--planner", "random", "--spots", "2")
    killed = latched = 0
    started = time.perf_counter()
    rounds = 0
    while killed < kills and rounds < 3 * kills:
        started_yet = (home / "campaigns" / f"{CAMPAIGN}.json").exists()  # else it was killed before it began
        command = _sdlab("resume", CAMPAIGN) if started_yet else start
        rounds += 1
        process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            process.wait(timeout=rng.uniform(1.0, max_delay_s))
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGKILL)
            process.wait()
            killed += 1
        else:
            if process.returncode == 0:  # the campaign is complete: nothing is left to kill
                break
        status = subprocess.run(_sdlab("safety", "status", "--station", STATION), env=env, capture_output=True,
                                text=True, check=True).stdout
        if "LATCHED" in status:
            latched += 1
            subprocess.run(_sdlab("safety", "clear", "--station", STATION, "--operator", "benchmark", "--reason",
                                  "kill-and-resume test: simulated station checked"), env=env, check=True,
                           capture_output=True)
    final = subprocess.run(_sdlab("resume", CAMPAIGN), env=env, capture_output=True, text=True)
    figures = {"kills": killed, "rounds": rounds, "latched_after_kill": latched, "final_exit_code": final.returncode,
               "wall_s": round(time.perf_counter() - started, 1), **check_history(home, experiments)}
    if final.returncode != 0:
        figures["final_stderr"] = final.stderr.strip().splitlines()[-1:]
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--experiments", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sdlab-resume-") as home:
        figures = kill_and_resume(args.kills, args.experiments, args.seed, Path(home))
    for name, value in figures.items():
        print(f"{name:22s} {value}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(figures, indent=1))
    print(f"wrote {RESULTS}")
    ok = (figures["final_exit_code"] == 0 and figures["lost"] == 0 and figures["duplicated"] == 0
          and figures["completed"] == figures["planned"] and figures["planner_state_equal"])
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
