"""`sdlab history`: campaigns or experiments from the run history, filtered, printed or exported."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from lab.cli.common import console
from lab.errors import UserError


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
    format: Annotated[Format, typer.Option("--format", help="table, csv or json (to stdout).")] = Format.table,
    output: Annotated[Path | None, typer.Option(help="Write the rows to this .csv or .parquet file instead.")
                      ] = None,
) -> None:
    """List campaigns, or experiments, from the run history (the catalog), filtered; print or export them."""
    from lab.history.store import RunStore
    from lab.history.tables import check_export, export, query, rows

    if output is not None:
        check_export(output)
    request = query(campaign_id, station=station, material=material, since=since, until=until, status=status,
                    experiments=experiments)
    with RunStore() as store:
        found = rows(store, request)
        if campaign_id is not None and not store.runs(campaign_id):
            known = ", ".join(c["campaign"] for c in store.campaigns()[-5:]) or "none yet"
            raise UserError(f"no experiments recorded for campaign {campaign_id!r} (recent campaigns: {known})")
    if output is None:
        _emit(found, format)
    else:
        export(found, output)
        print(f"{len(found)} rows written to {output}", file=sys.stderr)


def _emit(rows: list[dict[str, Any]], format: Format) -> None:
    if format is Format.json:
        print(json.dumps(rows, indent=1, default=str))
        return
    import pandas as pd

    frame = pd.DataFrame(rows)
    if format is Format.csv:
        print(frame.to_csv(index=False), end="")
        return
    table = Table()
    for column in frame.columns:
        table.add_column(str(column), overflow="fold")
    for record in frame.itertuples(index=False):
        table.add_row(*[f"{v:.4g}" if isinstance(v, float) else str(v) for v in record])
    console.print(table)

