"""Two campaigns writing into one catalog at once: every document stored, no storage error (the embedded catalog's
tables were in DuckDB, whose one shared ADBC connection broke under concurrent writers)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import event_model
import numpy as np

from lab.history.store import RunStore

RUNS, EVENTS = 3, 4


def write_campaign(directory: Path, campaign: str, failures: list[BaseException], runs: int, events: int) -> None:
    """`runs` runs of `events` events each (scalars and a spectrum), written through a store of its own."""
    try:
        with RunStore(directory) as store:
            writer = store.writer()
            for index in range(runs):
                run = event_model.compose_run(metadata={"campaign": campaign, "experiment_index": index,
                                                        "plan_name": "characterize"})
                writer("start", run.start_doc)
                stream = run.compose_descriptor(name="primary", data_keys={
                    "temperature": {"source": "sim", "dtype": "number", "shape": []},
                    "spectrum": {"source": "sim", "dtype": "array", "shape": [8]}})
                writer("descriptor", stream.descriptor_doc)
                for seq in range(events):
                    writer("event", stream.compose_event(
                        data={"temperature": 1000.0 + seq, "spectrum": np.arange(8.0) * seq},
                        timestamps={"temperature": time.time(), "spectrum": time.time()}))
                writer("stop", run.compose_stop())
            store.client  # noqa: B018 (waits until everything is written)
    except BaseException as exc:
        failures.append(exc)


def write_two_campaigns_at_once(directory: Path, runs: int = RUNS, events: int = EVENTS) -> dict[str, list[int]]:
    """Both campaigns' runs written concurrently; then each campaign's events per run, read back."""
    failures: list[BaseException] = []
    with RunStore(directory) as store:  # serves the catalog; the writers connect to it
        threads = [threading.Thread(target=write_campaign, args=(directory, name, failures, runs, events))
                   for name in ("a", "b")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(300)
        assert not failures, failures
        return {name: [len(list(store.documents(run.metadata["start"]["uid"]))) - 3 for run in store.runs(name)]
                for name in ("a", "b")}


def test_two_campaigns_writing_at_once_store_every_document(tmp_path: Path) -> None:
    stored = write_two_campaigns_at_once(tmp_path / "catalog")
    assert stored == {"a": [EVENTS] * RUNS, "b": [EVENTS] * RUNS}
