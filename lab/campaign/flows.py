"""Prefect flows: a campaign is a loop of experiment tasks (synthesize → characterize → analyze → tell, as nested
tasks), each followed by a `report` task (spectra and progress figures, tables) that runs while the next
experiment grows. An experiment is a task, not a subflow: a subflow run costs Prefect about half a second of API
calls and state changes, a nested task a hundredth of that; the UI shows the experiment task runs, named
`<campaign>-exp-<index>`, with their steps in the campaign's flow run.

Orchestration only: the work is done by `lab.campaign.session.LabSession` methods, which are plain functions of
the session and unit-tested without Prefect; when to ask the operator is decided in `lab.campaign.approval`.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from bluesky.callbacks import CallbackBase
from prefect import flow, get_run_logger, task
from prefect.artifacts import create_image_artifact, create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NONE
from prefect.exceptions import FlowPauseTimeout
from prefect.flow_runs import pause_flow_run
from prefect.futures import PrefectFuture
from prefect.logging.handlers import APILogHandler
from prefect.logging.loggers import PrefectLogAdapter

from lab.campaign.approval import (
    MAX_REJECTIONS,
    Approval,
    ApprovedBox,
    CampaignStopped,
    approval_reason,
    describe_request,
)
from lab.campaign.plots import data_uri
from lab.campaign.session import ExperimentResult, LabSession, session_for
from lab.history.store import GROWTH_PLAN, experiment_status
from lab.settings import slug

APPROVAL_POLL_S = 1  # how often a paused campaign checks whether it was answered
# What the operator reads in the Prefect UI: one line per experiment, one per growth step. INFO goes to the run's
# logs in the Prefect API only (sdlab keeps Prefect's own loggers at WARNING, and its terminal clean).
_RUN_LOG = logging.getLogger("prefect.task_runs.sdlab")
_RUN_LOG.setLevel(logging.INFO)
_RUN_LOG.propagate = False
_RUN_LOG.addHandler(APILogHandler())


def run_log() -> PrefectLogAdapter:
    """The current task run's logger for the operator's lines (in the Prefect UI, not on the terminal)."""
    return PrefectLogAdapter(_RUN_LOG, extra=get_run_logger().extra)


class GrowthSteps(CallbackBase):
    """A RunEngine callback that keeps a growth run's steps as they happen: (name, start in seconds after the run's
    start, station clock), and the time of the run's last reading."""

    def __init__(self) -> None:
        super().__init__()
        self.started = self.last = 0.0
        self.steps: list[tuple[str, float]] = []

    def start(self, doc: dict[str, Any]) -> None:
        self.started = doc["time"]

    def event(self, doc: dict[str, Any]) -> None:
        self.last = doc["time"] - self.started
        step = doc["data"].get("step")
        if step and (not self.steps or self.steps[-1][0] != step):
            self.steps.append((step, self.last))

    def lines(self, experiment_id: str) -> list[str]:
        """One line per step: when it started and how long it took (until the next step, or the last reading)."""
        ends = [start for _, start in self.steps[1:]] + [self.last] * bool(self.steps)
        return [f"growth {experiment_id} step {step}: at {start / 60:.1f} min, for {(end - start) / 60:.1f} min"
                for (step, start), end in zip(self.steps, ends, strict=True)]


def _shown(params: dict[str, Any]) -> str:
    return ", ".join(f"{key}={value:.4g}" if isinstance(value, float) else f"{key}={value}"
                     for key, value in params.items())


def outcome_line(experiment_id: str, params: dict[str, Any], outcome: dict[str, Any]) -> str:
    """One line for the operator: what was grown (parameters) and what came out."""
    status = experiment_status(outcome)
    came_out = {"ok": f"quality {outcome.get('quality', 0.0):.3f}", "failed": "failed: no usable sample",
                "unfit": f"unfit: {outcome.get('error', 'the analysis refused its spectra')}"}[status]
    return f"experiment {experiment_id}: {_shown(params)} → {came_out}"


@task(name="synthesize", cache_policy=NONE)
def synthesize(campaign_id: str, index: int, params: dict[str, Any]) -> str:
    """Run the CVD growth plan, logging its steps; returns the growth run's uid."""
    session = session_for(campaign_id)
    steps = GrowthSteps()
    token = session.engine.subscribe(steps)
    try:
        return session.synthesize(index, params)
    finally:
        session.engine.unsubscribe(token)
        log = run_log()
        for line in steps.lines(f"{campaign_id}/{index}"):
            log.info(line)


@task(name="characterize", cache_policy=NONE)
def characterize(campaign_id: str, index: int, params: dict[str, Any]) -> str:
    """Raman-map the sample; returns the characterization run's uid."""
    return session_for(campaign_id).measure(index, params)


