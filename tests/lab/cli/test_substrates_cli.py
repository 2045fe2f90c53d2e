"""`sdlab simulate --substrates K` as an operator meets it: bad values refused with one line, and a campaign of
4 substrates per run killed (SIGKILL) and resumed loses no sample and counts none twice."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.processes import child, run, sdlab_args, sdlab_env


@pytest.mark.parametrize(("value", "says"), [("0", "substrates: Input should be greater than or equal to 1"),
                                             ("5", "--substrates 5: station sim-graphene-1's holder has 4 slot(s)")])
def test_bad_substrate_counts_exit_2_with_one_line(value: str, says: str, sdlab_cli) -> None:
    refused = sdlab_cli("simulate", "--substrates", value, "--experiments", "2")
    assert refused.code == 2, refused.err
    (line,) = refused.err_lines
    assert says in line


def _observations(path: Path) -> int:
    try:
        return len(json.loads(path.read_text())["observations"])
    except (OSError, ValueError):  # not written yet, or being written
        return 0


@pytest.mark.e2e
def test_a_campaign_of_four_substrates_per_run_killed_mid_run_resumes_with_every_sample_once(
        tmp_path: Path, prefect_api: dict[str, str], sdlab_cli) -> None:
    env = sdlab_env(tmp_path, **prefect_api)
    args = ("--planner", "random", "--spots", "2", "--seed", "2")
    with child(sdlab_args("simulate", "--experiments", "8", "--substrates", "4", "--campaign-id", "k4", *args),
               env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) as campaign:
        state = tmp_path / "planners" / "k4.json"
        deadline = time.monotonic() + 240.0
        while _observations(state) < 5 and campaign.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert campaign.poll() is None, "the campaign ended before it could be killed mid-run"
        os.kill(campaign.pid, signal.SIGKILL)  # within the second run: some of its samples told, others not
        campaign.wait()
    resumed = run(sdlab_args("resume", "k4"), env=env, timeout_s=300.0)
    assert resumed.returncode == 0, resumed.stderr
    assert "experiments" in resumed.stdout and "furnace runs" in resumed.stdout
    rows = json.loads(sdlab_cli("history", "k4", "--format", "json").out)
    assert [row["index"] for row in rows] == list(range(8))
    assert len({row["experiment_id"] for row in rows}) == 8
    runs: dict[str, list[str]] = {}
    for row in rows:
        runs.setdefault(row["growth_uid"], []).append(row["slot"])
    assert all(len(set(slots)) == len(slots) for slots in runs.values())  # a slot holds one sample per run
    assert len(runs) >= 2
