"""The deployment's catalog while PostgreSQL or the catalog server itself is stopped and started again: a
campaign's writes wait and go on, and every document is stored once, as it was emitted."""

from __future__ import annotations

import contextlib
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from event_model import compose_run

from lab.deploy import services
from lab.deploy.lab import start_catalog
from lab.deploy.layout import Layout
from lab.history.store import RunStore
from tests.deploy.deployment import postgres_or_skip

pytestmark = pytest.mark.e2e
EVENTS = 25


@pytest.fixture(scope="module")
def cluster() -> Iterator[Layout]:
    """A PostgreSQL cluster and the deployment's catalog server on it (no Prefect, no workers), in a home the
    postgres user can traverse."""
    postgres_or_skip()
    home = Path(tempfile.mkdtemp(prefix="sdlab-outage-"))
    home.chmod(0o711)
    with pytest.MonkeyPatch.context() as environment:
        environment.setenv("SDLAB_HOME", str(home))
        layout = Layout.create(1)
        layout.save()
        try:
            services.init_postgres(layout)
            services.start_postgres(layout)
            _start_catalog(layout)
            yield layout
        finally:
            services.stop("tiled")
            services.stop_postgres()
            shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(autouse=True)
def no_retries_of_tiled(monkeypatch: pytest.MonkeyPatch) -> None:
    """tiled's client tries a request again on its own for ~25 s (TILED_RETRY_ATTEMPTS), less than the 30 s of a
    database restart; here it tries once, so that the outages of a few seconds test what waits: sdlab's transport."""
    import tiled.client.utils

    monkeypatch.setattr(tiled.client.utils, "TILED_RETRY_ATTEMPTS", 1)


def _start_catalog(layout: Layout) -> None:
    start_catalog(layout)
    services.wait_until("tiled", lambda: services.answers(f"http://127.0.0.1:{layout.tiled_port}/healthz"))


@contextlib.contextmanager
def _after(seconds: float, action: Callable[..., object], *args: object) -> Iterator[None]:
    """`action(*args)` in a thread `seconds` after the block starts; the block's end waits for it."""
    timer = threading.Timer(seconds, action, args=args)
    timer.start()
    try:
        yield
    finally:
        timer.join()


def _write_run(store: RunStore, tag: str, campaign: str = "outage") -> list[tuple[str, dict[str, Any]]]:
    """One run of EVENTS events through the store's RunEngine callback (in the background); its documents."""
    write, emitted = store.writer(), []
    run = compose_run(metadata={"campaign": campaign, "plan_name": "probe", "tag": tag})
    stream = run.compose_descriptor(name="primary", data_keys={"x": {"source": "probe", "dtype": "number",
                                                                     "shape": []}})
    emitted += [("start", run.start_doc), ("descriptor", stream.descriptor_doc)]
    emitted += [("event", stream.compose_event(data={"x": float(index)}, timestamps={"x": time.time()}))
                for index in range(EVENTS)]
    emitted.append(("stop", run.compose_stop()))
    for name, doc in emitted:
        write(name, doc)
    return emitted


def test_runs_written_while_postgres_restarts_wait_for_it_and_are_stored_once(cluster: Layout) -> None:
    with RunStore(catalog=cluster.tiled_uri) as store:
        _write_run(store, "before")
        assert len(store.runs("outage")) == 1  # written
        services.stop_postgres()
        with _after(5.0, services.start_postgres, cluster):
            _write_run(store, "during")  # submitted while the database is down
            with RunStore(catalog=cluster.tiled_uri) as opened_meanwhile:  # its root node waits for the database
                _write_run(opened_meanwhile, "after")
            runs = store.runs("outage")  # waits for every write: they go on once the database is back
        assert [run.metadata["start"]["tag"] for run in runs] == ["before", "during", "after"]
        for run in runs:
            assert "stop" in run.metadata
            assert list(run["primary"].base["internal"].read()["x"]) == [float(i) for i in range(EVENTS)]
    log = (services.log_path("tiled")).read_text()
    assert "the database cannot be reached" in log and "answered 503" in log  # the writes were told to wait


def test_a_run_written_while_the_catalog_server_restarts_is_stored_as_it_was_emitted(cluster: Layout) -> None:
    with RunStore(catalog=cluster.tiled_uri) as store:
        services.stop("tiled")
        with _after(3.0, _start_catalog, cluster):
            emitted = _write_run(store, "restart", campaign="restart")  # submitted while no server answers
            [run] = store.runs("restart")
        stored = list(store.documents(run.metadata["start"]["uid"]))
    assert [name for name, _ in stored] == [name for name, _ in emitted]
    (_, start), (_, stop) = stored[0], stored[-1]
    assert start == emitted[0][1] and stop == emitted[-1][1]
    assert [(doc["seq_num"], doc["data"]) for name, doc in stored if name == "event"] == \
        [(doc["seq_num"], doc["data"]) for name, doc in emitted if name == "event"]
