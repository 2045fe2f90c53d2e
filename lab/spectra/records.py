"""A spectrum as read from a file (axis in the file's unit), stitched windows merged, and the file it came from."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from lab.analysis import Spectrum, raman_shift

Unit = Literal["cm-1", "nm", "eV"]
UNITS: tuple[Unit, ...] = ("cm-1", "nm", "eV")


@dataclass(frozen=True, eq=False)
class RawSpectrum:
    """One spectrum of a file: ``axis`` in ``unit`` (Raman shift cm⁻¹, wavelength nm or photon energy eV) and
    ``counts``, as stored (any order, stitched windows not yet merged); ``x``/``y`` its stage position in a map."""

    name: str
    axis: np.ndarray
    counts: np.ndarray
    unit: Unit
    x: float | None = None
    y: float | None = None

    def spectrum(self, laser_nm: float | None) -> Spectrum:
        """The validated spectrum: Raman shift (cm⁻¹, nm converted with ``laser_nm``) or energy (eV, for PL),
        stitched windows merged. Raises ValueError if a wavelength axis comes without a laser wavelength."""
        axis, counts = merge_segments(self.axis, self.counts)
        if self.unit == "nm":
            if laser_nm is None:
                raise ValueError("the axis is a wavelength (nm): give the laser wavelength with --laser-nm")
            axis = raman_shift(axis, laser_nm)
        return Spectrum(axis, counts)


@dataclass(frozen=True)
class SpectrumFile:
    """What a file holds: its spectra (a map: one per pixel, with positions), and the laser if the file says."""

    path: str
    spectra: list[RawSpectrum]
    laser_nm: float | None = None
    is_map: bool = False
    meta: dict[str, str] = field(default_factory=dict)


def _segments(axis: np.ndarray) -> list[slice]:
    """The runs of ``axis`` that are monotonic in its overall direction (one run unless windows were stitched)."""
    step = np.diff(axis)
    direction = 1.0 if axis[-1] >= axis[0] else -1.0
    breaks = np.flatnonzero(step * direction <= 0) + 1
    edges = [0, *breaks.tolist(), axis.size]
    return [slice(a, b) for a, b in itertools.pairwise(edges) if b - a >= 2]


def merge_segments(axis: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One increasing axis from a possibly stitched one: each monotonic run is a window; where windows overlap,
    the counts at every point are the mean of the windows there (each interpolated linearly onto the point).
    A single window is only sorted. Arrays that are not 1-D of one length are returned as they are (the
    :class:`Spectrum` check reports them)."""
    axis, counts = np.asarray(axis, dtype=float), np.asarray(counts, dtype=float)
    if axis.ndim != 1 or axis.shape != counts.shape or axis.size < 3:
        return axis, counts
    windows = []
    for run in _segments(axis):
        order = np.argsort(axis[run])
        windows.append((axis[run][order], counts[run][order]))
    if len(windows) <= 1:
        order = np.argsort(axis)
        return axis[order], counts[order]
    merged = np.unique(np.concatenate([w for w, _ in windows]))
    total = np.zeros_like(merged)
    covering = np.zeros_like(merged)
    for w, c in windows:
        inside = (merged >= w[0]) & (merged <= w[-1])
        total[inside] += np.interp(merged[inside], w, c)
        covering[inside] += 1
    return merged, total / covering
