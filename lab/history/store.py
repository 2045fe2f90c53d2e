"""The run history: every Bluesky document, in a tiled catalog under `$SDLAB_HOME/catalog`.

The catalog is the source of truth. Growth and characterization runs carry the campaign id, experiment id
and index, parameters, station, sdlab version and planner in their start documents; the analysed outcome of
an experiment is written into its characterization run's metadata (`outcome`). Array readings (spectra) are
also written as array nodes of their run (`ArrayCollector`, `RunStore.write_arrays`), because tiled's event
tables keep scalars only.
"""

from __future__ import annotations

import io
import os
import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow
from bluesky.callbacks import CallbackBase
from bluesky.callbacks.tiled_writer import TiledWriter
from tiled.queries import Key

from lab.history.outage import open_catalog
from lab.history.schemas import compile_document_schemas
from lab.history.servers import CatalogServer, catalog_directory, forget_server, reach_catalog, record_server
from lab.slots import SAMPLE_KEYS

GROWTH_PLAN = "cvd_growth"
CHARACTERIZATION_PLAN = "characterize"


def iso(timestamp: float) -> str:
    """Epoch seconds as an ISO date-time (UTC, seconds)."""
    return datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="seconds")


class BackgroundWriter:
    """Runs catalog writes on one background thread, in the order they were submitted, so that neither the
    RunEngine nor the campaign waits for tiled (nor for its restarts: see `lab.history.outage`).
    `flush` waits until everything submitted is written; a write that failed is raised (once) by the next `submit`
    or `flush`."""

    def __init__(self) -> None:
        self._jobs: queue.Queue[tuple[Callable[..., Any], tuple[Any, ...]] | None] = queue.Queue()
        self._failure: Exception | None = None
        self._thread = threading.Thread(target=self._work, name="catalog-writer", daemon=True)
        self._thread.start()

    def _work(self) -> None:
        while (job := self._jobs.get()) is not None:
            function, args = job
            try:
                function(*args)
            except Exception as exc:  # kept for the submitting side, which decides what it means
                self._failure = self._failure or exc
            finally:
                self._jobs.task_done()
        self._jobs.task_done()

    def _raise_failure(self) -> None:
        failure, self._failure = self._failure, None
        if failure is not None:
            raise RuntimeError(f"writing to the run catalog failed: {failure}") from failure

    def submit(self, function: Callable[..., Any], *args: Any) -> None:
        """Queue `function(*args)` after everything submitted before."""
        self._raise_failure()
        if not self._thread.is_alive():
            raise RuntimeError("the run catalog is closed; nothing more can be written to it")
        self._jobs.put((function, args))

    def flush(self) -> None:
        """Wait until every submitted write is done."""
        self._jobs.join()
        self._raise_failure()

    def close(self) -> None:
        """Write what is queued, then stop the thread."""
        if not self._thread.is_alive():
            return
        self._jobs.put(None)
        self._thread.join()
        self._raise_failure()


