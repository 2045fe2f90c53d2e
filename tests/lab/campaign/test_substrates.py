"""Campaigns of several substrates per furnace run: one recipe per run, each sample its own experiment row (its
slot, position and local temperature in the documents); a resume loses no sample and counts none twice."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from lab.campaign.session import ExperimentResult, LabSession, open_session
from lab.campaign.space import campaign_plan
from lab.errors import UserError
from lab.history.store import GROWTH_PLAN, RunStore
from lab.settings import campaign_config, load_station

SETTINGS = dict(planner="random", seed=5, spots=2, substrates=4)


def grow_run(session: LabSession, first: int, size: int, characterized: int | None = None) -> list[dict]:
    """A run of `size` samples as the furnace-run task does it; only the first `characterized` are measured."""
    run = session.planner.ask(size)
    growth = session.synthesize_run([(first + i, params) for i, params in enumerate(run)])
    for i, params in enumerate(run[:characterized]):
        measurement = session.measure(first + i, params)
        outcome = session.analyze(measurement)
        session.learn(ExperimentResult(first + i, f"{session.campaign_id}/{first + i}", params, outcome, growth,
                                       measurement, 0.0))
    return run


def test_a_run_grows_four_samples_that_share_the_recipe_and_are_each_an_experiment(sdlab_home: Path) -> None:
    settings = campaign_config(campaign_id="subs-rows", experiments=4, **SETTINGS)
    with RunStore() as store:
        session = open_session(settings, load_station(), store)
        try:
            run = grow_run(session, 0, 4)
            figure = session.run_png(session.results[0].growth_uid)
        finally:
            session.close()
        rows = store.experiments("subs-rows")
        (growth,) = store.runs("subs-rows", GROWTH_PLAN)
    assert figure.startswith(b"\x89PNG")
    assert sorted(p["slot"] for p in run) == ["1", "2", "3", "4"]
    assert [row["experiment_id"] for row in rows] == [f"subs-rows/{i}" for i in range(4)]
    assert {row["growth_uid"] for row in rows} == {growth.metadata["start"]["uid"]}
    assert [row["slot"] for row in rows] == [p["slot"] for p in run]
    positions = {"1": 0, "2": 45, "3": 60, "4": 75}
    assert [row["position_mm"] for row in rows] == [positions[p["slot"]] for p in run]
    setpoint = run[0]["temperature_c"]
    assert all(row["local_temperature_c"] <= setpoint for row in rows)
    assert max(row["local_temperature_c"] for row in rows) == setpoint  # slot 1, on the thermocouple
    samples = growth.metadata["start"]["samples"]
    assert [s["slot"] for s in samples] == [p["slot"] for p in run]
    assert growth.metadata["start"]["experiment_ids"] == [f"subs-rows/{i}" for i in range(4)]


def test_a_run_interrupted_after_two_of_its_samples_resumes_without_losing_or_repeating_any(
        sdlab_home: Path) -> None:
    settings = campaign_config(campaign_id="subs-resume", experiments=8, **SETTINGS)
    station = load_station()
    with RunStore() as store:
        first = open_session(settings, station, store)
        try:
            grow_run(first, 0, 4)
            grow_run(first, 4, 4, characterized=2)  # the process "dies" after two of the run's four samples
        finally:
            first.close()
        resumed = open_session(settings, station, store)
        try:
            assert [r.index for r in resumed.results] == [0, 1, 2, 3, 4, 5]
            assert resumed.aborted == []
            assert set(resumed.abandoned) == {"subs-resume/6", "subs-resume/7"}
            grow_run(resumed, 6, 2)
        finally:
            resumed.close()
        rows = store.experiments("subs-resume")
    assert [row["index"] for row in rows] == list(range(8))
    assert len({row["experiment_id"] for row in rows}) == 8
    assert len({row["growth_uid"] for row in rows}) == 3


def test_a_run_interrupted_during_its_growth_is_grown_again(sdlab_home: Path) -> None:
    settings = campaign_config(campaign_id="subs-growth", experiments=4, **SETTINGS)
    station = load_station()
    with RunStore() as store:
        first = open_session(settings, station, store)
        try:
            grow_run(first, 0, 4, characterized=0)
        finally:
            first.close()
        resumed = open_session(settings, station, store)
        try:
            assert resumed.results == [] and resumed.aborted == ["subs-growth/0"]
            grow_run(resumed, 0, 4)
        finally:
            resumed.close()
        rows = store.experiments("subs-growth")
    assert [row["index"] for row in rows] == [0, 1, 2, 3]


def test_a_tmd_run_loads_the_space_s_fixed_substrate_into_every_slot(sdlab_home: Path) -> None:
    """A TMD space has no substrate parameter (the recipe's, SiO2/Si): a run of two still loads both slots."""
    settings = campaign_config(campaign_id="subs-tmd", experiments=2, material="MoS2",
                               **{**SETTINGS, "substrates": 2})
    with RunStore() as store:
        session = open_session(settings, load_station(kind="tmd"), store)
        try:
            run = grow_run(session, 0, 2)
        finally:
            session.close()
        rows = store.experiments("subs-tmd")
        (growth,) = store.runs("subs-tmd", GROWTH_PLAN)
    assert all("substrate" not in params for params in run)
    assert [row["slot"] for row in rows] == [p["slot"] for p in run] and len({p["slot"] for p in run}) == 2
    assert [s["substrate"] for s in growth.metadata["start"]["samples"]] == ["SiO2/Si", "SiO2/Si"]


def test_more_substrates_than_slots_is_refused() -> None:
    with pytest.raises(UserError, match=r"--substrates 5: station sim-graphene-1's holder has 4 slot\(s\)"):
        campaign_plan(campaign_config(campaign_id="too-many", substrates=5), load_station())


def test_a_run_space_shares_the_recipe_and_adds_the_slot() -> None:
    space, _ = campaign_plan(campaign_config(campaign_id="space", material="MoS2", substrates=2),
                             load_station(kind="tmd"))
    assert space.names[-1] == "slot" and "slot" not in space.shared and "growth_c" in space.shared
    single, _ = campaign_plan(campaign_config(campaign_id="space", material="MoS2"), load_station(kind="tmd"))
    assert "slot" not in single.names and single.shared == ()


def test_a_run_space_tells_the_planner_each_slot_s_local_growth_temperature_and_oxide_share() -> None:
    tmd = load_station(kind="tmd")  # slots at 0, 10, 20, 35 mm from the boat, all in the flat zone
    space, _ = campaign_plan(campaign_config(campaign_id="space", material="MoS2", substrates=4), tmd)
    (temperature, oxide) = space.local
    assert (temperature.parameter, temperature.by, temperature.pivot) == ("growth_c", "slot", 25.0)
    assert temperature.factors == {"1": 1.0, "2": 1.0, "3": 1.0, "4": 1.0}
    assert oxide.parameter == "precursor_mg" and oxide.pivot == 0.0
    assert oxide.factors == pytest.approx({"1": 1.0, "2": math.exp(-1 / 3), "3": math.exp(-2 / 3),
                                           "4": math.exp(-35 / 30)})
    unmeasured = tmd.model_copy(update={"holder": tmd.holder.model_copy(update={"oxide_decay_mm": None})})
    space, _ = campaign_plan(campaign_config(campaign_id="space", material="MoS2", substrates=4), unmeasured)
    assert [scale.parameter for scale in space.local] == ["growth_c"]
    space, _ = campaign_plan(campaign_config(campaign_id="space", substrates=4), load_station())
    (temperature,) = space.local  # graphene: the profile only; the slots at 45-75 mm lie in its fall-off
    assert temperature.parameter == "temperature_c" and temperature.factors["1"] == 1.0
    assert 0.8 < temperature.factors["4"] < temperature.factors["3"] < temperature.factors["2"] < 1.0
