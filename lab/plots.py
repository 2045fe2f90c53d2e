"""Figures for run reviews (PNG bytes; matplotlib without a display) and their data-URI form for artifacts."""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Panel:
    """One plot: a spectrum per spot on a shared axis, and vertical marks (e.g. fitted peak positions)."""

    title: str
    x_label: str
    x: Sequence[np.ndarray]
    y: Sequence[np.ndarray]
    marks: Sequence[float] = ()


def figure_png(panels: Sequence[Panel], width_in: float = 6.0, height_in: float = 2.6) -> bytes:
    """A PNG with the panels stacked vertically."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width_in, height_in * len(panels)), dpi=90, layout="constrained")
    for axes, panel in zip(figure.subplots(len(panels), 1, squeeze=False)[:, 0], panels, strict=True):
        for x, y in zip(panel.x, panel.y, strict=True):
            axes.plot(x, y, linewidth=0.7, alpha=0.6)
        for mark in panel.marks:
            axes.axvline(mark, color="k", linestyle=":", linewidth=0.8)
        axes.set_title(panel.title, fontsize=9)
        axes.set_xlabel(panel.x_label, fontsize=8)
        axes.set_ylabel("counts", fontsize=8)
        axes.tick_params(labelsize=7)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def data_uri(png: bytes) -> str:
    """The PNG as a data URI, which the Prefect UI shows without any file server."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")