@task(name="analyze", cache_policy=NONE)
def analyze(campaign_id: str, uid: str) -> dict[str, Any]:
    """Fit the spectra and record the outcome in the catalog."""
    return session_for(campaign_id).analyze(uid)


def _sample(campaign_id: str, index: int, params: dict[str, Any], growth: str, started: float) -> dict[str, Any]:
    """A grown sample characterized, analyzed and told to the planner."""
    measurement = characterize(campaign_id, index, params)
    outcome = analyze(campaign_id, measurement)
    result = ExperimentResult(index, f"{campaign_id}/{index}", params, outcome, growth, measurement,
                              time.perf_counter() - started)
    session_for(campaign_id).learn(result)
    run_log().info(outcome_line(result.experiment_id, params, outcome))
    return outcome


@task(name="experiment", cache_policy=NONE)
def experiment(campaign_id: str, index: int, params: dict[str, Any]) -> dict[str, Any]:
    """One experiment: synthesize, characterize, analyze, tell the planner."""
    started = time.perf_counter()
    growth = synthesize(campaign_id, index, params)
    return _sample(campaign_id, index, params, growth, started)


@task(name="synthesize-run", cache_policy=NONE)
def synthesize_run(campaign_id: str, first: int, batch: list[dict[str, Any]]) -> str:
    """Grow a run's samples (experiments `first`, `first` + 1, …) in one furnace run; returns its uid."""
    session = session_for(campaign_id)
    return session.synthesize_run([(first + offset, params) for offset, params in enumerate(batch)])


