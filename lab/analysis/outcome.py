"""An experiment's outcome from its spectra: fit every spot, then the figures of merit and objective."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from lab.analysis.graphene import fit_graphene
from lab.analysis.objective import graphene_figures
from lab.analysis.pl import fit_pl, pl_spectrum
from lab.analysis.spectrum import Spectrum, raman_shift
from lab.analysis.tmd import check_composition, fit_tmd_raman
from lab.analysis.tmd_objective import tmd_figures


def _plain(figures: dict[str, Any]) -> dict[str, Any]:
    """``figures`` as plain JSON: NaN becomes None."""
    return {k: None if isinstance(v, float) and math.isnan(v) else v for k, v in figures.items()}


def _check_pairs(label: str, wavelengths_nm: Sequence[np.ndarray], counts: Sequence[np.ndarray]) -> None:
    """Raise ValueError unless there is at least one spectrum and one wavelength axis per spectrum."""
    if len(wavelengths_nm) != len(counts) or not counts:
        raise ValueError(f"need one {label} wavelength axis per spectrum, got {len(wavelengths_nm)} and {len(counts)}")


def _fit_each(label: str, wavelengths_nm: Sequence[np.ndarray], counts: Sequence[np.ndarray],
              fit: Callable[..., Any], extras: Sequence[tuple[Any, ...]] | None = None) -> list[Any]:
    """``fit(wavelengths, counts, *extra)`` of every spot (``extras``: one tuple per spot, default empty); a
    ValueError names the spot."""
    fits = []
    extras = [()] * len(counts) if extras is None else extras
    for spot, (w, c, extra) in enumerate(zip(wavelengths_nm, counts, extras, strict=True)):
        try:
            fits.append(fit(np.asarray(w, dtype=float), np.asarray(c, dtype=float), *extra))
        except ValueError as exc:
            raise ValueError(f"{label} spectrum of spot {spot}: {exc}") from exc
    return fits


def graphene_outcome(wavelengths_nm: Sequence[np.ndarray], counts: Sequence[np.ndarray],
                     laser_nm: float) -> dict[str, Any]:
    """Figures of merit and `quality` of a graphene sample from one spectrum per spot.

    `failed` is true when no spot could be fitted or no spot shows graphene (no usable sample); NaN
    figures become None so the outcome is plain JSON.
    """
    _check_pairs("Raman", wavelengths_nm, counts)
    fits = _fit_each("Raman", wavelengths_nm, counts, lambda w, c: fit_graphene(Spectrum(raman_shift(w, laser_nm), c)))
    figures = graphene_figures(fits).as_dict()
    figures["failed"] = bool(figures["failed"] or figures["coverage"] == 0)
    if figures["failed"]:
        figures["quality"] = 0.0
    return _plain(figures)


def tmd_outcome(
    raman_wavelengths_nm: Sequence[np.ndarray],
    raman_counts: Sequence[np.ndarray],
    pl_wavelengths_nm: Sequence[np.ndarray],
    pl_counts: Sequence[np.ndarray],
    *,
    laser_nm: float,
    exposure_s: float,
    x_w: float,
    y_se: float,
    substrate: str,
    target_ev: float | None = None,
    crossed_wavelengths_nm: Sequence[np.ndarray] | None = None,
    crossed_counts: Sequence[np.ndarray] | None = None,
) -> dict[str, Any]:
    """Figures of merit and `quality` of a Mo(1−x)W(x)S(2(1−y))Se(2y) sample from one Raman and one PL
    spectrum per spot (wavelengths in nm, counts per pixel, both acquired for ``exposure_s``), and optionally
    one Raman spectrum per spot through a crossed analyzer (``crossed_…``), fitted with the parallel one.

    ``x_w`` and ``y_se`` are the intended composition, which sets the modes fitted and the monolayer Δ₁ that
    layer numbers are told from (:mod:`lab.analysis.tmd`; a Mo/W sulfide alloy's W fraction is measured from
    its spectra instead); ``substrate`` is "SiO2/Si" or "sapphire".

    quality (to maximize, in [0, 1]) is the mean over the measured spots of q_i = M_i · W_i · G_i: 0 for a
    spot without film or PL, else monolayer-likeness M_i = σ((1 − (Δ_i − Δ₁))/0.25), Δ in cm⁻¹, times
    narrow-PL factor W_i = exp(−max(Γ_i − 30 meV, 0)/50 meV), Γ_i the A exciton FWHM, times, when
    ``target_ev`` is given, G_i = exp(−½((E_i − target_ev)/0.03 eV)²) with E_i the A exciton energy
    (:mod:`lab.analysis.tmd_objective`). It is 0 when the outcome `failed`.

    Returns plain JSON (NaN → None): `failed` (no spot measured or none shows the film), `unfit` (spots whose
    Raman or PL fit failed; left out), `quality`, `coverage`, `monolayer_coverage`, `layers` (median over
    film spots, 3 = three or more), `delta_cm1`, `pl_peak_ev`, `bandgap_ev` (A exciton of monolayer
    spots), `pl_fwhm_mev`, `film_x_w` (measured for Mo/W sulfide alloys, else ``x_w``; each with `_err`, a 1-σ
    standard error), `pl_intensity_cps`, `n_spots` (measured).
    Raises ValueError for unequal numbers of spectra or axes (crossed ones included), a spectrum with NaN or
    infinite values or whose axis and counts differ in length, a non-positive exposure or laser wavelength, a
    composition outside [0, 1], an unknown substrate, a non-positive target, or spectra not covering the fit
    windows.
    """
    _check_pairs("Raman", raman_wavelengths_nm, raman_counts)
    _check_pairs("PL", pl_wavelengths_nm, pl_counts)
    if len(raman_counts) != len(pl_counts):
        raise ValueError(f"need one PL spectrum per Raman spectrum, got {len(pl_counts)} and {len(raman_counts)}")
    if not (math.isfinite(exposure_s) and exposure_s > 0):
        raise ValueError(f"exposure_s must be a finite number of seconds > 0, got {exposure_s!r}")
    if target_ev is not None and not (math.isfinite(target_ev) and target_ev > 0):
        raise ValueError(f"target_ev must be a finite energy > 0 eV or None, got {target_ev!r}")
    check_composition(x_w, y_se, substrate)
    crossed: list[Spectrum | None] = [None] * len(raman_counts)
    if crossed_counts is not None or crossed_wavelengths_nm is not None:
        crossed_wavelengths_nm = [] if crossed_wavelengths_nm is None else crossed_wavelengths_nm
        crossed_counts = [] if crossed_counts is None else crossed_counts
        _check_pairs("crossed Raman", crossed_wavelengths_nm, crossed_counts)
        if len(crossed_counts) != len(raman_counts):
            raise ValueError(f"need one crossed Raman spectrum per Raman spectrum, got {len(crossed_counts)} and "
                             f"{len(raman_counts)}")
        crossed = _fit_each("crossed Raman", crossed_wavelengths_nm, crossed_counts,
                            lambda w, c: Spectrum(raman_shift(w, laser_nm), c))
    raman_fits = _fit_each("Raman", raman_wavelengths_nm, raman_counts, lambda w, c, perpendicular: fit_tmd_raman(
        Spectrum(raman_shift(w, laser_nm), c), x_w, y_se, substrate, crossed=perpendicular),
        [(spectrum,) for spectrum in crossed])
    pl_fits = _fit_each("PL", pl_wavelengths_nm, pl_counts, lambda w, c: fit_pl(pl_spectrum(w, c), exposure_s))
    return _plain(tmd_figures(raman_fits, pl_fits, target_ev).as_dict())
