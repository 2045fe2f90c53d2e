"""Simulated campaigns on virtual time: the same seed gives the same campaign, bit for bit, at any machine load."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from lab.campaign.session import ExperimentResult, open_session
from lab.history.store import RunStore
from lab.settings import campaign_config, load_station

EXPERIMENTS = 3
WALL_KEYS = {"uid", "time", "timestamps", "run_start", "descriptor"}  # ids and wall-clock stamps, nothing else


@contextmanager
def cpu_hog() -> Iterator[None]:
    """Another process that keeps a core busy for as long as the block runs."""
    hog = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        yield
    finally:
        hog.kill()
        hog.wait()


def recorded(value: Any, campaign_id: str) -> Any:
    """A document as recorded, less uids and wall times, with the campaign id written as `<campaign>`."""
    if isinstance(value, dict):
        return {k: recorded(v, campaign_id) for k, v in value.items() if k not in WALL_KEYS}
    if isinstance(value, list | tuple):
        return [recorded(v, campaign_id) for v in value]
    if isinstance(value, str):
        return value.replace(campaign_id, "<campaign>")
    if hasattr(value, "tolist"):
        return recorded(value.tolist(), campaign_id)
    return value


def campaign_record(store: RunStore, material: str, campaign_id: str) -> tuple[list[Any], list[Any]]:
    """Run a short campaign (ask → grow → measure → analyze → tell) and return every document the RunEngine
    emitted and every experiment row the catalog holds, as recorded."""
    settings = campaign_config(campaign_id=campaign_id, material=material, experiments=EXPERIMENTS, seed=4,
                               spots=4)
    station = load_station(kind=settings.material_spec.kind)
    session = open_session(settings, station, store)
    documents: list[Any] = []
    session.engine.subscribe(lambda name, doc: documents.append((name, recorded(doc, campaign_id))))
    try:
        for index in range(EXPERIMENTS):
            (params,) = session.planner.ask(1)
            growth = session.synthesize(index, params)
            measurement = session.measure(index, params)
            outcome = session.analyze(measurement)
            session.learn(ExperimentResult(index, f"{campaign_id}/{index}", params, outcome, growth, measurement,
                                           0.0))
    finally:
        session.close()
    rows = [recorded({k: v for k, v in row.items() if not k.endswith("_uid")}, campaign_id)
            for row in store.experiments(campaign_id)]
    return documents, rows


@pytest.mark.e2e
@pytest.mark.parametrize("material", ["graphene", "MoS2"])
def test_the_same_seed_gives_the_same_campaign_at_any_load(sdlab_home: Path, material: str) -> None:
    with RunStore() as store:
        quiet_documents, quiet_rows = campaign_record(store, material, f"det-{material.lower()}-quiet")
        with cpu_hog():
            busy_documents, busy_rows = campaign_record(store, material, f"det-{material.lower()}-busy")
    assert len(quiet_rows) == EXPERIMENTS
    assert busy_rows == quiet_rows  # parameters, outcomes, figures of merit
    assert [name for name, _ in busy_documents] == [name for name, _ in quiet_documents]
    for (name, busy), (_, quiet) in zip(busy_documents, quiet_documents, strict=True):
        assert busy == quiet, name  # every reading, spectrum and in-situ sample
