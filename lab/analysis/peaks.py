"""Least-squares fitting of Lorentzian bands (plus a polynomial background) in a window of a spectrum.

The fit is unweighted (``scipy.optimize.least_squares``, trust-region reflective with bounds and an analytic
Jacobian). Uncertainties are 1-σ from a covariance that holds when the noise varies from point to point, as
shot noise does (larger on a band than beside it): the HC3 "sandwich" estimate. On simulated spectra the
errors of heights, widths and ratios divided by these uncertainties have a spread of 1.0–1.2.
A fit that fails gives "unfit" results (``ok`` false, NaN values) instead of raising.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import least_squares
from threadpoolctl import ThreadpoolController

_HALF_PI = math.pi / 2.0
_FTOL = 1e-4  # relative cost decrease to stop at: parameters end within ~0.2 σ of the optimum
_XTOL = 1e-10
_RCOND = 1e-9  # singular values of the Jacobian below this fraction of the largest count as zero
_MAX_NFEV = 100  # reached only when a band is at noise level, its centre and width then being undetermined
_BLAS = ThreadpoolController()  # made after importing scipy, so that it also limits scipy's BLAS


@dataclass(frozen=True)
class PeakGuess:
    """Where to look for a band: start values and bounds of its centre and FWHM (cm⁻¹)."""

    name: str
    center: float
    fwhm: float
    center_bounds: tuple[float, float]
    fwhm_bounds: tuple[float, float]


@dataclass(frozen=True)
class PeakFit:
    """A fitted Lorentzian band with 1-σ uncertainties; ``area`` = π/2·height·FWHM.

    ``ok`` is false (and every value NaN) when the fit failed.
    """

    name: str
    center: float
    fwhm: float
    height: float
    area: float
    center_err: float
    fwhm_err: float
    height_err: float
    area_err: float
    ok: bool = True

    @classmethod
    def unfit(cls, name: str) -> PeakFit:
        """The result for a band whose fit failed."""
        nan = math.nan
        return cls(name, nan, nan, nan, nan, nan, nan, nan, nan, ok=False)

    def as_record(self, prefix: str) -> dict[str, float]:
        """``<prefix>_<center|fwhm|height|area>`` and their ``..._err`` as a flat record."""
        record = {}
        for attr in ("center", "fwhm", "height", "area"):
            record[f"{prefix}_{attr}"] = getattr(self, attr)
            record[f"{prefix}_{attr}_err"] = getattr(self, f"{attr}_err")
        return record


@dataclass(frozen=True)
class WindowFit:
    """The bands fitted in one window and the rms of the fit residual (the noise level there)."""

    peaks: dict[str, PeakFit]
    noise: float
    ok: bool


def lorentzian(x: np.ndarray, center: float, fwhm: float, height: float) -> np.ndarray:
    """Lorentzian of ``height`` at ``center`` with full width at half maximum ``fwhm``."""
    u = 2.0 * (x - center) / fwhm
    return height / (1.0 + u * u)


def _model(x: np.ndarray, n_peaks: int, basis: np.ndarray):
    """Model and Jacobian on ``x``: ``n_peaks`` Lorentzians + a linear combination of the ``basis`` columns.

    Both are functions of the parameters ``p``: the coefficients of the basis columns, then centre, FWHM and
    height of every band.
    """
    n_background = basis.shape[1]
    bands = range(n_background, n_background + 3 * n_peaks, 3)

    def model(p: np.ndarray) -> np.ndarray:
        y = basis @ p[:n_background]
        for k in bands:
            y = y + lorentzian(x, *p[k : k + 3])
        return y

    def jacobian(p: np.ndarray) -> np.ndarray:
        jac = np.empty((x.size, p.size))
        jac[:, :n_background] = basis
        for k in bands:
            center, fwhm, height = p[k : k + 3]
            u = 2.0 * (x - center) / fwhm
            shape = 1.0 / (1.0 + u * u)
            d_u = -2.0 * height * u * shape * shape  # d(model)/du
            jac[:, k] = d_u * (-2.0 / fwhm)
            jac[:, k + 1] = d_u * (-u / fwhm)
            jac[:, k + 2] = shape
        return jac

    return model, jacobian


def _covariance(jac: np.ndarray, residuals: np.ndarray) -> np.ndarray:
    """HC3 covariance (J^T J)^-1 J^T diag(r_i²/(1 − h_i)²) J (J^T J)^-1 of a least-squares fit, by SVD.

    ``h_i`` is the leverage of point i. Parameters along a direction the data do not determine (e.g. the
    centre of a band fitted with zero height) get an infinite variance.
    """
    u, singular, vt = np.linalg.svd(jac, full_matrices=False)
    determined = singular > _RCOND * singular[0]
    u, vt_det = u[:, determined], vt[determined]
    leverage = np.einsum("ij,ij->i", u, u)
    scaled_u = u * (residuals / np.maximum(1.0 - leverage, 1e-9))[:, None]
    inverse_s = 1.0 / singular[determined]
    cov = vt_det.T @ (inverse_s[:, None] * (scaled_u.T @ scaled_u) * inverse_s) @ vt_det
    undetermined = np.any(np.abs(vt[~determined]) > 1e-6, axis=0)
    cov[undetermined, :] = np.inf
    cov[:, undetermined] = np.inf
    return cov


def _start_values(x: np.ndarray, y: np.ndarray, guess: PeakGuess) -> tuple[float, float, float]:
    """Start centre at the highest point of ``y`` within the centre bounds, start height ``y`` there."""
    inside = (x >= guess.center_bounds[0]) & (x <= guess.center_bounds[1])
    if not inside.any():
        return guess.center, guess.fwhm, 0.0
    best = np.argmax(np.where(inside, y, -np.inf))
    return float(x[best]), guess.fwhm, max(float(y[best]), 0.0)


def fit_lorentzians(
    x: np.ndarray,
    y: np.ndarray,
    guesses: Sequence[PeakGuess],
    background_order: int = 2,
    templates: Sequence[np.ndarray] = (),
) -> WindowFit:
    """Fit one Lorentzian per guess + a polynomial background of ``background_order`` to a window's points.

    ``templates`` are further background shapes known except for their scale (e.g. a substrate's bands,
    sampled on ``x``), each fitted with a free coefficient. ``x`` must be increasing. Heights are ≥ 0,
    centres and FWHMs within the guess bounds. Start values are taken band by band in the order of
    ``guesses`` (strongest first works best), each from the data minus the bands before it. After
    ``_MAX_NFEV`` evaluations the current parameters are kept. Returns unfit results if there are too few
    points, non-finite values or the optimiser fails.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    n_background = background_order + 1 + len(templates)
    n_params = n_background + 3 * len(guesses)
    unfit = WindowFit({g.name: PeakFit.unfit(g.name) for g in guesses}, math.nan, ok=False)
    if x.size <= n_params or not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
        return unfit
    polynomial = np.polynomial.polynomial.polyvander(np.interp(x, (x[0], x[-1]), (-1.0, 1.0)), background_order)
    model, jacobian = _model(x, len(guesses), np.column_stack([polynomial, *templates]))
    edge = min(y[:5].mean(), y[-5:].mean())
    start = [edge] + [0.0] * (n_background - 1)
    lower, upper = [-np.inf] * n_background, [np.inf] * n_background
    remainder = y - edge
    for guess in guesses:
        center, fwhm, height = _start_values(x, remainder, guess)
        remainder = remainder - lorentzian(x, center, fwhm, height)
        start += [center, fwhm, height]
        lower += [guess.center_bounds[0], guess.fwhm_bounds[0], 0.0]
        upper += [guess.center_bounds[1], guess.fwhm_bounds[1], np.inf]
    try:
        with _BLAS.limit(limits=1, user_api="blas"):  # matrices this small only lose time to threading
            result = least_squares(
                lambda p: model(p) - y,
                start,
                jac=jacobian,
                bounds=(lower, upper),
                x_scale="jac",
                ftol=_FTOL,
                xtol=_XTOL,
                max_nfev=_MAX_NFEV,
            )
            params = result.x
            if result.status < 0 or not np.all(np.isfinite(params)):
                return unfit
            cov = _covariance(result.jac, result.fun)
    except (ValueError, np.linalg.LinAlgError):
        return unfit
    noise = float(np.sqrt(np.mean(result.fun**2)))
    peaks = {}
    for i, guess in enumerate(guesses):
        k = n_background + 3 * i
        center, fwhm, height = params[k : k + 3]
        var = np.diag(cov)[k : k + 3]
        area_var = _HALF_PI**2 * (
            fwhm**2 * var[2] + height**2 * var[1] + 2.0 * height * fwhm * cov[k + 1, k + 2]
        )
        peaks[guess.name] = PeakFit(
            guess.name,
            float(center),
            float(fwhm),
            float(height),
            float(_HALF_PI * height * fwhm),
            *(float(math.sqrt(v)) if v >= 0 else math.inf for v in (*var, area_var)),
        )
    return WindowFit(peaks, noise, ok=True)
