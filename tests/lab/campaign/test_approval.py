"""Operator approval of run campaigns: the approved box, when to ask, the pause and its answers, `sdlab run`."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

import lab
from lab.campaign.approval import (
    FIRST_HEATING,
    MAX_REJECTIONS,
    ApprovedBox,
    CampaignStopped,
    approval_reason,
    describe_request,
)
from lab.cli.approval_desk import parse_answer
from lab.errors import UserError
from lab.history.store import GROWTH_PLAN
from lab.recipe import graphene_space
from lab.safety.audit import read_audit

SPACE = graphene_space()
GRAPHENE_STATION = Path(lab.__file__).parent / "stations" / "graphene-sim.yaml"
PARAMS = {"temperature_c": 1000.0, "ch4_sccm": 12.0, "h2_sccm": 20.0, "pressure_torr": 1.0, "growth_min": 10,
          "substrate": "Cu"}


def test_a_proposal_inside_the_box_after_the_first_heating_needs_no_approval() -> None:
    box = ApprovedBox.within({"ch4_sccm": (1, 20), "growth_min": (5, 30)}, SPACE)
    assert approval_reason(PARAMS, box, first_heating=False) is None
    assert approval_reason(PARAMS, ApprovedBox.within({}, SPACE), first_heating=False) is None


def test_the_first_heating_and_every_parameter_outside_the_box_are_reasons_to_ask() -> None:
    box = ApprovedBox.within({"ch4_sccm": (1, 10), "temperature_c": (950, 990)}, SPACE)
    assert approval_reason(PARAMS, box, first_heating=False) == (
        "ch4_sccm 12 outside approved [1, 10]; temperature_c 1000 outside approved [950, 990]")
    assert approval_reason(PARAMS, ApprovedBox.within({}, SPACE), first_heating=True) == FIRST_HEATING
    assert approval_reason(PARAMS, box, first_heating=True).startswith(f"{FIRST_HEATING}; ch4_sccm 12")


@pytest.mark.parametrize(("bounds", "says"), [
    ({"ch5_sccm": (1, 10)}, "approved.ch5_sccm: not a parameter of the search space"),
    ({"ch4_sccm": (10, 1)}, "approved.ch4_sccm: low (10) must be smaller than high (1)"),
    ({"ch4_sccm": (5, 5)}, "approved.ch4_sccm: low (5) must be smaller"),
    ({"temperature_c": (900, 1000)}, "approved.temperature_c: [900, 1000] reaches outside the search space "
                                     "[950, 1065]"),
    ({"substrate": (0, 1)}, "approved.substrate: a categorical parameter"),
])
def test_a_box_that_does_not_fit_the_search_space_is_refused_naming_the_field(
        bounds: dict[str, tuple[float, float]], says: str) -> None:
    with pytest.raises(UserError) as error:
        ApprovedBox.within(bounds, SPACE)
    assert says in str(error.value)


def test_the_request_shows_the_proposal_the_reason_and_the_box() -> None:
    box = ApprovedBox.within({"ch4_sccm": (1, 10)}, SPACE)
    text = describe_request("c/3", PARAMS, "ch4_sccm 12 outside approved [1, 10]", box)
    assert "experiment c/3" in text and "Reason: ch4_sccm 12 outside approved [1, 10]" in text
    assert "| `ch4_sccm` | 12 | [1, 10] |" in text and "| `substrate` | Cu | any |" in text


@pytest.mark.parametrize(("line", "reply"), [
    ("y\n", (True, "")), ("YES  looks fine \n", (True, "looks fine")), ("n too much CH4\n", (False, "too much CH4")),
    ("maybe\n", None), ("\n", None),
])
def test_terminal_answers_are_yes_or_no_with_an_optional_note(line: str, reply: tuple[bool, str] | None) -> None:
    assert parse_answer(line) == reply


# --- sdlab run: bad input exits 2 with one line, before anything starts ---------------------------------------
SERIAL_FURNACE = GRAPHENE_STATION.read_text().replace("furnace: {driver: sim,",
                                                      "furnace: {driver: serial, port: /dev/null,")


def _files(tmp_path: Path, campaign: str | None, station: str) -> list[str]:
    """`--config` and `--campaign` of a station and a campaign file written to `tmp_path` (no campaign file:
    None)."""
    (tmp_path / "station.yaml").write_text(station)
    if campaign is not None:
        (tmp_path / "campaign.yaml").write_text(campaign)
    return ["--config", str(tmp_path / "station.yaml"), "--campaign", str(tmp_path / "campaign.yaml")]


def _refused(code: int, err: str, says: str, home: Path) -> None:
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("sdlab: error:") and says in lines[0], err
    assert not (home / "campaigns").exists()  # nothing started


@pytest.mark.parametrize(("campaign", "station", "flags", "says"), [
    (None, GRAPHENE_STATION.read_text(), ["--rehearse"], "campaign file"),
    ("experiments: -1\n", GRAPHENE_STATION.read_text(), ["--rehearse"], "experiments"),
    ("approved: {ch4_sccm: [10, 1]}\n", GRAPHENE_STATION.read_text(), ["--rehearse"], "approved.ch4_sccm"),
    ("approved: {ch4_sccm: 5}\n", GRAPHENE_STATION.read_text(), ["--rehearse"], "approved.ch4_sccm"),
    ("experiments: 2\n", GRAPHENE_STATION.read_text(), [], "--rehearse"),
    ("experiments: 2\n", SERIAL_FURNACE, ["--rehearse"], "furnace: serial"),
    ("speedup: 100\n", SERIAL_FURNACE, [], "real time"),
])
def test_sdlab_run_refuses_bad_input_with_exit_2_and_one_line(campaign: str | None, station: str, flags: list[str],
                                                               says: str, tmp_path: Path, sdlab_cli: Any) -> None:
    result = sdlab_cli("run", *_files(tmp_path, campaign, station), *flags)
    _refused(result.code, result.err, says, tmp_path)


def test_sdlab_run_refuses_approval_in_a_ui_without_a_prefect_server(tmp_path: Path) -> None:
    """In a process of its own: this test process may hold the Prefect test harness, which is a server."""
    result = subprocess.run([sys.executable, "-m", "lab", "run", *_files(tmp_path, "experiments: 2\n",
                                                                          GRAPHENE_STATION.read_text()),
                             "--rehearse", "--approve-in", "ui"], capture_output=True, text=True, timeout=300,
                            env={"SDLAB_HOME": str(tmp_path), "PATH": "/usr/bin:/bin"})
    _refused(result.returncode, result.stderr, "PREFECT_API_URL", tmp_path)


# --- the campaign flow in approval mode, on the simulated station ---------------------------------------------

SETTINGS = dict(planner="random", spots=2)


@pytest.fixture(scope="module")
def store(sdlab_home: Path, prefect_harness: None) -> Iterator[Any]:
    from lab.history.store import RunStore

    with RunStore() as store:
        yield store


class Operator(threading.Thread):
    """Answers a campaign's approval requests through the Prefect API, as the Prefect UI does."""

    def __init__(self, campaign_id: str, answers: list[bool]) -> None:
        super().__init__(daemon=True)
        self.campaign_id, self.answers, self.requests = campaign_id, list(answers), []
        self.since = datetime.now(UTC)
        self.done = threading.Event()

    def run(self) -> None:
        from lab.cli.approval_desk import paused_run

        while self.answers and not self.done.wait(0.2):
            pause = paused_run(self.campaign_id, self.since)
            if pause is not None and pause.key not in {key for key, _ in self.requests}:
                self.requests.append((pause.key, pause.request()))
                pause.answer(self.answers.pop(0), note="from the test")


