"""`sdlab history`: campaigns or experiments from the run history, filtered, printed or exported.

The table shows what a person reads at 80 columns: campaigns (oldest first) with their material, counts, best
quality and status, or experiments with their status, quality, parameters and a short growth uid (one table per
campaign). `--wide`
shows every column in full, a row per line; `--format csv|json` and `--output` give every column to programs.
"""

from __future__ import annotations

import json
import math
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich import box
from rich.console import Console
from rich.table import Table

from lab.cli.common import console, plural
from lab.errors import UserError

SHORT_UID = 8  # characters of a run uid the table shows (enough to find it: `sdlab history … --wide`)
UNBOUNDED = 100_000  # columns: a --wide table is measured as if the terminal had no edge


class Format(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


def history(
    campaign_id: Annotated[str | None, typer.Argument(help="A campaign id: list its experiments. Omit to list "
                                                           "campaigns.")] = None,
    experiments: Annotated[bool, typer.Option("--experiments", help="List experiments (of every campaign that "
                                                                    "matches) instead of campaigns.")] = False,
    station: Annotated[str | None, typer.Option(help="Only runs on this station.")] = None,
    material: Annotated[str | None, typer.Option(help="Only runs growing this material (e.g. graphene, MoS2).")
                        ] = None,
    since: Annotated[str | None, typer.Option(help="Only from this ISO date or date-time on (UTC by default).")
                     ] = None,
    until: Annotated[str | None, typer.Option(help="Only up to this ISO date (inclusive) or date-time.")] = None,
    status: Annotated[str | None, typer.Option(help="Experiments: ok, failed or unfit. Campaigns: complete, "
                                                    "incomplete or failed.")] = None,
    format: Annotated[Format | None, typer.Option("--format", help="table (default), csv or json, to stdout.")
                      ] = None,
    wide: Annotated[bool, typer.Option("--wide", help="The table with every column and full uids, a row per line "
                                                      "(wider than the terminal).")] = False,
    output: Annotated[Path | None, typer.Option(help="Write the rows to this .csv or .parquet file instead (every "
                                                     "column; the suffix chooses the format).")] = None,
) -> None:
    """List campaigns, or experiments, from the run history (the catalog), filtered; print or export them."""
    from lab.history.store import RunStore
    from lab.history.tables import check_export, export, query, rows

    _check_views(format, wide, output)
    if output is not None:
        check_export(output)
    request = query(campaign_id, station=station, material=material, since=since, until=until, status=status,
                    experiments=experiments)
    with RunStore() as store:
        found = rows(store, request)
        if campaign_id is not None and not store.runs(campaign_id):
            known = ", ".join(c["campaign"] for c in store.campaigns()[-5:]) or "none yet"
            raise UserError(f"no experiments recorded for campaign {campaign_id!r} (recent campaigns: {known})")
    if output is not None:
        export(found, output, request.experiments)
        print(f"{plural(len(found), 'row')} written to {output}", file=sys.stderr)
        return
    filters = _filters(station=station, material=material, since=since, until=until, status=status)
    _emit(found, format or Format.table, wide, request.experiments,
          _nothing(campaign_id, request.experiments, filters))


def _check_views(format: Format | None, wide: bool, output: Path | None) -> None:
    """UserError for ways of showing the rows that exclude each other."""
    if output is not None and format is not None and output.suffix != f".{format.value}":
        raise UserError(f"--format {format.value} does not apply to --output {output}: the file's suffix chooses "
                        "its format; drop --format")
    if wide and (output is not None or format not in (None, Format.table)):
        raise UserError("--wide shows the table; csv, json and --output already hold every column: drop --wide")


def _filters(**given: str | None) -> str:
    """The filters given, as typed: `--station S --status failed`."""
    return " ".join(f"--{name} {value}" for name, value in given.items() if value is not None)


def _nothing(campaign_id: str | None, experiments: bool, filters: str) -> str:
    """What to say when no row matches."""
    if campaign_id is not None:
        return (f"no experiments of campaign {campaign_id} match {filters}" if filters else
                f"campaign {campaign_id} has no analysed experiment yet")
    kind = "experiments" if experiments else "campaigns"
    return f"no {kind} match {filters}" if filters else f"no {kind} in the run history yet"


def _emit(rows: list[dict[str, Any]], format: Format, wide: bool, experiments: bool, nothing: str) -> None:
    from lab.history.tables import frame

    if format is Format.json:
        print(json.dumps(rows, indent=1, default=str))
    elif format is Format.csv:
        print(frame(rows, experiments).to_csv(index=False), end="")
    elif not rows:
        print(nothing)
    elif wide:
        _print_wide(frame(rows, experiments))
    elif experiments:
        _print_experiments(rows)
    else:
        _print_campaigns(rows)


def _text(value: Any) -> str:
    """A cell: numbers to six significant digits, nothing as '-'."""
    if isinstance(value, float):
        return "-" if math.isnan(value) else f"{value:g}"
    return "-" if value is None else str(value)


def _short(uid: str | None) -> str:
    return "-" if uid is None else uid[:SHORT_UID]


def _table(title: str | None = None) -> Table:
    """A table without vertical rules or outer padding: every column of the terminal goes to the data."""
    return Table(title=title, box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)


def _print_campaigns(rows: list[dict[str, Any]]) -> None:
    table = _table()
    for name in ("campaign", "material", "experiments", "best", "status"):
        table.add_column(name, overflow="fold", no_wrap=name in ("material", "best", "status"),
                         justify="right" if name == "best" else "left")
    for row in rows:  # oldest first; when each started, and where, is in --wide
        problems = ", ".join(f"{row[kind]} {kind}" for kind in ("failed", "unfit") if row[kind])
        best = row["best_quality"]
        table.add_row(row["campaign"], _text(row["material"]),
                      f"{row['experiments']}" + (f" ({problems})" if problems else ""),
                      "-" if best is None else f"{best:.3f}", row["status"])
    console.print(table)
    for row in rows:
        if row.get("resume"):
            console.print(f"interrupted: {row['campaign']} ({plural(row['experiments'], 'experiment')} done); "
                          f"continue with: {row['resume']}", soft_wrap=True)


def _print_experiments(rows: list[dict[str, Any]]) -> None:
    from lab.history.tables import parameters

    campaigns: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        campaigns.setdefault(row["campaign"], []).append(row)
    for campaign, found in campaigns.items():
        table = _table(title=f"campaign {campaign}")
        table.add_column("#", justify="right", no_wrap=True)
        table.add_column("status", no_wrap=True)
        table.add_column("quality", justify="right", no_wrap=True)
        table.add_column("parameters", ratio=1)
        table.add_column("growth", no_wrap=True)
        for row in found:
            quality = f"{row['quality']:.3f}" if row["status"] == "ok" else "-"
            shown = " ".join(f"{name}={_text(value)}" for name, value in parameters(row).items())
            table.add_row(str(row["index"]), row["status"], quality, shown, _short(row["growth_uid"]))
        console.print(table)


def _print_wide(data: Any) -> None:
    table = _table()
    for column in data.columns:
        table.add_column(str(column), no_wrap=True)
    for record in data.itertuples(index=False):
        table.add_row(*map(_text, record))
    unbounded = Console(width=UNBOUNDED)
    Console(width=max(unbounded.measure(table).maximum, console.width)).print(table)
