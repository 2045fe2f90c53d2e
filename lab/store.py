"""The run history: every Bluesky document, in a tiled catalog under `$SDLAB_HOME/catalog`.

The catalog is the source of truth. Growth and characterization runs carry the campaign id, experiment id
and index, parameters, station, sdlab version and planner in their start documents; the analysed outcome of
an experiment is written into its characterization run's metadata (`outcome`). Array readings (spectra) are
also written as array nodes of their run (`ArrayCollector`, `RunStore.write_arrays`), because tiled's event
tables keep scalars only.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from bluesky.callbacks import CallbackBase
from bluesky.callbacks.tiled_writer import TiledWriter
from tiled.client import from_uri
from tiled.queries import Key
from tiled.server import SimpleTiledServer

GROWTH_PLAN = "cvd_growth"
CHARACTERIZATION_PLAN = "characterize"
SERVER_RECORD = "server.json"  # {pid, uri} of the process serving the catalog


def sdlab_home() -> Path:
    """`$SDLAB_HOME`, default `~/.sdlab` (created on first use)."""
    home = Path(os.environ.get("SDLAB_HOME", Path.home() / ".sdlab")).expanduser()
    home.mkdir(parents=True, exist_ok=True)
    return home


def _iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="seconds")


def _live_server(record: Path) -> str | None:
    """The URI of the catalog server another live process serves, if any."""
    try:
        info = json.loads(record.read_text())
        os.kill(info["pid"], 0)
    except (OSError, ValueError, KeyError):
        return None
    return info["uri"]


class RunStore:
    """A client to the persistent catalog: through the process that already serves it, if one does, or
    through an embedded tiled server on loopback that this store starts (and records for other processes).
    """

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory or sdlab_home() / "catalog"
        self.directory.mkdir(parents=True, exist_ok=True)
        self._record = self.directory / SERVER_RECORD
        self._server: SimpleTiledServer | None = None
        uri = _live_server(self._record)
        if uri is None:
            self._server = SimpleTiledServer(directory=self.directory)
            uri = self._server.uri
            self._record.write_text(json.dumps({"pid": os.getpid(), "uri": uri}))
        self.client = from_uri(uri)

    def __enter__(self) -> RunStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop the embedded server, if this store started it."""
        if self._server is not None:
            self._record.unlink(missing_ok=True)
            self._server.close()
            self._server = None

    def writer(self) -> TiledWriter:
        """A RunEngine callback that stores every document."""
        return TiledWriter(self.client)

    def runs(self, campaign: str | None = None, plan: str | None = None) -> list[Any]:
        """Run nodes, optionally of one campaign and/or plan, oldest first."""
        results = self.client
        if campaign is not None:
            results = results.search(Key("start.campaign") == campaign)
        if plan is not None:
            results = results.search(Key("start.plan_name") == plan)
        return sorted(results.values(), key=lambda run: run.metadata["start"]["time"])

    def write_arrays(self, uid: str, arrays: dict[str, np.ndarray]) -> None:
        """Store full-fidelity arrays (e.g. every spot's spectrum) as array nodes of run `uid`."""
        run = self.client[uid]
        for key, array in arrays.items():
            run.write_array(array, key=key)

    def record_outcome(self, uid: str, outcome: dict[str, Any]) -> None:
        """Attach an experiment's analysed outcome to its characterization run."""
        self.client[uid].update_metadata(metadata={"outcome": outcome})

    def experiments(self, campaign: str) -> list[dict[str, Any]]:
        """One row per analysed experiment of a campaign (index order): ids, parameters, outcome."""
        growths = {run.metadata["start"]["experiment_id"]: run for run in self.runs(campaign, GROWTH_PLAN)}
        rows = []
        for run in self.runs(campaign, CHARACTERIZATION_PLAN):
            start, outcome = run.metadata["start"], run.metadata.get("outcome")
            if outcome is None:
                continue
            growth = growths.get(start["experiment_id"])
            rows.append({"campaign": campaign, "index": start["experiment_index"],
                         "experiment_id": start["experiment_id"], "params": start["params"],
                         "growth_uid": growth.metadata["start"]["uid"] if growth else None,
                         "characterization_uid": start["uid"], "time": _iso(start["time"]), **outcome})
        return sorted(rows, key=lambda row: row["index"])

    def campaigns(self) -> list[dict[str, Any]]:
        """One summary per campaign found in the catalog, oldest first."""
        first: dict[str, dict[str, Any]] = {}
        for run in self.runs(plan=GROWTH_PLAN):
            start = run.metadata["start"]
            first.setdefault(start["campaign"], start)
        return [{"campaign": cid, "material": start.get("material"), "planner": start.get("planner"),
                 "station": start.get("station"), "started": _iso(start["time"])} for cid, start in first.items()]


class ArrayCollector(CallbackBase):
    """A RunEngine callback that keeps the array-valued readings of one run, stacked per data key."""

    def __init__(self, keys: list[str]) -> None:
        super().__init__()
        self.keys = keys
        self.rows: dict[str, list[np.ndarray]] = {key: [] for key in keys}

    def event(self, doc: dict[str, Any]) -> None:
        for key in self.keys:
            if key in doc["data"]:
                self.rows[key].append(np.asarray(doc["data"][key], dtype=float))

    def arrays(self) -> dict[str, np.ndarray]:
        """Each key's readings stacked into one 2-D array (one row per event)."""
        return {key: np.stack(rows) for key, rows in self.rows.items() if rows}
