"""`sdlab deploy up|status|down` (a lab on this machine: PostgreSQL, Prefect server, tiled, a worker per station)
and `sdlab submit` (a campaign to a station of the deployment, through the Prefect API)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.table import Table

from lab.cli.common import console
from lab.settings import campaign_config, slug
from planners import DEFAULT_PLANNER

deploy_app = typer.Typer(no_args_is_help=True, help="A lab on this machine without Docker: PostgreSQL, a Prefect "
                                                    "server, a tiled catalog and a Prefect worker per station.")


@deploy_app.command("up")
def up(stations: Annotated[int | None, typer.Option(min=1, max=32, help="Simulated stations, a work pool and a "
                                                                        "worker each (default: 2, or as before).")
                           ] = None) -> None:
    """Start the deployment (or what of it is not running); its data survives sdlab deploy down."""
    from lab.deploy.lab import up as deploy_up

    layout, resubmitted = deploy_up(stations)
    if resubmitted:
        console.print(f"submitted again (their process or its worker had stopped while they ran): "
                      f"{', '.join(resubmitted)}", soft_wrap=True)
    console.print(f"deployment up: Prefect UI http://127.0.0.1:{layout.prefect_port} (user:password in "
                  f"$SDLAB_HOME/deploy/deploy.json), catalog http://127.0.0.1:{layout.tiled_port}, stations "
                  f"{', '.join(layout.station_pools())}", soft_wrap=True)


@deploy_app.command("status")
def status() -> None:
    """Each service of the deployment: running or not, its pid and address."""
    from lab.deploy.lab import status as deploy_status

    rows = deploy_status()
    if not rows:
        console.print("no deployment here yet: sdlab deploy up")
        return
    table = Table("service", "state", "pid", "address")
    for row in rows:
        table.add_row(row["service"], "up" if row["pid"] else "down", str(row["pid"] or "-"), row["address"])
    console.print(table)


@deploy_app.command("down")
def down() -> None:
    """Stop every service of the deployment (its data stays for the next sdlab deploy up)."""
    from lab.deploy.lab import down as deploy_down

    deploy_down()
    console.print("deployment down")


def submit(
    station: Annotated[str, typer.Option(help="The station (its work pool), e.g. station-1 (see sdlab deploy "
                                              "status).")],
    material: Annotated[str, typer.Option(help="Material to grow.")] = "graphene",
    planner: Annotated[str, typer.Option(help="Planner name (see planners.PLANNERS).")] = DEFAULT_PLANNER,
    experiments: Annotated[int, typer.Option(help="Number of experiments.")] = 12,
    batch: Annotated[int, typer.Option(help="Experiments proposed per planner ask.")] = 1,
    seed: Annotated[int, typer.Option(help="Seed of the simulated world and the planner.")] = 0,
    campaign_id: Annotated[str | None, typer.Option("--campaign-id", help="Campaign id (default: generated).")
                           ] = None,
) -> None:
    """Submit a campaign to a station of the deployment: a flow run of its deployment, in the Prefect UI; it waits
    in the station's pool while the station runs another."""
    from lab.deploy.lab import submit as deploy_submit

    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    cid = campaign_id or slug(f"{station}-{material}-{planner}-s{seed}-{stamp}")
    settings = campaign_config(campaign_id=cid, material=material, planner=planner, experiments=experiments,
                               batch=batch, seed=seed)  # refuse bad settings here, not in the worker
    run = deploy_submit(station, {"campaign_id": cid, "material": settings.material, "planner": planner,
                                  "experiments": experiments, "batch": batch, "seed": seed})
    console.print(f"submitted campaign {cid} to {station}: flow run {run.name} ({run.id})", soft_wrap=True)