class RunStore:
    """A client to the persistent catalog: the tiled server at `$SDLAB_CATALOG_URI` when set (a lab's shared
    catalog), else through the local process that already serves the catalog, if one does, else through an
    embedded tiled server on loopback that this store starts (and records for other processes).

    Writes (documents from `writer`, `write_arrays`, `record_outcome`) go through a `BackgroundWriter`; reading
    through `client` first waits for them, so a reader always sees what this store was given to write.
    """

    def __init__(self, directory: Path | None = None, catalog: str | CatalogServer | None = None) -> None:
        """`catalog`: what `reach_catalog(directory)` gave beforehand (by default it is asked now)."""
        self.directory = directory or catalog_directory()
        self.directory.mkdir(parents=True, exist_ok=True)
        catalog = catalog or reach_catalog(directory)
        self._server = catalog if isinstance(catalog, CatalogServer) else None
        if self._server is not None:
            record_server(self.directory, os.getpid(), self._server.uri)
        self._client = open_catalog(catalog if isinstance(catalog, str) else catalog.uri)
        self._writes = BackgroundWriter()
        compile_document_schemas()

    @property
    def client(self) -> Any:
        """The tiled client of the catalog, once every write submitted so far is done."""
        self._writes.flush()
        return self._client

    def __enter__(self) -> RunStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Finish the queued writes, then stop the embedded server, if this store started it."""
        try:
            self._writes.close()
        finally:
            self._stop_server()

    def _stop_server(self) -> None:
        if self._server is not None:
            forget_server(self.directory, os.getpid())
            self._server.close()
            self._server = None

    def writer(self) -> Callable[[str, dict[str, Any]], None]:
        """A RunEngine callback that stores every document (in the background, in order)."""
        writer = TiledWriter(self._client)
        return lambda name, doc: self._writes.submit(writer, name, doc)

    def runs(self, campaign: str | None = None, plan: str | None = None, where: RunFilter | None = None) -> list[Any]:
        """Run nodes, optionally of one campaign and/or plan and matching `where`, oldest first."""
        results = self.client
        where = replace(where or RunFilter(), **({"campaign": campaign} if campaign is not None else {}))
        for query in where.queries() + ([Key("start.plan_name") == plan] if plan is not None else []):
            results = results.search(query)
        return sorted(results.values(), key=lambda run: run.metadata["start"]["time"])

    def write_arrays(self, uid: str, arrays: dict[str, np.ndarray]) -> None:
        """Store full-fidelity arrays (e.g. every spot's spectrum) as array nodes of run `uid` (in the background,
        after the run's documents)."""
        def write() -> None:
            run = self._client[uid]
            for key, array in arrays.items():
                run.write_array(array, key=key)
        self._writes.submit(write)

    def record_outcome(self, uid: str, outcome: dict[str, Any]) -> None:
        """Attach an experiment's analysed outcome to its characterization run (in the background, in order)."""
        self._writes.submit(lambda: self._client[uid].update_metadata(metadata={"outcome": outcome}))

    def documents(self, uid: str) -> Iterator[tuple[str, dict[str, Any]]]:
        """Replay run `uid` from the catalog as event-model documents: start, each stream's descriptor and
        events, stop. The catalog keeps no event uids, so each event gets `<descriptor uid>/<seq_num>`."""
        run = self.client[uid]
        start = dict(run.metadata["start"])
        yield "start", start
        for name, stream in run.items():
            if "BlueskyEventStream" not in {spec.name for spec in stream.specs}:
                continue  # an array node (e.g. the spectra), not a stream
            descriptor = {key: value for key, value in stream.metadata.items() if key != "_config_updates"}
            descriptor.update(name=name, run_start=start["uid"])
            yield "descriptor", descriptor
            keys = list(descriptor["data_keys"])
            for row in _event_rows(stream.base["internal"]):
                yield "event", {"uid": f"{descriptor['uid']}/{row['seq_num']}", "descriptor": descriptor["uid"],
                                "seq_num": int(row["seq_num"]), "time": float(row["time"]),
                                "data": {key: row[key] for key in keys},
                                "timestamps": {key: float(row[f"ts_{key}"]) for key in keys}}
        if "stop" in run.metadata:
            yield "stop", dict(run.metadata["stop"])

    def experiments(self, campaign: str | None = None, where: RunFilter | None = None) -> list[dict[str, Any]]:
        """One row per analysed experiment (campaign and index order): ids, parameters, status, outcome.

        Runs a resume marked aborted are left out (their experiment was run again under the same id).
        """
        growths = {experiment_id: run for run in self.runs(campaign, GROWTH_PLAN, where)
                   if not run.metadata.get("aborted")  # a run of several substrates grew several experiments
                   for experiment_id in run.metadata["start"].get("experiment_ids",
                                                                  [run.metadata["start"]["experiment_id"]])}
        rows = []
        for run in self.runs(campaign, CHARACTERIZATION_PLAN, where):
            start, outcome = run.metadata["start"], run.metadata.get("outcome")
            if outcome is None or run.metadata.get("aborted"):
                continue
            growth = growths.get(start["experiment_id"])
            rows.append({"campaign": start["campaign"], "index": start["experiment_index"],
                         "experiment_id": start["experiment_id"], "params": start["params"],
                         "status": experiment_status(outcome), "station": start.get("station"),
                         "material": start.get("material"),
                         "growth_uid": growth.metadata["start"]["uid"] if growth else None,
                         "characterization_uid": start["uid"], "time": iso(start["time"]),
                         **{key: start[key] for key in SAMPLE_KEYS if key in start}, **outcome})
        return sorted(rows, key=lambda row: (row["campaign"], row["index"]))

    def campaigns(self, where: RunFilter | None = None) -> list[dict[str, Any]]:
        """One summary per campaign started within `where` (oldest first): what it grows where, with which
        planner, how its experiments went (counts by status, best quality) and its runs' state (`open_runs`
        without a stop document or outcome; `failed_runs` that stopped other than successfully)."""
        where = where or RunFilter()
        grouped: dict[str, list[Any]] = {}
        for run in self.runs(where=replace(where, since=None, until=None)):
            if not run.metadata.get("aborted"):
                grouped.setdefault(run.metadata["start"]["campaign"], []).append(run)
        return [_campaign_summary(cid, runs) for cid, runs in grouped.items()
                if where.admits(runs[0].metadata["start"]["time"])]


def _event_rows(table: Any) -> list[dict[str, Any]]:
    """A stream's event table as rows of Python values, read as Arrow: through pandas (`table.read()`) the
    array cells (e.g. spectra) come back as truncated strings."""
    buffer = io.BytesIO()
    table.export(buffer, format="application/vnd.apache.arrow.file")
    return pyarrow.ipc.open_file(buffer.getvalue()).read_all().to_pylist()


def experiment_status(outcome: dict[str, Any]) -> str:
    """ok (a usable sample), failed (no usable sample) or unfit (spectra the analysis refused)."""
    return "unfit" if outcome.get("unfit") else "failed" if outcome.get("failed") else "ok"


def _campaign_summary(campaign: str, runs: list[Any]) -> dict[str, Any]:
    first = runs[0].metadata["start"]
    outcomes = [run.metadata.get("outcome") for run in runs if run.metadata["start"].get("plan_name")
                == CHARACTERIZATION_PLAN]
    statuses = [experiment_status(outcome) for outcome in outcomes if outcome is not None]
    qualities = [o["quality"] for o in outcomes if o is not None and experiment_status(o) == "ok"]
    stops = [run.metadata.get("stop") for run in runs]
    return {"campaign": campaign, "material": first.get("material"), "planner": first.get("planner"),
            "station": first.get("station"), "started": iso(first["time"]), "experiments": len(statuses),
            **{status: statuses.count(status) for status in ("ok", "failed", "unfit")},
            "best_quality": max(qualities, default=None),
            "open_runs": sum(stop is None for stop in stops) + outcomes.count(None),
            "failed_runs": sum(stop is not None and stop.get("exit_status") != "success" for stop in stops)}


@dataclass(frozen=True)
class RunFilter:
    """Which runs to find: by campaign, station and material, and start time in [since, until) (epoch s)."""

    campaign: str | None = None
    station: str | None = None
    material: str | None = None
    since: float | None = None
    until: float | None = None

    def queries(self) -> list[Any]:
        """The tiled queries that select these runs on the server."""
        found = [Key(f"start.{name}") == value for name in ("campaign", "station", "material")
                 if (value := getattr(self, name)) is not None]
        if self.since is not None:
            found.append(Key("start.time") >= self.since)
        if self.until is not None:
            found.append(Key("start.time") < self.until)
        return found

    def admits(self, time: float) -> bool:
        """Whether a start time lies within [since, until)."""
        return (self.since is None or time >= self.since) and (self.until is None or time < self.until)


class ArrayCollector(CallbackBase):
    """A RunEngine callback that keeps the start document and the array-valued readings of one run, stacked
    per data key."""

    def __init__(self, keys: list[str]) -> None:
        super().__init__()
        self.keys = keys
        self.rows: dict[str, list[np.ndarray]] = {key: [] for key in keys}
        self.start_doc: dict[str, Any] = {}

    def start(self, doc: dict[str, Any]) -> None:
        self.start_doc = doc

    def event(self, doc: dict[str, Any]) -> None:
        for key in self.keys:
            if key in doc["data"]:
                self.rows[key].append(np.asarray(doc["data"][key], dtype=float))

    def arrays(self) -> dict[str, np.ndarray]:
        """Each key's readings stacked into one 2-D array (one row per event)."""
        return {key: np.stack(rows) for key, rows in self.rows.items() if rows}
