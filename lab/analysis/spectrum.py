"""A validated Raman spectrum (shift axis + counts) and the wavelength → Raman shift conversion."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

LASER_NM = 532.0


def raman_shift(wavelength_nm: np.ndarray, laser_nm: float = LASER_NM) -> np.ndarray:
    """Raman shift in cm⁻¹ (1e7/λ_laser − 1e7/λ) of light at ``wavelength_nm`` for a laser at ``laser_nm``.

    Raises ValueError unless every wavelength and the laser wavelength are finite and > 0.
    """
    wavelength_nm = np.asarray(wavelength_nm, dtype=float)
    if not (np.isfinite(laser_nm) and laser_nm > 0):
        raise ValueError(f"laser wavelength must be finite and > 0 nm, got {laser_nm!r}")
    if not np.all(np.isfinite(wavelength_nm) & (wavelength_nm > 0)):
        raise ValueError("wavelengths must be finite and > 0 nm")
    return 1e7 / laser_nm - 1e7 / wavelength_nm


@dataclass(frozen=True, eq=False)
class Spectrum:
    """A Raman spectrum: ``shift`` (cm⁻¹, stored strictly increasing) and ``counts`` per pixel.

    A PL spectrum uses the same validated pair with photon energy (eV) as ``shift`` and counts per eV
    (:func:`lab.analysis.pl.pl_spectrum`).

    Both arrays are copied to read-only float arrays. A strictly decreasing axis is reversed together with
    the counts. Raises ValueError for arrays that are not 1-D, of different lengths, shorter than 3 points,
    with NaN or infinite values, or whose axis is not strictly monotonic.
    """

    shift: np.ndarray
    counts: np.ndarray

    def __post_init__(self) -> None:
        shift = np.array(self.shift, dtype=float)
        counts = np.array(self.counts, dtype=float)
        if shift.ndim != 1 or counts.ndim != 1:
            raise ValueError(f"spectrum arrays must be 1-D, got shapes {shift.shape} and {counts.shape}")
        if shift.size != counts.size:
            raise ValueError(
                f"spectrum axis and counts differ in length: {shift.size} shifts vs {counts.size} counts"
            )
        if shift.size < 3:
            raise ValueError(f"a spectrum needs at least 3 points, got {shift.size}")
        for label, values in (("axis", shift), ("counts", counts)):
            bad = ~np.isfinite(values)
            if bad.any():
                raise ValueError(
                    f"spectrum {label} has {bad.sum()} NaN or infinite values (first at index {bad.argmax()})"
                )
        step = np.diff(shift)
        if np.all(step < 0):
            shift, counts = shift[::-1].copy(), counts[::-1].copy()
        elif not np.all(step > 0):
            raise ValueError("spectrum axis must be strictly monotonic (no repeated or out-of-order values)")
        shift.flags.writeable = False
        counts.flags.writeable = False
        object.__setattr__(self, "shift", shift)
        object.__setattr__(self, "counts", counts)

    @classmethod
    def from_wavelengths(
        cls, wavelengths_nm: np.ndarray, counts: np.ndarray, laser_nm: float = LASER_NM
    ) -> Spectrum:
        """The spectrum of ``counts`` measured at ``wavelengths_nm`` (nm) with a laser at ``laser_nm``."""
        return cls(raman_shift(wavelengths_nm, laser_nm), counts)

    def covers(self, low: float, high: float) -> bool:
        """Whether the axis spans the whole range ``low``–``high`` cm⁻¹."""
        return bool(self.shift[0] <= low and self.shift[-1] >= high)
