"""The run history as tables: campaigns or experiments from the catalog, filtered, exported with pandas.

The catalog is the source of truth; the campaign records (`lab.history.records`) only add each campaign's budget,
so a campaign counts as complete once it has analysed that many experiments.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd

from lab.errors import UserError
from lab.files import writable_file
from lab.history.store import RunFilter, RunStore, iso
from lab.materials import parse_material

EXPERIMENT_STATUSES = ("ok", "failed", "unfit")
CAMPAIGN_STATUSES = ("complete", "incomplete", "failed")
EXPORTS = (".csv", ".parquet")
# The columns every row has (an experiment's parameters and outcome add theirs), so an empty table keeps its header.
CAMPAIGN_COLUMNS = ("campaign", "material", "planner", "station", "started", "experiments", "ok", "failed", "unfit",
                    "best_quality", "open_runs", "failed_runs", "status", "resume")
EXPERIMENT_COLUMNS = ("index", "campaign", "experiment_id", "status", "station", "material", "growth_uid",
                      "characterization_uid", "time")


def parse_time(text: str | None, option: str, *, end: bool = False) -> float | None:
    """An ISO date or date-time (UTC unless it says otherwise) as epoch seconds. A bare date means the start
    of that day, or with `end` the start of the next (so `--until 2026-11-30` includes the 30th)."""
    if text is None:
        return None
    try:
        if len(text) == 10:
            day = date.fromisoformat(text) + timedelta(days=1 if end else 0)
            moment = datetime(day.year, day.month, day.day, tzinfo=UTC)
        else:
            moment = datetime.fromisoformat(text)
    except ValueError:
        raise UserError(f"{option}: {text!r} is not an ISO date (YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS][+HH:MM])"
                        ) from None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


@dataclass(frozen=True)
class Query:
    """What `sdlab history` lists: campaigns, or experiments (of one campaign, or of all that match)."""

    where: RunFilter
    experiments: bool = False
    status: str | None = None

    def __post_init__(self) -> None:
        allowed = EXPERIMENT_STATUSES if self.experiments else CAMPAIGN_STATUSES
        if self.status is not None and self.status not in allowed:
            kind = "experiment" if self.experiments else "campaign"
            raise UserError(f"--status: unknown {kind} status {self.status!r}; choose one of: {', '.join(allowed)}"
                            + ("" if self.experiments else " (or list experiments: --experiments)"))


def query(campaign: str | None = None, *, station: str | None = None, material: str | None = None,
          since: str | None = None, until: str | None = None, status: str | None = None,
          experiments: bool = False) -> Query:
    """A validated query from command-line values (UserError naming the bad one); materials are matched by
    their canonical name (`mos2` finds MoS2)."""
    if material is not None:
        try:
            material = parse_material(material).name
        except ValueError as exc:
            raise UserError(f"--material: {exc}") from None
    where = RunFilter(campaign=campaign, station=station, material=material,
                      since=parse_time(since, "--since"), until=parse_time(until, "--until", end=True))
    if where.since is not None and where.until is not None and where.since >= where.until:
        raise UserError(f"--since {since} is not before --until {until}")
    return Query(where, experiments=experiments or campaign is not None, status=status)


def campaign_status(summary: dict[str, Any], budget: int | None) -> str:
    """failed (a run stopped on an error), complete (budget reached, or with no known budget nothing left open)
    or incomplete (running, interrupted or stopped before its budget)."""
    if summary["failed_runs"]:
        return "failed"
    if budget is not None:
        return "complete" if summary["experiments"] >= budget else "incomplete"
    return "incomplete" if summary["open_runs"] or not summary["experiments"] else "complete"


def _budget(campaign: str) -> int | None:
    from lab.history.records import load_record

    try:
        return load_record(campaign).campaign.experiments
    except UserError:
        return None


def _resume(summary: dict[str, Any], status: str) -> str | None:
    """The command that continues an interrupted campaign (incomplete, recorded, run by no live process)."""
    from lab.history.records import is_running, record_path

    cid = summary["campaign"]
    interrupted = status == "incomplete" and record_path(cid).exists() and not is_running(cid)
    return f"sdlab resume {cid}" if interrupted else None


def _unstarted(store: RunStore, where: RunFilter, listed: set[str]) -> list[dict[str, Any]]:
    """Summaries of the recorded campaigns within `where` that have no run in the catalog (killed before their
    first experiment): only their records (`$SDLAB_HOME/campaigns/`) know them."""
    from lab.history.records import known_campaigns, load_record, record_started

    found = []
    for cid in known_campaigns():
        if cid in listed or where.campaign not in (None, cid):
            continue
        try:
            record = load_record(cid)
        except UserError:
            continue
        started = record_started(cid)
        if (where.station not in (None, record.station.name) or where.material not in (None, record.campaign.material)
                or not where.admits(started) or store.runs(cid)):
            continue
        found.append({"campaign": cid, "material": record.campaign.material, "planner": record.campaign.planner,
                      "station": record.station.name, "started": iso(started), "experiments": 0, "ok": 0,
                      "failed": 0, "unfit": 0, "best_quality": None, "open_runs": 0, "failed_runs": 0})
    return found


def rows(store: RunStore, request: Query) -> list[dict[str, Any]]:
    """The rows `request` asks for: experiments with their parameters as columns (right after `index`, before
    `campaign`), or campaign summaries (also of campaigns killed before their first experiment, from their
    records), each interrupted one with the command that resumes it."""
    if request.experiments:
        found = [{"index": row.pop("index"), **row.pop("params"), **row}
                 for row in store.experiments(where=request.where)]
    else:
        summaries = store.campaigns(request.where)
        summaries += _unstarted(store, request.where, {summary["campaign"] for summary in summaries})
        found = []
        for summary in sorted(summaries, key=lambda summary: summary["started"]):
            status = campaign_status(summary, _budget(summary["campaign"]))
            found.append({**summary, "status": status, "resume": _resume(summary, status)})
    return [row for row in found if request.status in (None, row["status"])]


def parameters(row: dict[str, Any]) -> dict[str, Any]:
    """An experiment row's parameters."""
    names = list(row)
    return {name: row[name] for name in names[1:names.index("campaign")]}


def frame(table: list[dict[str, Any]], experiments: bool) -> pd.DataFrame:
    """Rows as a DataFrame; without rows, with the columns every row of experiments (or campaigns) has."""
    return pd.DataFrame(table) if table else pd.DataFrame(columns=EXPERIMENT_COLUMNS if experiments
                                                          else CAMPAIGN_COLUMNS)


def check_export(path: Path) -> Path:
    """`path` if rows can be exported there (a .csv or .parquet file in an existing folder), else UserError."""
    return writable_file(path, "--output", EXPORTS)


def export(table: list[dict[str, Any]], path: Path, experiments: bool) -> None:
    """Write rows of experiments (or campaigns) to a .csv or .parquet file (pandas)."""
    data = frame(table, experiments)
    if check_export(path).suffix == ".csv":
        data.to_csv(path, index=False)
    else:
        data.to_parquet(path, index=False)