def run_campaign(store: Any, campaign_id: str, experiments: int, approved: dict[str, Any] | None,
                 answers: list[bool], timeout_s: int = 60) -> tuple[Operator, Exception | None]:
    """Run the campaign flow with an operator answering through the API; returns it and what the flow raised."""
    from lab.campaign.flows import campaign
    from lab.campaign.session import open_session
    from lab.settings import campaign_config, load_station

    settings = campaign_config(campaign_id=campaign_id, experiments=experiments, approved=approved,
                               approval_timeout_s=timeout_s, **SETTINGS)
    operator = Operator(campaign_id, answers)
    session = open_session(settings, load_station(), store)
    operator.start()
    try:
        campaign(campaign_id)
        raised = None
    except CampaignStopped as exc:
        raised = exc
    finally:
        operator.done.set()
        session.close()
    return operator, raised


def flow_run_states(campaign_id: str) -> list[str]:
    """The state types the campaign's latest flow run went through."""
    from prefect import get_client
    from prefect.client.schemas.filters import FlowFilter, FlowFilterName

    with get_client(sync_client=True) as client:
        runs = [r for r in client.read_flow_runs(flow_filter=FlowFilter(name=FlowFilterName(any_=["campaign"])))
                if r.parameters.get("campaign_id") == campaign_id]
        latest = max(runs, key=lambda r: r.created)
        return [state.type.value for state in client.read_flow_run_states(latest.id)]


def operator_records(campaign_id: str) -> list[dict[str, Any]]:
    return [r for r in read_audit() if (r["source"] or {}).get("actor") == "operator"
            and r["source"].get("campaign") == campaign_id]


