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


class Transport(StrEnum):
    sim = "sim"
    serial = "serial"


class Instrument(StrEnum):
    eurotherm = "eurotherm"
    alicat = "alicat"
    tpg = "tpg"
    pr4000b = "pr4000b"


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
    transport: Annotated[Transport, typer.Option(help="sim: drivers call the twin; serial: protocol emulators on "
                                                      "ptys driven by the serial drivers.")] = Transport.sim,
    fault_rate: Annotated[float, typer.Option(min=0.0, max=1.0, help="With --transport serial: rate of dropped, "
                                                                     "delayed or corrupted replies.")] = 0.0,
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
        session = open_session(settings, station, store, transport=transport.value,
                               fault_rate=fault_rate)
        bar = progress.add_task(cid, total=settings.experiments, status="starting Prefect…")

        def advance(result: ExperimentResult) -> None:
            best = session.best()
            shown = "failed" if result.quality is None else f"{result.quality:.3f}"
            best_shown = "-" if best is None else f"{best.quality:.3f}"
            progress.update(bar, advance=1, status=f"last {shown}  best {best_shown}")

        session.listeners.append(advance)
        try:
            campaign.with_options(flow_run_name=cid)(cid)
        finally:
            session.close()
    _summary(session.campaign_id, session.best(), len(session.results), time.perf_counter() - started)
    if session.transport == "serial":
        faults = session.fault_totals()
        console.print("transport: serial; faults: " + ", ".join(f"{k} {v}" for k, v in faults.items()))


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


@app.command()
def emulate(
    instrument: Annotated[Instrument, typer.Argument(help="eurotherm, alicat (units A, B, C), tpg or pr4000b.")],
    link: Annotated[Path | None, typer.Option(help="Also reachable as this symlink to the pty.")] = None,
    fault_rate: Annotated[float, typer.Option(min=0.0, max=1.0, help="Rate of dropped/delayed/corrupted "
                                                                     "replies.")] = 0.0,
    pace: Annotated[bool, typer.Option(help="Pace replies at the instrument's baud rate.")] = False,
    speedup: Annotated[float, typer.Option(min=1e-3, help="Simulated seconds per wall second.")] = 1.0,
    seed: Annotated[int, typer.Option(help="Seed of the simulated world and of the faults.")] = 0,
) -> None:
    """Serve one instrument's protocol on a pty, backed by the physics twin, until interrupted."""
    from lab.config import station_twin
    from simulators.emulators import AlicatEmulator, EurothermEmulator, Faults, PR4000BEmulator, TPGEmulator
    from simulators.emulators.station import alicat_units

    station = load_station()
    twin = station_twin(station, seed, speedup)
    options = {"link": str(link) if link else None, "faults": Faults(rate=fault_rate, seed=seed), "pace": pace}
    if link is not None and link.exists() and not link.is_symlink():
        raise UserError(f"--link {link} exists and is not a symlink; choose another path")
    if instrument is Instrument.alicat:
        emulator = AlicatEmulator(twin, alicat_units(station), **options)
    else:
        kind = {Instrument.eurotherm: EurothermEmulator, Instrument.tpg: TPGEmulator,
                Instrument.pr4000b: PR4000BEmulator}[instrument]
        emulator = kind(twin, **options)
    with emulator:
        print(emulator.path, flush=True)
        try:
            while True:
                time.sleep(0.5)
        except KeyboardInterrupt:
            print(f"stopped after {emulator.requests} requests; faults {emulator.fault_counts()}", file=sys.stderr)


devices_app = typer.Typer(no_args_is_help=True, help="Instrument connections.")
app.add_typer(devices_app, name="devices")


_READS = {"furnace": ("read_pv", "°C"), "mfc": ("read_flow", "sccm"), "gauge": ("read_pressure", "Torr"),
          "pressure": ("read_pressure", "Torr"), "valve": ("read_open", "open")}


def _reading(kind: str, driver: Any) -> str:
    """What `devices check` shows for one device ('-' for devices with nothing to read)."""
    if kind == "spectrometer":
        wavelengths = driver.wavelengths()
        return f"{wavelengths.size} px, {wavelengths[0]:.1f}–{wavelengths[-1]:.1f} nm"
    method, unit = _READS.get(kind, (None, ""))
    if method is None:
        return "-"
    value = getattr(driver, method)()
    return f"{unit}={value}" if isinstance(value, bool) else f"{value:.6g} {unit}"


@devices_app.command("check")
def devices_check(
    config: Annotated[Path, typer.Option(help="Station config (YAML).")],
) -> None:
    """Connect to every device and print one line per device: its reading, or what went wrong."""
    from devices.drivers import DeviceError
    from lab.config import build_drivers, station_twin

    station = load_station(config)
    driver_set = build_drivers(station, station_twin(station))
    specs = station.driver_specs()
    failed = 0
    print(f"{'device':<14} {'driver':<9} {'port':<24} reading")
    try:
        for key, driver in driver_set.drivers.items():
            spec = specs[key]
            try:
                reading = _reading(key.split(":")[0], driver)
            except DeviceError as exc:
                failed += 1
                reading = f"ERROR {exc}"
            where = getattr(spec, "serial_number", None) or spec.port or "-"
            print(f"{key:<14} {spec.driver:<9} {where:<24} {reading}")
    finally:
        driver_set.close()
    if failed:
        raise typer.Exit(1)


def main() -> None:
    """Entry point: run the CLI; user errors become one line on stderr and exit code 2."""
    try:
        code = app(standalone_mode=False)
    except UserError as exc:
        print(f"sdlab: error: {exc}", file=sys.stderr)
        sys.exit(2)
    except USAGE_ERROR as exc:
        print(f"sdlab: error: {exc.format_message()}", file=sys.stderr)
        sys.exit(2)
    except (typer.Abort, KeyboardInterrupt):
        print("sdlab: interrupted", file=sys.stderr)
        sys.exit(130)
    if isinstance(code, int) and code:
        sys.exit(code)
