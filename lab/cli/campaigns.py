"""`sdlab simulate`, `run`, `resume` and `fleet`: campaigns, with a progress bar and a summary."""

from __future__ import annotations

import os
import sys
import time
from contextlib import nullcontext
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from lab.cli.common import console
from lab.errors import UserError
from lab.safety.audit import AuditLog
from lab.safety.latch import Latch
from lab.settings import campaign_config, load_campaign, load_station, slug
from planners import DEFAULT_PLANNER


class Transport(StrEnum):
    sim = "sim"
    serial = "serial"


class ApproveIn(StrEnum):
    terminal = "terminal"
    ui = "ui"


def simulate(
    config: Annotated[Path | None, typer.Option(help="Station config (YAML); default: built-in sim station.")] = None,
    material: Annotated[str, typer.Option(help="Material to grow: graphene, or a TMD formula such as MoS2, WSe2, "
                                               "Mo0.5W0.5S2 or MoSSe (TMDs use the built-in two-zone station).")
                        ] = "graphene",
    target_ev: Annotated[float | None, typer.Option("--target-ev", help="TMDs: the PL band gap (eV) to aim at; "
                                                                       "quality then rewards closeness to it.")
                         ] = None,
    planner: Annotated[str, typer.Option(help="Planner name (see planners.PLANNERS).")] = DEFAULT_PLANNER,
    experiments: Annotated[int, typer.Option(help="Number of experiments (samples).")] = 12,
    batch: Annotated[int, typer.Option(help="Experiments proposed per planner ask.")] = 1,
    substrates: Annotated[int, typer.Option(help="Substrates per furnace run (along the tube, in the holder's "
                                                 "slots; one recipe per run, positions planned with it).")] = 1,
    seed: Annotated[int, typer.Option(help="Seed of the simulated world and the planner.")] = 0,
    speedup: Annotated[float | None, typer.Option(min=1e-3, max=1e6, help="Run on a wall clock this many times "
                                                   "faster than real time (default: virtual time, as fast as the "
                                                   "processor allows, the same campaign for a seed at any load).")
                       ] = None,
    spots: Annotated[int, typer.Option(help="Raman spots per sample.")] = 16,
    campaign_id: Annotated[str | None, typer.Option("--campaign-id", help="Campaign id (default: generated).")] = None,
    transport: Annotated[Transport, typer.Option(help="sim: drivers call the twin; serial: protocol emulators on "
                                                      "ptys driven by the serial drivers.")] = Transport.sim,
    fault_rate: Annotated[float, typer.Option(min=0.0, max=1.0, help="With --transport serial: rate of dropped, "
                                                                     "delayed or corrupted replies.")] = 0.0,
    warm_start: Annotated[str | None, typer.Option("--warm-start", help="Seed the planner with the experiments of "
                                                                       "this campaign (e.g. one sdlab import made).")
                          ] = None,
    world: Annotated[Path | None, typer.Option("--world", help="Grow in this calibrated world (sdlab calibrate "
                                                               "--out; graphene or TMD) instead of the seed's.")
                     ] = None,
) -> None:
    """Run a simulated closed-loop campaign: propose → grow → characterize → learn."""
    if world is not None:
        from lab.cli.past_runs import load_world
        from lab.materials import parse_material
        from simulators.calibration import world_kind

        kind = world_kind(load_world(world))  # refuse a bad file before anything starts
        try:
            grown = parse_material(material)
        except ValueError as exc:
            raise UserError(str(exc)) from exc
        if grown.kind != kind:
            raise UserError(f"--world {world} is a calibrated {kind} world; {grown.name} does not grow in it: "
                            f"give a {grown.kind} world or drop --world")
    if fault_rate and transport is not Transport.serial:
        raise UserError("--fault-rate applies to --transport serial (faults on its serial lines); the sim transport "
                        "has no line to fault: add --transport serial, or drop --fault-rate")
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    cid = campaign_id or slug(f"{material}-{planner}-s{seed}-{stamp}")
    settings = campaign_config(campaign_id=cid, material=material, target_ev=target_ev, planner=planner,
                               experiments=experiments, batch=batch, seed=seed, speedup=speedup, spots=spots,
                               warm_start=warm_start, substrates=substrates,
                               world_file=None if world is None else str(world.resolve()))
    _run_campaign(settings, load_station(config, settings.material_spec.kind), transport.value, fault_rate)


