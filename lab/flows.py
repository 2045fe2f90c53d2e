"""Prefect flows: a campaign is a loop of experiment subflows (synthesize → characterize → analyze → tell).

Orchestration only: the work is done by `lab.session.LabSession` methods, which are plain functions of
the session and unit-tested without Prefect.
"""

from __future__ import annotations

import time
from typing import Any

from prefect import flow, task
from prefect.artifacts import create_image_artifact, create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NONE

from lab.config import slug
from lab.plots import data_uri
from lab.session import ExperimentResult, LabSession, session_for


@task(name="synthesize", cache_policy=NONE)
def synthesize(campaign_id: str, index: int, params: dict[str, Any]) -> str:
    """Run the CVD growth plan; returns the growth run's uid."""
    return session_for(campaign_id).synthesize(index, params)


@task(name="characterize", cache_policy=NONE)
def characterize(campaign_id: str, index: int, params: dict[str, Any]) -> str:
    """Raman-map the sample; returns the characterization run's uid."""
    return session_for(campaign_id).measure(index, params)


@task(name="analyze", cache_policy=NONE)
def analyze(campaign_id: str, uid: str) -> dict[str, Any]:
    """Fit the spectra and record the outcome in the catalog."""
    return session_for(campaign_id).analyze(uid)


@flow(name="experiment")
def experiment(campaign_id: str, index: int, params: dict[str, Any]) -> dict[str, Any]:
    """One experiment: synthesize, characterize, analyze, tell the planner."""
    session = session_for(campaign_id)
    started = time.perf_counter()
    growth = synthesize(campaign_id, index, params)
    measurement = characterize(campaign_id, index, params)
    outcome = analyze(campaign_id, measurement)
    result = ExperimentResult(index, f"{campaign_id}/{index}", params, outcome, growth, measurement,
                              time.perf_counter() - started)
    session.learn(result)
    create_image_artifact(image_url=data_uri(session.spectra_png(measurement, outcome)),
                          key=f"{slug(campaign_id)}-exp-{index}-spectra",
                          description=f"Spectra of experiment {campaign_id}/{index}")
    publish(session)
    return outcome


def _rounded(values: dict[str, Any]) -> dict[str, Any]:
    return {k: round(v, 4) if isinstance(v, float) else v for k, v in values.items()}


def experiment_rows(session: LabSession) -> list[dict[str, Any]]:
    """The experiments table: one row per experiment with parameters and figures of merit."""
    return [{"index": r.index, **_rounded(r.params), **_rounded(r.outcome), "growth_uid": r.growth_uid}
            for r in session.results]


def best_so_far_markdown(session: LabSession) -> str:
    """A best-so-far summary: the running maximum of quality and the best parameters."""
    lines = [f"# Campaign `{session.campaign_id}`", "", "| experiment | quality | best so far |", "|---|---|---|"]
    best = 0.0
    for r in session.results:
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


@flow(name="campaign")
def campaign(campaign_id: str) -> dict[str, Any]:
    """Ask the planner for batches and run them as experiment subflows until the budget is spent."""
    session = session_for(campaign_id)
    config = session.campaign
    index = len(session.results)
    while index < config.experiments:
        batch = session.planner.ask(min(config.batch, config.experiments - index))
        for params in batch:
            experiment.with_options(flow_run_name=f"{campaign_id}-exp-{index}")(campaign_id, index, params)
            index += 1
    best = session.best()
    return {"campaign": campaign_id, "experiments": len(session.results),
            "best_quality": None if best is None else best.quality,
            "best_params": None if best is None else best.params,
            "best_outcome": None if best is None else best.outcome}
