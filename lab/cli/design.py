"""`sdlab design` and `sdlab discover`: inverse design from the command line."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from lab.cli.common import console
from lab.errors import UserError

TargetOption = Annotated[str, typer.Option("--target", help="Target property, e.g. 'bandgap_ev=1.70' or "
                                                           "'bandgap_ev=1.70±0.03' (default tolerance 0.05 eV).")]
ConstraintOption = Annotated[str | None, typer.Option("--constraint", help="Allowed compositions, e.g. "
                                                      "'Mo-based, S/Se mix' or 'lattice within 1% of MoS2'.")]
SeedOption = Annotated[int, typer.Option(help="Seed of the model (and of the simulated lab).")]


def _print_candidates(rows: list[dict[str, Any]], title: str) -> None:
    """The ranked candidates as a table, then why each ranks where it does (a line each, readable at 80 columns)."""
    table = Table(title=title)
    for column in ("rank", "formula", "gap (eV)", "P(within)", "score", "E_hull (meV/at)"):
        table.add_column(column, overflow="fold")
    for row in rows:
        hull = "-" if row["e_above_hull_mev"] is None else f"{row['e_above_hull_mev']:.1f}"
        table.add_row(str(row["rank"]), row["formula"], f"{row['bandgap_ev']:.3f} ± {row['std_ev']:.3f}",
                      f"{row['p_within']:.2f}", f"{row['score']:.3g}", hull)
    console.print(table)
    for row in rows:
        console.print(f"{row['rank']}. {row['formula']}: {row['why']}", markup=False, highlight=False)


def design_command(
    target: TargetOption,
    top: Annotated[int, typer.Option(help="How many candidates to relax and rank.")] = 5,
    constraint: ConstraintOption = None,
    seed: SeedOption = 0,
) -> None:
    """Propose candidate compositions for a target property, ranked with prediction ± uncertainty and stability."""
    from lab.design.checks import check_request

    check_request(target, constraint, top, seed)
    from lab.campaign.prefect_server import ensure_server
    from lab.design.flows import design

    ensure_server()
    rows = design(target, top_k=top, constraints=constraint, seed=seed)
    _print_candidates(rows, f"candidates for {target}")
    console.print(f"best candidate: {rows[0]['formula']}")


def discover_command(
    target: TargetOption,
    top: Annotated[int, typer.Option(help="Candidates relaxed and ranked per design step.")] = 3,
    constraint: ConstraintOption = None,
    budget: Annotated[int, typer.Option(help="Most synthesis campaigns to run.")] = 8,
    seed: SeedOption = 0,
    simulate: Annotated[bool, typer.Option("--simulate", help="Synthesize in the simulated TMD lab.")] = False,
    campaign: Annotated[str, typer.Option(help="lab: a full simulated campaign per candidate (8 experiments); "
                                               "twin: the fast stand-in (one growth at a converged recipe).")
                        ] = "lab",
) -> None:
    """Discovery loop: design → synthesize the top candidate → measure its PL gap → learn → next candidate."""
    if not simulate:
        raise UserError("discover on hardware is not available yet; add --simulate to run it in the simulated lab")
    from lab.design.checks import check_request

    check_request(target, constraint, top, seed, budget)
    from lab.campaign.prefect_server import ensure_server
    from lab.design.flows import CAMPAIGNS, discover

    if campaign not in CAMPAIGNS:
        raise UserError(f"--campaign {campaign!r} is not one of {', '.join(sorted(CAMPAIGNS))}")
    ensure_server()
    rounds = discover(target, budget=budget, top_k=top, constraints=constraint, seed=seed, campaign=campaign)
    table = Table(title=f"discovery for {target}")
    for column in ("campaign", "formula", "predicted (eV)", "measured (eV)", "hit"):
        table.add_column(column)
    for r in rounds:
        measured = "no growth" if r["measured_ev"] is None else f"{r['measured_ev']:.3f}"
        table.add_row(str(r["index"]), r["formula"], f"{r['predicted_ev']:.3f} ± {r['std_ev']:.3f}", measured,
                      "yes" if r["hit"] else "")
    console.print(table)
    hit = next((r for r in rounds if r["hit"]), None)
    console.print(f"target met by {hit['formula']} ({hit['measured_ev']:.3f} eV) after {hit['index']} campaigns"
                  if hit else f"target not met in {len(rounds)} campaigns")