def run(
    config: Annotated[Path, typer.Option(help="Station config (YAML) of the real station.")],
    campaign: Annotated[Path, typer.Option(help="Campaign file (YAML): campaign settings and the approved box.")],
    approve_in: Annotated[ApproveIn, typer.Option(help="terminal: answer approval requests here (y/n), or in the "
                                                       "Prefect UI if a server is configured; ui: only in the "
                                                       "Prefect UI (needs PREFECT_API_URL, e.g. of sdlab ui).")
                          ] = ApproveIn.terminal,
    approval_timeout: Annotated[int | None, typer.Option(
        min=1, help="Seconds to wait for an answer (default: the campaign file's approval_timeout_s, else 3600); "
                    "then the campaign stops (continue it with sdlab resume).")] = None,
    rehearse: Annotated[bool, typer.Option("--rehearse", help="Rehearse the run, approvals included, on a fully "
                                                              "simulated station (operator training, tests).")
                        ] = False,
    warm_start: Annotated[str | None, typer.Option("--warm-start", help="Seed the planner with the experiments of "
                                                                       "this campaign (overrides the file's).")
                          ] = None,
    substrates: Annotated[int | None, typer.Option(help="Substrates per furnace run (overrides the file's "
                                                        "substrates; default 1).")] = None,
) -> None:
    """Run a campaign on a real station, in real time, with the operator's approval.

    The campaign file holds the campaign's settings (campaign_id, material, planner, experiments, batch, seed,
    spots, exposure_s, recipe, approval_timeout_s) and the box of parameters the operator approves, parameter →
    [low, high] within the search space (parameters not named are approved over the whole space), e.g.

        campaign_id: cu-foil-7
        experiments: 10
        approved: {temperature_c: [1000, 1050], ch4_sccm: [1, 10]}

    The run pauses (Prefect: Paused, with a form) before the campaign's first heating and whenever the planner
    proposes parameters outside the box. Approve to run the growth; reject and the planner proposes again (three
    rejections in a row stop the campaign). Without an answer in time the campaign stops between experiments;
    continue it with sdlab resume.
    """
    station = load_station(config)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    settings = load_campaign(campaign, campaign_id=f"run-{stamp}", speedup=1.0)
    settings = settings.model_copy(update={"approved": settings.approved or {},  # a run always asks
                                           **({} if approval_timeout is None else
                                              {"approval_timeout_s": approval_timeout}),
                                           **({} if warm_start is None else {"warm_start": warm_start})})
    if substrates is not None:
        settings = campaign_config(**{**settings.model_dump(), "substrates": substrates})
    real = station.real_instruments()
    if real and rehearse:
        raise UserError(f"--rehearse is for simulated stations, but station {station.name} drives real instruments "
                        f"({', '.join(f'{key}: {driver}' for key, driver in real.items())})")
    if not real and not rehearse:
        raise UserError(f"station {station.name} has no real instrument (every device is sim); sdlab run drives "
                        "real hardware: add --rehearse to rehearse the run on this simulated station")
    if real and settings.speedup != 1.0:
        raise UserError(f"campaign file {campaign}: speedup: real instruments run in real time; remove it")
    _run_campaign(settings, station, "sim", 0.0, approve_in=approve_in)


def _prefect_server() -> str | None:
    """The configured Prefect API URL (None: the ephemeral server, which has no UI)."""
    from prefect.settings import get_current_settings

    return get_current_settings().api.url


def resume(
    campaign_id: Annotated[str, typer.Argument(help="The campaign to continue.")],
    experiments: Annotated[int | None, typer.Option(help="A new budget (default: the campaign's).")] = None,
    approve_in: Annotated[ApproveIn | None, typer.Option(help="Campaigns of sdlab run: where to answer approval "
                                                              "requests (see sdlab run; default: terminal).")
                          ] = None,
    approval_timeout: Annotated[int | None, typer.Option(min=1, help="Campaigns of sdlab run: seconds to wait for "
                                                                     "an answer (default: the campaign's own).")
                                ] = None,
) -> None:
    """Continue an interrupted campaign: rebuild the planner from the run history and run the rest.

    Experiments a crash interrupted are marked aborted in the catalog and run again under the same id; the
    station, planner, seed and transport are the campaign's own, and so are, for a campaign of sdlab run, its
    approved box and approval timeout.
    """
    from lab.history.records import load_record

    record = load_record(campaign_id)
    settings = record.campaign
    if settings.approved is None and (approve_in or approval_timeout):
        raise UserError(f"--approve-in and --approval-timeout apply to campaigns of sdlab run; {campaign_id} is a "
                        "simulated campaign, which never asks for approval: drop them")
    changes = {key: value for key, value in (("experiments", experiments), ("approval_timeout_s", approval_timeout))
               if value is not None}
    if changes:
        settings = campaign_config(**{**settings.model_dump(), **changes})
    _run_campaign(settings, record.station, record.transport, record.fault_rate, resumed=True,
                  approve_in=approve_in or ApproveIn.terminal)


