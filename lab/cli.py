"""`sdlab`: the command line. Bad input exits 2 with one line saying what is wrong."""

from __future__ import annotations

import json
import os
import sys
import time
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from lab.config import campaign_config, load_station, slug
from lab.errors import UserError
from planners import DEFAULT_PLANNER

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="sdlab: a self-driving lab for CVD growth of 2D materials.")
console = Console()
USAGE_ERROR = typer.BadParameter.__mro__[1]  # click's UsageError as bundled with typer (bad options, values)


class Format(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


def _quiet_prefect() -> None:
    """Prefect runs ephemerally under $SDLAB_HOME unless configured otherwise; no analytics, no chatter."""
    from lab.store import sdlab_home

    os.environ.setdefault("PREFECT_HOME", str(sdlab_home() / "prefect"))
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")


@app.command()
def simulate(
    config: Annotated[Path | None, typer.Option(help="Station config (YAML); default: built-in sim station.")] = None,
    material: Annotated[str, typer.Option(help="Material to grow.")] = "graphene",
    planner: Annotated[str, typer.Option(help="Planner name (see planners.PLANNERS).")] = DEFAULT_PLANNER,
    experiments: Annotated[int, typer.Option(help="Number of experiments.")] = 12,
    batch: Annotated[int, typer.Option(help="Experiments proposed per planner ask.")] = 1,
    seed: Annotated[int, typer.Option(help="Seed of the simulated world and the planner.")] = 0,
    speedup: Annotated[float, typer.Option(help="Simulated seconds per wall second.")] = 3600.0,
    spots: Annotated[int, typer.Option(help="Raman spots per sample.")] = 16,
    campaign_id: Annotated[str | None, typer.Option("--campaign-id", help="Campaign id (default: generated).")] = None,
) -> None:
    """Run a simulated closed-loop campaign: propose → grow → characterize → learn."""
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    cid = campaign_id or slug(f"{material}-{planner}-s{seed}-{stamp}")
    settings = campaign_config(campaign_id=cid, material=material, planner=planner, experiments=experiments,
                               batch=batch, seed=seed, speedup=speedup, spots=spots)
    station = load_station(config)
    _quiet_prefect()
    from lab.flows import campaign
    from lab.session import ExperimentResult, open_session
    from lab.store import RunStore

    started = time.perf_counter()
    with RunStore() as store, Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                                       TextColumn("{task.fields[status]}"), TimeElapsedColumn(),
                                       console=console) as progress:
        session = open_session(settings, station, store)
        bar = progress.add_task(cid, total=settings.experiments, status="starting Prefect…")

        def advance(result: ExperimentResult) -> None:
            best = session.best()
            shown = "failed" if result.quality is None else f"{result.quality:.3f}"
            best_shown = "-" if best is None else f"{best.quality:.3f}"
            progress.update(bar, advance=1, status=f"last {shown}  best {best_shown}")

        session.listeners.append(advance)
        campaign.with_options(flow_run_name=cid)(cid)
    _summary(session.campaign_id, session.best(), len(session.results), time.perf_counter() - started)


def _summary(cid: str, best: Any, count: int, wall_s: float) -> None:
    table = Table(title=f"campaign {cid}", show_header=False)
    table.add_row("experiments", str(count))
    table.add_row("wall time", f"{wall_s:.1f} s")
    if best is None:
        table.add_row("best quality", "no usable sample")
    else:
        table.add_row("best quality", f"{best.quality:.3f} (experiment {best.index})")
        for name, value in best.params.items():
            table.add_row(f"  {name}", f"{value:.4g}" if isinstance(value, float) else str(value))
    console.print(table)
    console.print(f"best quality: {'none' if best is None else f'{best.quality:.3f}'}")


@app.command()
def history(
    campaign_id: Annotated[str | None, typer.Argument(help="A campaign id; omit to list campaigns.")] = None,
    format: Annotated[Format, typer.Option("--format", help="table, csv or json.")] = Format.table,
) -> None:
    """List campaigns, or one campaign's experiments, from the run history."""
    from lab.store import RunStore

    with RunStore() as store:
        if campaign_id is None:
            rows = store.campaigns()
        else:
            rows = [_flat(row) for row in store.experiments(campaign_id)]
            if not rows:
                known = ", ".join(c["campaign"] for c in store.campaigns()[-5:]) or "none yet"
                raise UserError(f"no experiments recorded for campaign {campaign_id!r} (recent campaigns: {known})")
    _emit(rows, format)


def _flat(row: dict[str, Any]) -> dict[str, Any]:
    params = row.pop("params")
    return {"index": row.pop("index"), **params, **row}


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


def main() -> None:
    """Entry point: run the CLI; user errors become one line on stderr and exit code 2."""
    try:
        app(standalone_mode=False)
    except UserError as exc:
        print(f"sdlab: error: {exc}", file=sys.stderr)
        sys.exit(2)
    except USAGE_ERROR as exc:
        print(f"sdlab: error: {exc.format_message()}", file=sys.stderr)
        sys.exit(2)
    except (typer.Abort, KeyboardInterrupt):
        print("sdlab: interrupted", file=sys.stderr)
        sys.exit(130)
