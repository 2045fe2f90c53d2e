"""Resuming campaigns: the catalog is the source of truth; interrupted experiments are aborted and re-planned."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lab.campaign.session import ExperimentResult, LabSession, observation, open_session
from lab.errors import UserError
from lab.history.records import load_record, record_path
from lab.history.store import GROWTH_PLAN, RunStore
from lab.settings import campaign_config, load_station
from planners import make_planner

SETTINGS = dict(planner="random", seed=5, spots=2)


def experiment(session: LabSession, index: int) -> None:
    """One experiment as the experiment flow runs it."""
    (params,) = session.planner.ask(1)
    growth = session.synthesize(index, params)
    measurement = session.measure(index, params)
    outcome = session.analyze(measurement)
    session.learn(ExperimentResult(index, f"{session.campaign_id}/{index}", params, outcome, growth, measurement,
                                   0.0))


def test_a_resumed_campaign_continues_from_the_catalog_and_re_plans_the_interrupted_experiment(
        sdlab_home: Path) -> None:
    settings = campaign_config(campaign_id="resume-unit", experiments=4, **SETTINGS)
    station = load_station()
    with RunStore() as store:
        first = open_session(settings, station, store)
        try:
            experiment(first, 0)
            experiment(first, 1)
            (params,) = first.planner.ask(1)
            first.synthesize(2, params)  # the process "dies" after the growth, before characterization
        finally:
            first.close()

        resumed = open_session(settings, station, store)
        try:
            assert [r.index for r in resumed.results] == [0, 1]
            assert resumed.aborted == ["resume-unit/2"]
            assert resumed.abandoned == {"resume-unit/2": "in the furnace (not characterized)"}
            rebuilt = make_planner("random", first.planner.space, objectives=list(first.planner.objectives), seed=5)
            rebuilt.tell([observation(r) for r in first.results])
            assert resumed.planner.to_dict() == rebuilt.to_dict()
            experiment(resumed, 2)
            experiment(resumed, 3)
        finally:
            resumed.close()
        rows = store.experiments("resume-unit")
        aborted = [run for run in store.runs("resume-unit", GROWTH_PLAN) if run.metadata.get("aborted")]
    assert [row["index"] for row in rows] == [0, 1, 2, 3]
    assert len({row["experiment_id"] for row in rows}) == 4
    assert [run.metadata["start"]["experiment_id"] for run in aborted] == ["resume-unit/2"]
    assert [r.growth_uid for r in resumed.results][:2] == [r.growth_uid for r in first.results]


def test_experiments_completed_after_one_whose_outcome_was_lost_are_planned_again_none_skipped_or_twice(
        sdlab_home: Path) -> None:
    settings = campaign_config(campaign_id="resume-gap", experiments=4, **SETTINGS)
    with RunStore() as store:
        first = open_session(settings, load_station(), store)
        try:
            for index in range(3):
                experiment(first, index)
        finally:
            first.close()
        lost = first.results[1].characterization_uid  # its outcome write was refused (the database was down)
        store.client[lost].update_metadata(metadata={"outcome": None})

        resumed = open_session(settings, load_station(), store)
        try:
            assert [r.index for r in resumed.results] == [0]
            assert resumed.aborted == ["resume-gap/1", "resume-gap/2"]
            assert resumed.abandoned["resume-gap/2"].startswith("on the stage (characterized")
            for index in (1, 2, 3):
                experiment(resumed, index)
        finally:
            resumed.close()
        rows = store.experiments("resume-gap")
    assert [row["index"] for row in rows] == [0, 1, 2, 3]


def test_resuming_with_incompatible_settings_is_refused_and_nothing_stored_changes(sdlab_home: Path) -> None:
    settings = campaign_config(campaign_id="resume-changed", experiments=1, **SETTINGS)
    with RunStore() as store:
        open_session(settings, load_station(), store).close()
        before = record_path("resume-changed").read_bytes()
        changed = campaign_config(**{**settings.model_dump(), "seed": 6})
        with pytest.raises(UserError, match=r"exists with other settings \(campaign.seed\)"):
            open_session(changed, load_station(), store)
        more = campaign_config(**{**settings.model_dump(), "experiments": 3})
        open_session(more, load_station(), store).close()  # a larger budget is a compatible resume
    assert json.loads(before)["campaign"]["experiments"] == 1
    assert load_record("resume-changed").campaign.experiments == 3


def test_resuming_an_unknown_campaign_names_the_known_ones(sdlab_home: Path) -> None:
    with pytest.raises(UserError, match="no campaign 'never-ran' to resume"):
        load_record("never-ran")