def _refuse_latched(*stations: str) -> None:
    """UserError naming the first of `stations` that is latched in the safe state (a campaign would stop there)."""
    for name in stations:
        Latch(name, AuditLog(name)).require_clear()


def _refuse_unanswerable(approve_in: ApproveIn) -> None:
    """UserError when approval requests could not be answered: no Prefect UI for `ui`, and for `terminal` neither
    a terminal (stdin) nor a Prefect UI."""
    if _prefect_server():
        return
    if approve_in is ApproveIn.ui:
        raise UserError("--approve-in ui needs a Prefect server with its UI: start sdlab ui, then set "
                        "PREFECT_API_URL=http://127.0.0.1:4200/api")
    if not sys.stdin.isatty():
        raise UserError("approval requests could not be answered: there is no terminal (stdin is not one) and no "
                        "Prefect UI (PREFECT_API_URL is not set); run from a terminal, or start sdlab ui and set "
                        "PREFECT_API_URL=http://127.0.0.1:4200/api")


def _run_campaign(settings: Any, station: Any, transport: str, fault_rate: float, resumed: bool = False,
                  approve_in: ApproveIn = ApproveIn.terminal) -> None:
    """Run (or continue) a campaign through Prefect with a progress bar, then print its summary.

    A run campaign (an approved box in its settings) is answered by an approval desk in the terminal or the UI;
    when it stops for want of approval, the summary is followed by how to continue, and the exit code is 1.
    """
    from lab.campaign.space import campaign_plan
    from lab.history.records import CampaignRecord, open_record, running

    space, _ = campaign_plan(settings, station)  # refuse a bad material, recipe, space or box before anything starts
    _refuse_latched(station.name)
    if settings.approved is not None:
        from lab.campaign.approval import ApprovedBox

        ApprovedBox.within(settings.approved, space)
        _refuse_unanswerable(approve_in)
    if settings.warm_start is not None:  # refused before anything is recorded
        from lab.campaign.session import warm_start_rows
        from lab.history.store import RunStore

        with RunStore() as store:
            warm_start_rows(store, settings.warm_start)
    open_record(CampaignRecord(settings, station, transport, fault_rate))  # or refuse an incompatible resume
    from lab.heap import building_heap
    from lab.history.servers import reach_catalog

    started = time.perf_counter()
    catalog = reach_catalog()  # the servers come up while the rest is imported and the station starts
    from lab.campaign.prefect_server import start_prefect

    prefect = start_prefect()
    with building_heap() as settle:  # the stack is imported and the session built
        from lab.campaign.approval import CampaignStopped
        from lab.campaign.flows import campaign
        from lab.campaign.session import ExperimentResult, open_session
        from lab.cli.approval_desk import ApprovalDesk
        from lab.history.store import RunStore

        cid = settings.campaign_id
        stopped = None
        with RunStore(catalog=catalog) as store, Progress(TextColumn("[bold]{task.description}"), BarColumn(),
                                                          MofNCompleteColumn(), TextColumn("{task.fields[status]}"),
                                                          TimeElapsedColumn(), console=console) as progress:
            session = open_session(settings, station, store, transport=transport, fault_rate=fault_rate)
            settle()
            done = len(session.results)
            continued = f"resumed after {done}" if done or resumed else None
            bar = progress.add_task(cid, total=settings.experiments, completed=done,
                                    status=continued or "starting Prefect…")
            if session.aborted:
                console.print(f"marked aborted and planned again: {', '.join(session.aborted)}")
                console.print("abandoned samples: " + "; ".join(f"{experiment} {where}" for experiment, where
                                                                in session.abandoned.items()) +
                              ": take them out when the station is next opened", soft_wrap=True)

            def advance(result: ExperimentResult) -> None:
                best = session.best()
                shown = "failed" if result.quality is None else f"{result.quality:.3f}"
                best_shown = "-" if best is None else f"{best.quality:.3f}"
                progress.update(bar, advance=1, status=f"last {shown}  best {best_shown}")

            session.listeners.append(advance)
            desk = (nullcontext() if settings.approved is None else
                    ApprovalDesk(cid, datetime.now(UTC), console, terminal=approve_in is ApproveIn.terminal,
                                 progress=progress))
            try:
                name = f"{cid}-from-{done}" if continued else cid
                prefect.wait()
                progress.update(bar, status=continued or "running")
                with desk, running(cid):
                    campaign.with_options(flow_run_name=name)(cid)
            except CampaignStopped as exc:
                stopped = exc
            finally:
                session.close()
    _summary(session.campaign_id, session.best(), session.results, time.perf_counter() - started)
    if session.transport == "serial":
        faults = session.fault_totals()
        console.print("transport: serial; faults: " + ", ".join(f"{k} {v}" for k, v in faults.items()))
    if stopped is not None:
        print(f"sdlab: campaign {cid} stopped: {stopped}; no growth is running and every finished experiment is "
              f"recorded; continue with: sdlab resume {cid}", file=sys.stderr)
        raise typer.Exit(1)


