"""`sdlab analyze`: a lab's own spectrum files (text/CSV, .wdf, .spc, JCAMP-DX) fitted over what they cover, as a
table, CSV or JSON, with optional plots (maps: a per-pixel table and map images)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich import box
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from lab.cli.common import console, plural
from lab.cli.history import Format
from lab.errors import UserError
from lab.files import writable_file, writable_folder

SHOWN = {"graphene": ("layers", "i2d_ig", "id_ig", "fwhm_2d", "g_center", "2d_center"),
         "tmd": ("layers", "delta", "e12g", "a1g", "pl_gap_ev", "pl_fwhm_mev")}
AXES = ("cm-1", "nm", "eV")
PROGRESS_FROM = 50  # spectra from which a progress bar is shown


def analyze_command(
    files: Annotated[list[Path], typer.Argument(help="Spectrum files: text/CSV exports, Renishaw .wdf (spectra or "
                                                     "maps), .spc, JCAMP-DX (.jdx, .dx).")],
    material: Annotated[str, typer.Option(help="graphene, or a TMD formula such as MoS2, WSe2, Mo0.5W0.5S2.")
                        ] = "graphene",
    laser_nm: Annotated[float | None, typer.Option("--laser-nm", min=200.0, max=2000.0,
                                                   help="Laser wavelength (nm): needed for wavelength axes, unless "
                                                        "the file says (.wdf).")] = None,
    axis: Annotated[str | None, typer.Option(help="Text files: the axis unit, cm-1, nm or eV (default: from the "
                                                  "header, else the values; eV is PL).")] = None,
    substrate: Annotated[str, typer.Option(help="TMDs: SiO2/Si or sapphire.")] = "SiO2/Si",
    format: Annotated[Format | None, typer.Option("--format", help="table (default), csv or json.")] = None,
    output: Annotated[Path | None, typer.Option(help="Write the records to this file instead of stdout (.csv or "
                                                     ".json: the suffix chooses the format; another suffix: give "
                                                     "--format csv or json).")] = None,
    plots: Annotated[Path | None, typer.Option(help="Write a PNG per spectrum (maps: one per figure) here.")
                     ] = None,
    workers: Annotated[int | None, typer.Option(min=1, help="Processes fitting in parallel, from 5000 spectra on "
                                                            "(default: the CPUs).")] = None,
) -> None:
    """Analyse spectrum files: the material's bands fitted over the range each spectrum covers, what the range
    cannot give reported missing with the reason, spectra without the material reported as such."""
    from lab.materials import parse_material
    from lab.spectra.analyze import Target, analyze
    from lab.spectra.read import read_spectra

    if axis is not None and axis not in AXES:
        raise UserError(f"--axis {axis}: give one of {', '.join(AXES)}")
    try:
        found = parse_material(material)
    except ValueError as exc:
        raise UserError(str(exc)) from exc
    shown = _shown_as(format, output)
    if plots is not None:
        writable_folder(plots, "--plots")
    files_read = [read_spectra(file, axis) for file in files]  # every file read before anything is fitted
    for read in files_read:
        if laser_nm is None and read.laser_nm is None and any(s.unit == "nm" for s in read.spectra):
            raise UserError(f"{read.path}: the axis is a wavelength (nm); give the laser with --laser-nm")
    records: list[dict[str, Any]] = []
    total = sum(len(read.spectra) for read in files_read)
    with _progress(total) as progress:
        bar = progress.add_task("analysing", total=total)
        for read in files_read:
            target = Target(found.name, found.kind, found.x_w, found.y_se, substrate, laser_nm or read.laser_nm)
            fitted = analyze(read.spectra, target, workers, lambda n: progress.update(bar, advance=n))
            records += [{"file": read.path, **record} for record in fitted]
            if plots is not None:
                _plot(read, fitted, target, plots)
    _emit(records, found.kind, shown, output)


def _progress(total: int) -> Progress:
    stderr = Console(stderr=True)
    return Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=stderr, disable=total < PROGRESS_FROM or not stderr.is_terminal, transient=True)


def _plot(read: Any, fitted: list[dict[str, Any]], target: Any, out: Path) -> None:
    from lab.spectra.plots import map_plots, spectrum_plot

    out.mkdir(exist_ok=True)
    if read.is_map:
        map_plots(fitted, target.kind, out, Path(read.path).stem)
        return
    for raw, record in zip(read.spectra, fitted, strict=True):
        if record["status"] not in ("not covered", "unreadable"):
            spectrum_plot(raw, {"file": read.path, **record}, target.laser_nm, out)


def _shown_as(format: Format | None, output: Path | None) -> Format:
    """How the records are shown: a table by default; written to `output`, in the format its suffix chooses (which
    --format may only repeat) or, for another suffix, the one --format names. UserError for what contradicts."""
    if output is None:
        return format or Format.table
    writable_file(output, "--output")
    by_suffix = {".csv": Format.csv, ".json": Format.json}.get(output.suffix)
    if format is Format.table:
        raise UserError(f"--format table prints to the terminal; --output {output} writes csv or json: drop one")
    if by_suffix is not None and format not in (None, by_suffix):
        raise UserError(f"--format {format.value} does not apply to --output {output}: the file's suffix chooses "
                        "its format; drop --format")
    if by_suffix is None and format is None:
        raise UserError(f"--output {output}: end the name in .csv or .json, or give --format csv or json")
    return by_suffix or format


def _emit(records: list[dict[str, Any]], kind: str, format: Format, output: Path | None) -> None:
    import pandas as pd

    if format is Format.table:
        _print_table(records, kind)
        return
    text = json.dumps(records, indent=1) if format is not Format.csv else pd.DataFrame(records).to_csv(index=False)
    if output is None:
        print(text, end="" if text.endswith("\n") else "\n")
        return
    output.write_text(text)
    print(f"{plural(len(records), 'spectrum record')} written to {output}", file=sys.stderr)


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return "-" if value is None else str(value)


def _print_table(records: list[dict[str, Any]], kind: str) -> None:
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    shown = ("file", "spectrum", "status", *SHOWN[kind], "note")
    for name in shown:
        table.add_column(name, overflow="fold", no_wrap=name not in ("spectrum", "note"),
                         ratio=1 if name == "note" else None)
    for r in records:
        cells = [Path(r["file"]).name, *(_cell(r.get(name)) for name in shown[1:-1])]
        table.add_row(*cells, r["reason"] or r["missing"])
    console.print(table)
