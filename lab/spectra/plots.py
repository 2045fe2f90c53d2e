"""Pictures of analysed spectra: each spectrum with its fitted band centres, and maps of a map's figures."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from lab.spectra.records import RawSpectrum

MAP_FIGURES = {"graphene": ("i2d_ig", "id_ig", "layers"), "tmd": ("delta", "layers", "pl_gap_ev")}
_CENTERS = ("d_center", "g_center", "2d_center", "e12g", "a1g", "pl_gap_ev")


def _name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("_") or "spectrum"


def _figure():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def spectrum_plot(raw: RawSpectrum, record: dict[str, Any], laser_nm: float | None, out: Path) -> Path:
    """``out``/<file>-<spectrum>.png: the spectrum as analysed, its fitted band centres marked, status in the title."""
    plt = _figure()
    spectrum = raw.spectrum(laser_nm)
    figure, axes = plt.subplots(figsize=(7, 3.5))
    axes.plot(spectrum.shift, spectrum.counts, lw=0.8)
    for key in _CENTERS:
        if record.get(key) is not None:
            axes.axvline(record[key], color="tab:red", lw=0.6, ls="--")
    axes.set_xlabel("photon energy (eV)" if raw.unit == "eV" else "Raman shift (cm⁻¹)")
    axes.set_ylabel("counts")
    axes.set_title(f"{record['file']} · {raw.name}: {record['status']}", fontsize=9)
    path = out / f"{_name(Path(record['file']).stem)}-{_name(raw.name)}.png"
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path


def map_plots(records: Sequence[dict[str, Any]], kind: str, out: Path, stem: str) -> list[Path]:
    """``out``/<stem>-<figure>.png for each of the material's map figures: the value at every (x, y) position,
    blank where it does not apply."""
    plt = _figure()
    xs = np.unique([r["x"] for r in records])
    ys = np.unique([r["y"] for r in records])
    paths = []
    for figure_name in MAP_FIGURES[kind]:
        grid = np.full((ys.size, xs.size), np.nan)
        for r in records:
            value = r.get(figure_name)
            if value is not None:
                grid[np.searchsorted(ys, r["y"]), np.searchsorted(xs, r["x"])] = value
        figure, axes = plt.subplots(figsize=(5, 4))
        image = axes.imshow(grid, origin="lower", aspect="auto", interpolation="nearest",
                            extent=(xs[0], xs[-1], ys[0], ys[-1]) if xs.size > 1 and ys.size > 1 else None)
        figure.colorbar(image, ax=axes, label=figure_name)
        axes.set_xlabel("x (µm)")
        axes.set_ylabel("y (µm)")
        path = out / f"{_name(stem)}-{figure_name}.png"
        figure.tight_layout()
        figure.savefig(path, dpi=100)
        plt.close(figure)
        paths.append(path)
    return paths