def _summary(cid: str, best: Any, results: list[Any], wall_s: float) -> None:
    """The campaign's summary: experiments (samples) and furnace runs, wall time, the best sample."""
    table = Table(title=f"campaign {cid}", show_header=False)
    table.add_row("experiments", str(len(results)))
    table.add_row("furnace runs", str(len({r.growth_uid for r in results})))
    table.add_row("wall time", f"{wall_s:.1f} s")
    if best is None:
        table.add_row("best quality", "no usable sample")
    else:
        table.add_row("best quality", f"{best.quality:.3f} (experiment {best.index})")
        for name, value in best.params.items():
            table.add_row(f"  {name}", f"{value:.4g}" if isinstance(value, float) else str(value))
    console.print(table)
    console.print(f"best quality: {'none' if best is None else f'{best.quality:.3f}'}")


def fleet(
    campaigns: Annotated[int, typer.Option(min=1, max=256, help="Simulated campaigns to run in parallel, each on a "
                                                                "simulated station of its own.")] = 2,
    workers: Annotated[int | None, typer.Option(min=1, help="Dask worker processes (default: one per campaign, "
                                                            "at most one per CPU).")] = None,
    material: Annotated[str, typer.Option(help="Material every campaign grows.")] = "graphene",
    planner: Annotated[str, typer.Option(help="Planner name (see planners.PLANNERS).")] = DEFAULT_PLANNER,
    experiments: Annotated[int, typer.Option(help="Experiments per campaign.")] = 12,
    seed: Annotated[int, typer.Option(help="Seed of the first campaign; campaign i uses seed + i.")] = 0,
    speedup: Annotated[float | None, typer.Option(min=1e-3, max=1e6, help="Run on a wall clock this many times "
                                                   "faster than real time (default: virtual time).")] = None,
    spots: Annotated[int, typer.Option(help="Raman spots per sample.")] = 16,
) -> None:
    """Run many simulated campaigns in parallel on a local Dask cluster (needs the extra sdlab[dask])."""
    from lab.campaign.fleet import fleet_station, run_fleet

    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    settings = [campaign_config(campaign_id=f"fleet-{stamp}-{index}", material=material, planner=planner,
                                experiments=experiments, seed=seed + index, speedup=speedup, spots=spots)
                for index in range(campaigns)]
    station = load_station(None, settings[0].material_spec.kind)
    _refuse_latched(*(fleet_station(station, index).name for index in range(campaigns)))
    started = time.perf_counter()
    summaries = run_fleet(settings, station, workers or min(campaigns, os.cpu_count() or 1))
    table = Table(title=f"{campaigns} campaigns in {time.perf_counter() - started:.1f} s")
    for column in ("campaign", "experiments", "best quality"):
        table.add_column(column)
    for summary in summaries:
        best = summary["best_quality"]
        table.add_row(summary["campaign"], str(summary["experiments"]), "-" if best is None else f"{best:.3f}")
    console.print(table)