@pytest.mark.e2e
def test_the_first_heating_waits_for_approval_once_then_the_campaign_runs(store: Any) -> None:
    operator, raised = run_campaign(store, "approve-once", 2, {}, [True])
    assert raised is None
    assert [r["index"] for r in store.experiments("approve-once")] == [0, 1]
    assert len(operator.requests) == 1 and FIRST_HEATING in operator.requests[0][1]
    assert "| `temperature_c` |" in operator.requests[0][1]
    assert flow_run_states("approve-once").count("PAUSED") == 1
    (record,) = operator_records("approve-once")
    assert record["decision"] == "approve" and record["source"]["experiment_id"] == "approve-once/0"
    assert "from the test" in record["reason"]


@pytest.mark.e2e
def test_a_rejected_proposal_is_never_grown_and_the_planner_proposes_again(store: Any) -> None:
    _, raised = run_campaign(store, "reject-once", 1, {"ch4_sccm": (0.5, 40)}, [False, True])
    assert raised is None
    rejected, approved = operator_records("reject-once")
    assert (rejected["decision"], approved["decision"]) == ("reject", "approve")
    assert rejected["args"][0] != approved["args"][0]
    (growth,) = store.runs("reject-once", GROWTH_PLAN)
    assert growth.metadata["start"]["params"] == approved["args"][0]
    assert growth.metadata["start"]["experiment_id"] == "reject-once/0"  # the rejection used no experiment id


@pytest.mark.e2e
def test_rejections_in_a_row_stop_the_campaign_without_a_command_to_the_station(store: Any) -> None:
    _, raised = run_campaign(store, "reject-all", 2, {}, [False] * MAX_REJECTIONS)
    assert isinstance(raised, CampaignStopped) and "rejected 3 proposals in a row" in str(raised)
    assert store.runs("reject-all") == []
    assert [r["decision"] for r in operator_records("reject-all")] == ["reject"] * MAX_REJECTIONS
    commands = [r for r in read_audit() if r["device"] and (r["source"] or {}).get("campaign") == "reject-all"]
    assert commands == []


@pytest.mark.e2e
def test_no_answer_in_time_stops_the_campaign_cleanly(store: Any) -> None:
    _, raised = run_campaign(store, "no-answer", 1, {}, [], timeout_s=2)
    assert isinstance(raised, CampaignStopped) and "no operator answer within 2 s" in str(raised)
    assert store.runs("no-answer") == []
    assert [r["decision"] for r in operator_records("no-answer")] == ["no-answer"]
    assert flow_run_states("no-answer")[-1] == "FAILED"


@pytest.mark.e2e
def test_a_resumed_campaign_asks_before_its_first_heating_only_if_nothing_was_grown(store: Any) -> None:
    _, raised = run_campaign(store, "resumed", 1, {}, [], timeout_s=2)
    assert isinstance(raised, CampaignStopped) and store.runs("resumed") == []
    operator, raised = run_campaign(store, "resumed", 1, {}, [True])
    assert raised is None and [FIRST_HEATING in text for _, text in operator.requests] == [True]
    _, raised = run_campaign(store, "resumed", 2, {}, [])
    assert raised is None and [r["index"] for r in store.experiments("resumed")] == [0, 1]
    assert "PAUSED" not in flow_run_states("resumed")


@pytest.mark.e2e
def test_a_simulated_campaign_never_pauses(store: Any) -> None:
    run_campaign(store, "never-asks", 1, None, [])
    assert len(store.experiments("never-asks")) == 1
    assert "PAUSED" not in flow_run_states("never-asks")
    assert operator_records("never-asks") == []


@pytest.mark.e2e
def test_the_terminal_desk_answers_a_paused_run(store: Any) -> None:
    from rich.console import Console

    from lab.campaign.flows import campaign
    from lab.campaign.session import open_session
    from lab.cli.approval_desk import ApprovalDesk
    from lab.settings import campaign_config, load_station

    read, write = os.pipe()
    os.write(write, b"perhaps\ny all fine\n")
    settings = campaign_config(campaign_id="desk-yes", experiments=1, approved={}, approval_timeout_s=60, **SETTINGS)
    console = Console(record=True, width=120)
    session = open_session(settings, load_station(), store)
    try:
        with os.fdopen(read) as stdin, ApprovalDesk("desk-yes", datetime.now(UTC), console, stdin=stdin):
            campaign("desk-yes")
    finally:
        session.close()
        os.close(write)
    shown = console.export_text()
    assert "Approve experiment desk-yes/0?" in shown and "approve? (y/n" in shown and "answer y or n" in shown
    assert "approved" in shown
    assert len(store.experiments("desk-yes")) == 1
    (record,) = operator_records("desk-yes")
    assert record["decision"] == "approve" and "all fine" in record["reason"]
