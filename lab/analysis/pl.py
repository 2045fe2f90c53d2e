"""Photoluminescence analysis of one TMD spectrum in photon energy: A exciton → optical gap, linewidth, intensity.

Pipeline of :func:`fit_pl` on a spectrum from :func:`pl_spectrum`:

1. :func:`pl_spectrum` turns wavelength (nm) into photon energy E = hc/λ (eV) and counts per pixel into counts
   per eV, dividing by each pixel's width in energy hc/λ²·Δλ (the Jacobian: without it the red side of a band
   is inflated and its maximum moves). The detector's dark offset, constant per pixel, becomes a known shape
   ∝ 1/(pixel width) there; it is fitted as a template of free scale.
2. Cosmic-ray spikes are flagged (:func:`lab.analysis.spikes.spike_mask`) and those pixels left out.
3. The A exciton is located at the maximum, between :data:`SEARCH_EV`, of the median-smoothed counts per
   pixel. Around it (−0.35 to +0.30 eV, within :data:`SEARCH_EV`) Lorentzians in energy are fitted for
   A (centre within ±0.05 eV of the start) and the B exciton (0.1–0.5 eV above, FWHM ≤ 0.25 eV), plus a
   quadratic background and the dark template (:func:`lab.analysis.peaks.fit_lorentzians`); then again
   with the indirect-gap band of multilayers (0.12–0.6 eV below, FWHM ≤ 0.2 eV), which is kept only when
   it lowers the Bayesian information criterion. (Always fitting it, and B up to 0.4 eV wide, made the A
   height of monolayers near the edge of the window, e.g. MoSe2, uncertain enough to miss their PL: a
   broad free band there mimics A's wing.)
4. PL is detected when the fitted A height exceeds ``5 ×`` its uncertainty (a broad band is detected
   below the noise of a single pixel) and the fit locates the A exciton to within :data:`A_ENERGY_SIGMA_EV`
   (1 σ, a third of :data:`GAP_ACCURACY_EV`); the B exciton when its height exceeds ``3 ×`` its uncertainty.
   The second condition is what the PL measures: the optical gap, to 5 meV (at 3 σ). A band located more
   loosely (a dim, broad one: bilayers and thicker films, heavily defective spots, short exposures) cannot
   meet that, and is counted as not detected rather than reported with an energy off by more; its fit is
   noise-limited (on simulated spectra the scatter of repeated acquisitions of such a spot matches its
   reported σ, without bias), so no fitting strategy would locate it better.

The A exciton energy of a monolayer is its optical band gap. Intensity is the A band's area per second of
exposure (counts/s). Uncertainties are 1-σ from the fit. Values that do not apply are NaN; a spectrum whose
bands cannot be fitted gives ``fitted == False`` instead of raising.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields

import numpy as np
from scipy.ndimage import median_filter

from lab.analysis.peaks import PeakFit, PeakGuess, WindowFit, fit_lorentzians
from lab.analysis.spectrum import Spectrum
from lab.analysis.spikes import spike_mask

HC_EV_NM = 1239.841984  # h·c in eV·nm
SEARCH_EV = (1.40, 2.20)  # where the A exciton of a Mo/W S/Se TMD lies (MoSe2 ≈ 1.56 to WS2 ≈ 2.0 eV)
BELOW_A_EV, ABOVE_A_EV = 0.35, 0.30  # fit window around the located maximum
A_DETECTION_SIGMA = 5.0
GAP_ACCURACY_EV = 0.005  # what the PL must measure the optical gap to
A_ENERGY_SIGMA_EV = GAP_ACCURACY_EV / 3.0  # the A exciton counts as detected only when located to this (1 σ)
B_DETECTION_SIGMA = 3.0
_SMOOTH_PIXELS = 31  # median filter for locating the maximum (≈ 15 meV at 660 nm)
_A_CENTER_RANGE = 0.05  # eV
_A = (0.01, 0.25)  # FWHM bounds, eV
_B_ABOVE_A, _B_FWHM = (0.1, 0.5), (0.02, 0.25)
_INDIRECT_BELOW_A, _INDIRECT_FWHM = (0.12, 0.6), (0.05, 0.2)


def pixel_width_ev(energy_ev: np.ndarray) -> np.ndarray:
    """The width in eV of every pixel of a monotonic photon-energy axis (hc/λ²·Δλ on a wavelength axis)."""
    return np.abs(np.gradient(energy_ev))


def pl_spectrum(wavelengths_nm: np.ndarray, counts: np.ndarray) -> Spectrum:
    """The PL spectrum in photon energy (eV, increasing) and counts per eV (module docstring, step 1).

    Raises ValueError for wavelengths that are not finite and > 0, and for what :class:`Spectrum` rejects.
    """
    wavelengths_nm = np.asarray(wavelengths_nm, dtype=float)
    if not np.all(np.isfinite(wavelengths_nm) & (wavelengths_nm > 0)):
        raise ValueError("wavelengths must be finite and > 0 nm")
    counts = np.asarray(counts, dtype=float)
    if wavelengths_nm.shape != counts.shape:
        raise ValueError(
            f"spectrum axis and counts differ in length: {wavelengths_nm.size} wavelengths vs {counts.size} counts"
        )
    checked = Spectrum(wavelengths_nm, counts)  # 1-D, finite, monotonic
    energy = HC_EV_NM / checked.shift
    return Spectrum(energy, checked.counts / pixel_width_ev(energy))


@dataclass(frozen=True)
class PlFit:
    """Result of :func:`fit_pl` for one spot; see the module docstring for the rules and NaNs."""

    fitted: bool  # False: the bands could not be fitted; nothing else is meaningful
    has_pl: bool
    a_ev: float  # A exciton energy (the optical gap of a monolayer), eV
    a_ev_err: float
    fwhm_mev: float  # A exciton FWHM, meV
    fwhm_mev_err: float
    intensity_cps: float  # A band area per second of exposure, counts/s
    intensity_cps_err: float
    b_ev: float  # B exciton energy when detected, eV
    b_ev_err: float
    noise: float  # rms residual of the fit, counts per meV
    peaks: dict[str, PeakFit] = field(default_factory=dict)  # "A", "B" (+ "indirect") in meV, heights per meV

    @classmethod
    def without_pl(cls, fitted: bool, noise: float, peaks: dict[str, PeakFit]) -> PlFit:
        """The result for a spot without PL (``fitted``) or whose bands could not be fitted."""
        nan = math.nan
        return cls(fitted, False, nan, nan, nan, nan, nan, nan, nan, nan, noise, peaks)

    def as_dict(self) -> dict[str, float | bool]:
        """A flat record: the scalar fields and ``pl_<band>_<center|fwhm|height|area>[_err]`` of every band."""
        record: dict[str, float | bool] = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "peaks"}
        for name, peak in self.peaks.items():
            record.update(peak.as_record(f"pl_{name}"))
        return record


def _locate_a(spectrum: Spectrum, keep: np.ndarray, width: np.ndarray) -> float | None:
    """Energy of the maximum within SEARCH_EV of the smoothed counts per pixel (where the dark offset is flat)."""
    inside = keep & (spectrum.shift >= SEARCH_EV[0]) & (spectrum.shift <= SEARCH_EV[1])
    if inside.sum() < _SMOOTH_PIXELS:
        return None
    smooth = median_filter(spectrum.counts[inside] * width[inside], size=_SMOOTH_PIXELS, mode="nearest")
    return float(spectrum.shift[inside][np.argmax(smooth)])


def _mev(bounds_ev: tuple[float, float], offset_ev: float = 0.0) -> tuple[float, float]:
    """``bounds_ev`` shifted by ``offset_ev``, in meV."""
    return 1e3 * (offset_ev + bounds_ev[0]), 1e3 * (offset_ev + bounds_ev[1])


def _fit_bands(x: np.ndarray, y: np.ndarray, guesses: list[PeakGuess], dark: np.ndarray) -> WindowFit:
    """Fit A and B, and with the indirect band (the last guess) when it lowers the Bayesian information
    criterion n·ln(RSS) + k·ln(n) (module docstring, step 3)."""
    excitons = fit_lorentzians(x, y, guesses[:-1], 2, [dark])
    layered = fit_lorentzians(x, y, guesses, 2, [dark])
    if not (excitons.ok and layered.ok):
        return layered if layered.ok else excitons
    # BIC(layered) < BIC(excitons) ⇔ rms ratio < n^(−Δk/2n), Δk = 3 parameters of the indirect band
    return layered if layered.noise < excitons.noise * x.size ** (-1.5 / x.size) else excitons


def fit_pl(spectrum: Spectrum, exposure_s: float = 1.0) -> PlFit:
    """Fit the A exciton (and B, indirect) of one PL spectrum from :func:`pl_spectrum` (module docstring).

    Raises ValueError for an exposure that is not finite and > 0 or a spectrum not covering SEARCH_EV.
    """
    if not (math.isfinite(exposure_s) and exposure_s > 0):
        raise ValueError(f"exposure_s must be a finite number of seconds > 0, got {exposure_s!r}")
    if not spectrum.covers(*SEARCH_EV):
        raise ValueError(
            f"a PL spectrum must cover {SEARCH_EV[0]:.2f}–{SEARCH_EV[1]:.2f} eV, "
            f"this one spans {spectrum.shift[0]:.2f}–{spectrum.shift[-1]:.2f} eV"
        )
    keep = ~spike_mask(spectrum.counts)
    width = pixel_width_ev(spectrum.shift)
    start = _locate_a(spectrum, keep, width)
    if start is None:
        return PlFit.without_pl(False, math.nan, {})
    low, high = max(start - BELOW_A_EV, SEARCH_EV[0]), min(start + ABOVE_A_EV, SEARCH_EV[1])
    inside = keep & (spectrum.shift >= low) & (spectrum.shift <= high)
    # fitted in meV and counts per meV, where centres, widths and heights are numbers of similar size
    start_mev = 1e3 * start
    guesses = [
        PeakGuess("A", start_mev, 50.0, _mev((-_A_CENTER_RANGE, _A_CENTER_RANGE), start), _mev(_A)),
        PeakGuess("B", start_mev + 200.0, 80.0, _mev(_B_ABOVE_A, start), _mev(_B_FWHM)),
        PeakGuess("indirect", start_mev - 300.0, 130.0, _mev((-_INDIRECT_BELOW_A[1], -_INDIRECT_BELOW_A[0]), start),
                  _mev(_INDIRECT_FWHM)),
    ]
    dark = 1.0 / width[inside]  # a constant count per pixel, in counts per eV
    fit = _fit_bands(1e3 * spectrum.shift[inside], 1e-3 * spectrum.counts[inside], guesses, dark / dark.mean())
    if not fit.ok:
        return PlFit.without_pl(False, fit.noise, fit.peaks)
    a, b = fit.peaks["A"], fit.peaks["B"]
    if a.height <= A_DETECTION_SIGMA * a.height_err or 1e-3 * a.center_err > A_ENERGY_SIGMA_EV:
        return PlFit.without_pl(True, fit.noise, fit.peaks)
    b_detected = b.height > B_DETECTION_SIGMA * b.height_err
    return PlFit(
        fitted=True,
        has_pl=True,
        a_ev=1e-3 * a.center,
        a_ev_err=1e-3 * a.center_err,
        fwhm_mev=a.fwhm,
        fwhm_mev_err=a.fwhm_err,
        intensity_cps=a.area / exposure_s,
        intensity_cps_err=a.area_err / exposure_s,
        b_ev=1e-3 * b.center if b_detected else math.nan,
        b_ev_err=1e-3 * b.center_err if b_detected else math.nan,
        noise=fit.noise,
        peaks=fit.peaks,
    )