@task(name="furnace-run", cache_policy=NONE)
def furnace_run(campaign_id: str, first: int, batch: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One furnace run of several substrates: grow them together, then characterize, analyze and tell each as
    its own experiment (`first`, `first` + 1, …)."""
    started = time.perf_counter()
    growth = synthesize_run(campaign_id, first, batch)
    outcomes = [_sample(campaign_id, first + offset, params, growth, started) for offset, params in enumerate(batch)]
    create_image_artifact(image_url=data_uri(session_for(campaign_id).run_png(growth)),
                          key=f"{slug(campaign_id)}-run-{first}",
                          description=f"The samples of furnace run {campaign_id}/{first}… along the tube")
    return outcomes


@task(name="report", cache_policy=NONE)
def report(campaign_id: str, index: int) -> None:
    """Publish experiment `index`'s spectra figure, the campaign's progress figure and its tables as Prefect
    artifacts."""
    session = session_for(campaign_id)
    result = next(r for r in session.results if r.index == index)
    create_image_artifact(image_url=data_uri(session.spectra_png(result.characterization_uid, result.outcome)),
                          key=f"{slug(campaign_id)}-exp-{index}-spectra",
                          description=f"Spectra of experiment {campaign_id}/{index}")
    create_image_artifact(image_url=data_uri(session.progress_png()), key=f"{slug(campaign_id)}-progress",
                          description=f"Campaign {campaign_id}: best so far, and quality against each parameter")
    publish(session)


def _rounded(values: dict[str, Any]) -> dict[str, Any]:
    return {k: round(v, 4) if isinstance(v, float) else v for k, v in values.items()}


def experiment_rows(session: LabSession) -> list[dict[str, Any]]:
    """The experiments table: one row per experiment with parameters and figures of merit."""
    return [{"index": r.index, **_rounded(r.params), **_rounded(r.outcome), "growth_uid": r.growth_uid}
            for r in list(session.results)]


def best_so_far_markdown(session: LabSession) -> str:
    """A best-so-far summary: the running maximum of quality and the best parameters."""
    lines = [f"# Campaign `{session.campaign_id}`", "", "| experiment | quality | best so far |", "|---|---|---|"]
    best = 0.0
    for r in list(session.results):  # a snapshot: the campaign may append meanwhile
        best = max(best, r.quality or 0.0)
        shown = "failed" if r.quality is None else f"{r.quality:.3f}"
        lines.append(f"| {r.index} | {shown} | {best:.3f} |")
    top = session.best()
    if top is not None:
        lines += ["", f"**Best**: experiment {top.index}, quality {top.quality:.3f}", "",
                  *(f"- `{k}` = {v}" for k, v in top.params.items())]
    return "\n".join(lines)


def publish(session: LabSession) -> None:
    """Update the campaign's Prefect artifacts (new versions under stable keys)."""
    key = slug(session.campaign_id)
    create_table_artifact(table=experiment_rows(session), key=f"{key}-experiments",
                          description=f"Experiments of campaign {session.campaign_id}")
    create_markdown_artifact(markdown=best_so_far_markdown(session), key=f"{key}-best",
                             description=f"Best so far in campaign {session.campaign_id}")


def operator_approves(session: LabSession, box: ApprovedBox, index: int, proposal: int, params: dict[str, Any],
                      timeout_s: int) -> bool:
    """Whether `params` may run as experiment `index`: at once when they need no approval, else the operator's
    answer to a pause of the flow run (its form in the Prefect UI, or `sdlab run` in the terminal). The answer
    goes into the station's audit log; no answer within `timeout_s` raises CampaignStopped."""
    experiment_id = f"{session.campaign_id}/{index}"
    first_heating = not session.store.runs(session.campaign_id, GROWTH_PLAN)
    reason = approval_reason(params, box, first_heating=first_heating)
    if reason is None:
        return True
    form = Approval.with_initial_data(description=describe_request(experiment_id, params, reason, box))
    source = {"actor": "operator", "campaign": session.campaign_id, "experiment_id": experiment_id}
    audit = session.safeguards.audit
    try:
        answer = pause_flow_run(wait_for_input=form, timeout=timeout_s, poll_interval=APPROVAL_POLL_S,
                                key=f"experiment-{index}-proposal-{proposal}")
    except FlowPauseTimeout:
        audit.record("no-answer", args=(params,), reason=reason, source=source)
        raise CampaignStopped(f"no operator answer within {timeout_s} s to experiment {experiment_id} ({reason})"
                              ) from None
    note = f"; operator's note: {answer.note}" if answer.note else ""
    audit.record("approve" if answer.approve else "reject", args=(params,), reason=reason + note, source=source)
    return answer.approve


def _report_later(reporting: PrefectFuture | None, index: int | None, campaign_id: str) -> PrefectFuture | None:
    """Start experiment `index`'s report (after the previous one: one at a time) to run while the next experiment
    grows; the campaign starts it after the next ask, so that the planner never shares the processor with it."""
    if index is None:
        return reporting
    if reporting is not None:
        reporting.wait()
    return report.submit(campaign_id, index)


@flow(name="campaign")
def campaign(campaign_id: str) -> dict[str, Any]:
    """Ask the planner for batches and run them as experiment tasks until the budget is spent; with several
    substrates per run (`substrates`), ask for runs and grow each in one furnace run (`furnace_run`).

    A run campaign (an approved box in its settings) pauses for the operator's approval before its first heating
    and for proposals outside the box. A rejected proposal is not run and tells the planner nothing (it stays
    pending, so the next ask moves away from it); the planner is asked again, up to MAX_REJECTIONS in a row.
    Then, or without an answer within the campaign's `approval_timeout_s`, the campaign stops (CampaignStopped).
    """
    session = session_for(campaign_id)
    config = session.campaign
    box = None if config.approved is None else ApprovedBox.within(config.approved, session.planner.space)
    index, proposals, rejected = len(session.results), 0, 0
    reporting: PrefectFuture | None = None
    unreported: int | None = None  # the experiment whose report starts once the planner has been asked again
    try:
        while index < config.experiments and config.substrates > 1:
            run = session.planner.ask(min(config.substrates, config.experiments - index))
            if box is not None and not operator_approves(session, box, index, index + 1, run[0],
                                                         config.approval_timeout_s):
                raise CampaignStopped(f"the operator rejected the run of experiments {campaign_id}/{index}…")
            furnace_run.with_options(task_run_name=f"{campaign_id}-run-{index}")(campaign_id, index, run)
            for sample in range(index, index + len(run)):
                reporting = _report_later(reporting, sample, campaign_id)
            index += len(run)
        while index < config.experiments:
            batch = session.planner.ask(min(config.batch, config.experiments - index))
            reporting, unreported = _report_later(reporting, unreported, campaign_id), None
            for params in batch:
                if box is not None:
                    proposals += 1
                    if not operator_approves(session, box, index, proposals, params, config.approval_timeout_s):
                        rejected += 1
                        if rejected == MAX_REJECTIONS:
                            raise CampaignStopped(f"the operator rejected {rejected} proposals in a row for experiment "
                                                  f"{campaign_id}/{index}")
                        continue
                    rejected = 0
                experiment.with_options(task_run_name=f"{campaign_id}-exp-{index}")(campaign_id, index, params)
                reporting = _report_later(reporting, unreported, campaign_id)
                unreported = index
                index += 1
    finally:  # every finished experiment is reported, also when the campaign stops
        reporting = _report_later(reporting, unreported, campaign_id)
        if reporting is not None:
            reporting.wait()
    best = session.best()
    return {"campaign": campaign_id, "experiments": len(session.results),
            "runs": len({r.growth_uid for r in session.results}),
            "best_quality": None if best is None else best.quality,
            "best_params": None if best is None else best.params,
            "best_outcome": None if best is None else best.outcome}
