"""`sdlab emulate` and `sdlab devices check`: instrument protocols on ptys, and a station's connections."""

from __future__ import annotations

import sys
import time
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from lab.cli.common import HELP_MARKUP, plural
from lab.errors import UserError
from lab.files import in_folder
from lab.settings import load_station


class Instrument(StrEnum):
    eurotherm = "eurotherm"
    alicat = "alicat"
    tpg = "tpg"
    pr4000b = "pr4000b"


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
    if link is not None:
        _check_link(link)
    from lab.campaign.drivers import station_twin
    from simulators.emulators import AlicatEmulator, EurothermEmulator, Faults, PR4000BEmulator, TPGEmulator
    from simulators.emulators.station import alicat_units

    station = load_station()
    twin = station_twin(station, seed, speedup)
    options = {"link": str(link) if link else None, "faults": Faults(rate=fault_rate, seed=seed), "pace": pace}
    if instrument is Instrument.alicat:
        emulator = AlicatEmulator(twin, alicat_units(station), **options)
    else:
        kind = {Instrument.eurotherm: EurothermEmulator, Instrument.tpg: TPGEmulator,
                Instrument.pr4000b: PR4000BEmulator}[instrument]
        emulator = kind(twin, **options)
    with emulator:
        try:  # the path is printed inside: a client may connect and Ctrl-C before the next statement runs
            print(emulator.path, flush=True)
            while True:
                time.sleep(0.5)
        except KeyboardInterrupt:
            print(f"stopped after {plural(emulator.requests, 'request')}; faults {emulator.fault_counts()}",
                  file=sys.stderr)


def _check_link(link: Path) -> None:
    """UserError unless a symlink can be made at `link` (in an existing folder, not over a file)."""
    in_folder(link, "--link")
    if link.exists() and not link.is_symlink():
        raise UserError(f"--link {link} exists and is not a symlink; choose another path")


devices_app = typer.Typer(no_args_is_help=True, rich_markup_mode=HELP_MARKUP, help="Instrument connections.")


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
    from lab.campaign.drivers import build_drivers, station_twin

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

