"""`sdlab import`: a lab's past growth runs (CSV or Excel) into the run history as an imported campaign, which
`sdlab simulate|run --warm-start CAMPAIGN` can start a planner from."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from lab.cli.common import console, plural
from lab.errors import UserError


def import_command(
    file: Annotated[Path, typer.Argument(help="The past runs: a CSV or Excel file, a row per growth.")],
    material: Annotated[str, typer.Option(help="What was grown: graphene, or a TMD formula such as MoS2.")],
    columns: Annotated[Path, typer.Option(help="Column map (YAML): parameter → {column, unit}, outcome → "
                                               "{column} (grew, quality, figures of merit).")],
    campaign: Annotated[str | None, typer.Option(help="Name of the imported campaign (default: the file's name).")
                        ] = None,
) -> None:
    """Import past growth runs as a campaign of the run history (marked imported, each row's source kept). The
    whole file is checked first: a bad file is refused with every bad row and column, and nothing is stored."""
    from lab.history.imported import check_rows, load_map, read_table, store_runs
    from lab.history.store import RunStore
    from lab.materials import parse_material
    from lab.settings import slug

    try:
        found = parse_material(material)
    except ValueError as exc:
        raise UserError(str(exc)) from exc
    table = read_table(file)
    runs = check_rows(table, load_map(columns), found, str(file))
    name = campaign or slug(f"imported-{file.stem}")
    if name != slug(name):
        raise UserError(f"--campaign {name!r}: use lower-case letters, digits and '-' only (e.g. {slug(name)})")
    with RunStore() as store:
        store_runs(store, name, found, runs, str(file))
    grew = sum(not run.outcome["failed"] for run in runs)
    console.print(f"imported {plural(len(runs), 'growth')} ({grew} grew) of {found.name} as campaign {name}; "
                  f"start a campaign from it with --warm-start {name}")
