"""Figures for run reviews (PNG bytes; matplotlib without a display) and their data-URI form for artifacts."""

from __future__ import annotations

import base64
import io
import pickle
import struct
import subprocess
import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, BinaryIO

import numpy as np


@dataclass(frozen=True)
class Panel:
    """One plot: a series per spot (or per quantity) on a shared axis, and vertical marks (e.g. fitted peak
    positions); `points` draws markers instead of lines."""

    title: str
    x_label: str
    x: Sequence[Any]
    y: Sequence[Any]
    marks: Sequence[float] = ()
    y_label: str = "counts"
    points: bool = False


MARGINS_IN = {"left": 0.75, "right": 0.15, "top": 0.3, "bottom": 0.45, "between": 0.8}
"""Fixed margins around and between the panels (inches): a layout engine would measure every label first, which
doubled the time of a figure."""


def figure_png(panels: Sequence[Panel], width_in: float = 6.0, height_in: float = 2.6) -> bytes:
    """A PNG with the panels stacked vertically."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    total_in = height_in * len(panels)
    figure = Figure(figsize=(width_in, total_in), dpi=90)
    figure.subplots_adjust(left=MARGINS_IN["left"] / width_in, right=1 - MARGINS_IN["right"] / width_in,
                           top=1 - MARGINS_IN["top"] / total_in, bottom=MARGINS_IN["bottom"] / total_in,
                           hspace=MARGINS_IN["between"] / (height_in - MARGINS_IN["between"]))
    for axes, panel in zip(figure.subplots(len(panels), 1, squeeze=False)[:, 0], panels, strict=True):
        for x, y in zip(panel.x, panel.y, strict=True):
            if panel.points:
                axes.plot(x, y, "o", markersize=3, alpha=0.7)
            else:
                axes.plot(x, y, linewidth=0.7, alpha=0.6)
        for mark in panel.marks:
            axes.axvline(mark, color="k", linestyle=":", linewidth=0.8)
        axes.set_title(panel.title, fontsize=9)
        axes.set_xlabel(panel.x_label, fontsize=8)
        axes.set_ylabel(panel.y_label, fontsize=8)
        axes.tick_params(labelsize=7)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def progress_panels(indices: Sequence[int], quality: Sequence[float | None],
                    params: dict[str, Sequence[float]]) -> list[Panel]:
    """A campaign's progress: quality and best so far against the experiment index, then quality against each
    numeric parameter (failed experiments count as quality 0)."""
    values = [0.0 if q is None else q for q in quality]
    best = np.maximum.accumulate(values).tolist() if values else []
    panels = [Panel("Best so far", "experiment", [indices, indices], [values, best], y_label="quality")]
    panels += [Panel(f"Quality against {name}", name, [xs], [values], y_label="quality", points=True)
               for name, xs in params.items()]
    return panels


def run_panels(positions: Sequence[float], quality: Sequence[float | None],
               local_c: Sequence[float]) -> list[Panel]:
    """One furnace run's samples along the tube: quality (failed: 0) and local growth temperature against each
    sample's position (mm downstream of the thermocouple)."""
    values = [0.0 if q is None else q for q in quality]
    return [Panel("Quality along the tube", "position (mm)", [positions], [values], y_label="quality", points=True),
            Panel("Local growth temperature", "position (mm)", [positions], [local_c], y_label="°C", points=True)]


class Renderer:
    """Draws figures in a worker process (`python -m lab.campaign.plots`), so that plotting never holds the interpreter
    lock of the process that runs the station (its RunEngine and simulated twin share it). The worker starts with
    the first figure (one worker, whichever threads ask at once). Requests are pickled panels, answers PNG bytes,
    both length-prefixed on the worker's stdin and stdout."""

    def __init__(self) -> None:
        self._worker: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()

    def png(self, panels: Sequence[Panel]) -> bytes:
        """`figure_png(panels)`, drawn in the worker."""
        with self._lock:
            if self._worker is None:
                self._worker = subprocess.Popen([sys.executable, "-m", "lab.campaign.plots"], stdin=subprocess.PIPE,
                                                stdout=subprocess.PIPE)
            assert self._worker.stdin is not None and self._worker.stdout is not None
            try:
                _send(self._worker.stdin, pickle.dumps(list(panels)))
                return _receive(self._worker.stdout)
            except (OSError, EOFError, ValueError) as exc:  # ValueError: written after close
                raise RuntimeError(f"the figure worker stopped (exit code {self._worker.poll()})") from exc

    def close(self) -> None:
        """Stop the worker, if it started."""
        with self._lock:
            if self._worker is not None and self._worker.stdin is not None:
                self._worker.stdin.close()
                self._worker.wait()


def _send(stream: BinaryIO, payload: bytes) -> None:
    stream.write(struct.pack("!Q", len(payload)) + payload)
    stream.flush()


def _receive(stream: BinaryIO) -> bytes:
    header = stream.read(8)
    if len(header) < 8:
        raise EOFError("stream closed")
    (size,) = struct.unpack("!Q", header)
    return stream.read(size)


def serve(requests: BinaryIO, answers: BinaryIO) -> None:
    """The worker's loop: draw each request's panels until its input closes."""
    while True:
        try:
            panels = pickle.loads(_receive(requests))
        except EOFError:
            return
        _send(answers, figure_png(panels))


def data_uri(png: bytes) -> str:
    """The PNG as a data URI, which the Prefect UI shows without any file server."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


if __name__ == "__main__":
    serve(sys.stdin.buffer, sys.stdout.buffer)
