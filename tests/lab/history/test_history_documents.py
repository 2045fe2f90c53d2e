"""Every document a simulated campaign stores is a valid event-model document, and replays as it was emitted."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from event_model import DocumentNames, schema_validators, unpack_event_page

from lab.campaign.session import open_session
from lab.history.store import RunStore
from lab.settings import campaign_config, load_station

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def emitted_and_stored(sdlab_home: Path, prefect_harness: None):
    """The documents the RunEngine emitted during a one-experiment campaign, and the store that holds them."""
    from lab.campaign.flows import campaign

    settings = campaign_config(campaign_id="e2e-documents", experiments=1, seed=5, spots=4)
    emitted: list[tuple[str, dict[str, Any]]] = []
    with RunStore() as store:
        session = open_session(settings, load_station(), store)
        session.engine.subscribe(lambda name, doc: emitted.append((name, doc)))
        campaign(settings.campaign_id)
        yield emitted, store


def _unpacked(documents: list[tuple[str, dict[str, Any]]]) -> list[tuple[str, dict[str, Any]]]:
    found: list[tuple[str, dict[str, Any]]] = []
    for name, doc in documents:
        found += [("event", event) for event in unpack_event_page(doc)] if name == "event_page" else [(name, doc)]
    return found


def test_every_stored_document_validates_against_the_schema(emitted_and_stored) -> None:
    emitted, store = emitted_and_stored
    starts = [doc["uid"] for name, doc in emitted if name == "start"]
    assert len(starts) == 2  # growth and characterization
    for uid in starts:
        stored = list(store.documents(uid))
        assert {name for name, _ in stored} == {"start", "descriptor", "event", "stop"}
        for name, doc in stored:
            schema_validators[DocumentNames[name]].validate(doc)


def test_stored_documents_replay_what_the_run_engine_emitted(emitted_and_stored) -> None:
    emitted, store = emitted_and_stored
    live = _unpacked(emitted)
    stored = [item for uid in (doc["uid"] for name, doc in live if name == "start") for item in store.documents(uid)]
    assert sorted(name for name, _ in stored) == sorted(name for name, _ in live)
    live_events = {(doc["descriptor"], doc["seq_num"]): doc for name, doc in live if name == "event"}
    for name, doc in stored:
        if name == "event":
            original = live_events[doc["descriptor"], doc["seq_num"]]
            assert doc["time"] == original["time"]
            for key, value in original["data"].items():
                np.testing.assert_equal(np.asarray(doc["data"][key]), np.asarray(value))
        elif name in ("start", "stop"):
            original = next(d for n, d in live if n == name and d["uid"] == doc["uid"])
            assert {key: doc[key] for key in original} == original
