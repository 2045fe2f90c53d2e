"""`sdlab simulate`, `run`, `resume` and `fleet` as an operator meets them: what is refused before anything starts,
what a campaign prints, and what a killed campaign leaves behind."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

import lab
from lab.safety.audit import AuditLog
from lab.safety.latch import Latch
from tests.processes import child, children, kill_all, run, running, sdlab_args, sdlab_env

STATIONS = Path(lab.__file__).parent / "stations"
GRAPHENE_STATION = STATIONS / "graphene-sim.yaml"
SERVER = b"lab.campaign.prefect_server:server_app"  # in the command line of Prefect's temporary server


@pytest.fixture
def no_campaign_starts(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Campaigns the CLI would run (`lab.cli.campaigns._run_campaign` is replaced): their settings and options."""
    import lab.cli.campaigns

    started: list[dict[str, Any]] = []
    monkeypatch.setattr(lab.cli.campaigns, "_run_campaign",
                        lambda settings, station, *args, **options: started.append(
                            {"settings": settings, "station": station, "args": args, **options}))
    return started


def _one_line(outcome: Any, says: str) -> None:
    assert outcome.code == 2, outcome.err
    assert outcome.out == ""
    (line,) = outcome.err_lines
    assert line.startswith("sdlab: error:") and says in line


def test_a_campaign_on_a_latched_station_is_refused_at_once_and_leaves_no_record(tmp_path: Path) -> None:
    Latch("sim-graphene-1", AuditLog("sim-graphene-1", tmp_path / "safety" / "audit.jsonl"),
          tmp_path / "safety").trip("operator stop by ann: leak check", source="operator")
    result = run(sdlab_args("simulate", "--experiments", "2"), env=sdlab_env(tmp_path))
    assert result.returncode == 2, result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert "station sim-graphene-1 is latched" in line and "sdlab safety clear --station sim-graphene-1" in line
    assert not (tmp_path / "campaigns").exists() and not (tmp_path / "catalog").exists()


@pytest.mark.parametrize(("args", "says"), [
    (["simulate", "--target-ev", "1.8"], "target_ev"),
    (["simulate", "--fault-rate", "0.5"], "--fault-rate applies to --transport serial"),
])
def test_options_that_do_not_apply_are_refused(args: list[str], says: str, sdlab_cli, no_campaign_starts) -> None:
    _one_line(sdlab_cli(*args), says)
    assert no_campaign_starts == []


def test_run_without_a_terminal_or_a_prefect_ui_is_refused_at_once(tmp_path: Path) -> None:
    campaign = tmp_path / "campaign.yaml"
    campaign.write_text("experiments: 2\nplanner: random\n")
    result = run(sdlab_args("run", "--config", str(GRAPHENE_STATION), "--campaign", str(campaign), "--rehearse"),
                 env=sdlab_env(tmp_path), stdin=subprocess.DEVNULL)
    assert result.returncode == 2, result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert "no terminal" in line and "PREFECT_API_URL" in line
    assert not (tmp_path / "campaigns").exists()


def test_a_tmd_campaign_on_a_graphene_station_is_refused_without_pointing_at_a_built_in_station(
        tmp_path: Path, sdlab_cli) -> None:
    campaign = tmp_path / "campaign.yaml"
    campaign.write_text("material: MoS2\n")
    refused = sdlab_cli("run", "--config", str(GRAPHENE_STATION), "--campaign", str(campaign), "--rehearse")
    _one_line(refused, "needs a tmd station")
    assert "built-in" not in refused.err and "or none" not in refused.err


def test_run_stores_its_approval_timeout_and_resume_keeps_it_unless_told(tmp_path: Path, sdlab_cli,
                                                                         no_campaign_starts) -> None:
    from lab.history.records import CampaignRecord, load_record, open_record
    from lab.settings import load_station

    campaign = tmp_path / "campaign.yaml"
    campaign.write_text("campaign_id: rehearsed\nexperiments: 2\n")
    started = sdlab_cli("run", "--config", str(GRAPHENE_STATION), "--campaign", str(campaign), "--rehearse",
                        "--approval-timeout", "7")
    assert started.code == 0, started.err
    (ran,) = no_campaign_starts
    assert ran["settings"].approval_timeout_s == 7
    open_record(CampaignRecord(ran["settings"], load_station()))  # what the campaign records when it starts

    assert sdlab_cli("resume", "rehearsed").code == 0
    assert no_campaign_starts[-1]["settings"].approval_timeout_s == 7
    assert sdlab_cli("resume", "rehearsed", "--approval-timeout", "30").code == 0
    assert no_campaign_starts[-1]["settings"].approval_timeout_s == 30
    assert load_record("rehearsed").campaign.approval_timeout_s == 7  # the record changes when the resume runs


def test_approval_options_are_refused_when_resuming_a_simulated_campaign(sdlab_cli, no_campaign_starts) -> None:
    from lab.history.records import CampaignRecord, open_record
    from lab.settings import campaign_config, load_station

    open_record(CampaignRecord(campaign_config(campaign_id="simulated"), load_station()))
    _one_line(sdlab_cli("resume", "simulated", "--approval-timeout", "30"), "campaigns of sdlab run")
    _one_line(sdlab_cli("resume", "simulated", "--approve-in", "ui"), "campaigns of sdlab run")
    assert no_campaign_starts == []


def _wait_for(condition: Any, what: str, timeout_s: float = 120.0) -> Any:
    deadline = time.monotonic() + timeout_s
    while not (found := condition()):
        assert time.monotonic() < deadline, f"{what} did not happen within {timeout_s:g} s"
        time.sleep(0.02)
    return found


@pytest.mark.e2e
def test_a_campaign_killed_while_prefect_starts_leaves_no_server_and_resumes_cleanly(tmp_path: Path) -> None:
    env = sdlab_env(tmp_path)
    servers: list[int] = []
    try:
        with child(sdlab_args("simulate", "--experiments", "1", "--spots", "2", "--campaign-id", "killed"), env=env,
                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) as campaign:
            servers = _wait_for(lambda: children(campaign.pid, SERVER), "Prefect's server start")
            os.kill(campaign.pid, signal.SIGKILL)  # while the server starts: it does not answer yet
            campaign.wait()
            _wait_for(lambda: not any(running(pid) for pid in servers), "the server's end", timeout_s=60.0)
        resumed = run(sdlab_args("resume", "killed"), env=env, timeout_s=300.0)
        assert resumed.returncode == 0, resumed.stderr
        assert resumed.stderr == ""  # no Prefect chatter, no traceback
        assert "best quality" in resumed.stdout
    finally:
        kill_all(servers)


@pytest.mark.e2e
def test_a_fleet_prints_only_its_summary(tmp_path: Path, prefect_api: dict[str, str]) -> None:
    pytest.importorskip("prefect_dask")
    # One worker process keeps the test light; the cluster starts and closes as with more (two workers writing to
    # one catalog at once: tests/lab/campaign/test_fleet.py).
    result = run(sdlab_args("fleet", "--campaigns", "2", "--workers", "1", "--experiments", "2", "--spots", "4",
                            "--planner", "random"), env=sdlab_env(tmp_path, **prefect_api), timeout_s=600.0)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert "2 campaigns in" in result.stdout and result.stdout.count("fleet-") == 2
