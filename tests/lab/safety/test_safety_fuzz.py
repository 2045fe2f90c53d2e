"""Fuzzing (hypothesis, a small budget; benchmarks/safety.py runs 1 000 examples): generated station configs
with command sequences, campaign configs, planner outputs and CLI arguments. Nothing unsafe reaches a driver
and every rejection is a clear, one-line error."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.lab.safety.safety_fuzz import (
    Tally,
    campaign_case,
    campaign_dicts,
    cli_arguments,
    cli_case,
    command_sequences,
    planner_case,
    planner_outputs,
    station_case,
    station_dicts,
)

BUDGET = settings(max_examples=40, deadline=None, database=None,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@pytest.fixture(autouse=True, scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    with pytest.MonkeyPatch.context() as patch:
        path = tmp_path_factory.mktemp("fuzz-home")
        patch.setenv("SDLAB_HOME", str(path))
        yield path


def assert_clean(tally: Tally, category: str) -> None:
    assert tally.unsafe == [] and tally.tracebacks == [], tally.as_dict()
    assert tally.counts[f"{category}_examples"] > 0


def test_fuzzed_stations_and_commands_never_send_anything_unsafe() -> None:
    tally = Tally()

    @BUDGET
    @given(station_dicts(), st.data())
    def fuzz(data: dict, draw: st.DataObject) -> None:
        station_case(data, lambda config: draw.draw(command_sequences(config)), tally)

    fuzz()
    assert_clean(tally, "station")
    assert tally.counts["station_accepted"] and tally.counts["station_rejected"]
    assert tally.counts["command_sent"] and tally.counts["command_rejected"]


def test_fuzzed_campaign_configs_are_accepted_or_refused_clearly() -> None:
    tally = Tally()

    @BUDGET
    @given(campaign_dicts())
    def fuzz(settings_: dict) -> None:
        campaign_case(settings_, tally)

    fuzz()
    assert_clean(tally, "campaign")


def test_fuzzed_planner_outputs_are_checked_before_any_growth() -> None:
    tally = Tally()

    @BUDGET
    @given(planner_outputs())
    def fuzz(output: tuple[str, dict]) -> None:
        planner_case(*output, tally)

    fuzz()
    assert_clean(tally, "planner")
    assert tally.counts["planner_accepted"] and tally.counts["planner_rejected"]


def test_fuzzed_cli_arguments_exit_cleanly() -> None:
    tally = Tally()

    @settings(BUDGET, max_examples=25)
    @given(cli_arguments())
    def fuzz(args: list[str]) -> None:
        cli_case(args, tally)

    fuzz()
    assert_clean(tally, "cli")
