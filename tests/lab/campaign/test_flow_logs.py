"""The operator's lines in a campaign's Prefect logs: one per experiment (parameters → outcome), one per growth step."""

from __future__ import annotations

from lab.campaign.flows import GrowthSteps, outcome_line


def test_an_experiment_line_names_its_parameters_and_what_came_out() -> None:
    params = {"temperature_c": 1012.3456, "substrate": "Cu"}
    assert outcome_line("c/3", params, {"quality": 0.73449, "failed": False}) == (
        "experiment c/3: temperature_c=1012, substrate=Cu → quality 0.734")
    assert outcome_line("c/4", params, {"quality": 0.0, "failed": True}).endswith("→ failed: no usable sample")
    assert outcome_line("c/5", params, {"failed": True, "unfit": True, "error": "NaN in fit"}).endswith(
        "→ unfit: NaN in fit")


def test_growth_steps_are_timed_from_their_start_to_the_next_step() -> None:
    steps = GrowthSteps()
    steps.start({"time": 100.0})
    for at, step in [(100.0, "load"), (160.0, "heat"), (400.0, "heat"), (700.0, "grow"), (1300.0, "done")]:
        steps.event({"time": at, "data": {"step": step, "temperature_c": 20.0}})
    steps.event({"time": 1330.0, "data": {"temperature_c": 25.0}})  # a reading without a step
    assert steps.lines("c/0") == ["growth c/0 step load: at 0.0 min, for 1.0 min",
                                  "growth c/0 step heat: at 1.0 min, for 9.0 min",
                                  "growth c/0 step grow: at 10.0 min, for 10.0 min",
                                  "growth c/0 step done: at 20.0 min, for 0.5 min"]


def test_a_growth_stopped_before_its_first_step_has_no_step_lines() -> None:
    steps = GrowthSteps()
    steps.start({"time": 100.0})  # e.g. refused at once: the station is latched
    assert steps.lines("c/0") == []
