"""Least-squares fitting of Lorentzian bands (plus a polynomial background) in a window of a spectrum.

The fit is unweighted (``scipy.optimize.least_squares``, trust-region reflective with bounds and an analytic
Jacobian). Uncertainties are 1-σ from a covariance that holds when the noise varies from point to point, as
shot noise does (larger on a band than beside it): the HC3 "sandwich" estimate. On simulated spectra the
errors of heights, widths and ratios divided by these uncertainties have a spread of 1.0–1.2.
A fit that fails gives "unfit" results (``ok`` false, NaN values) instead of raising. :func:`fit_shared` fits
several spectra of one spot together (e.g. two analyzer settings), each band with one centre and width.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
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
    ratio_bounds: tuple[float, float] = (0.0, math.inf)  # height in a further spectrum / in the first (fit_shared)


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


def _model(x: np.ndarray, n_peaks: int, basis: np.ndarray, segment: np.ndarray, n_segments: int):
    """Model and Jacobian on ``x``: ``n_peaks`` Lorentzians + a linear combination of the ``basis`` columns.

    Both are functions of the parameters ``p``: the coefficients of the basis columns, then of every band its
    centre, FWHM, height in segment 0 and height ratio to that in every further segment (``segment`` gives the
    segment of each point of ``x``).
    """
    n_background = basis.shape[1]
    stride = 2 + n_segments
    bands = range(n_background, n_background + stride * n_peaks, stride)
    onehot = (segment[:, None] == np.arange(n_segments)).astype(float)

    def multiplier(p: np.ndarray, k: int) -> np.ndarray:
        return onehot @ np.concatenate(([1.0], p[k + 3 : k + stride]))

    def model(p: np.ndarray) -> np.ndarray:
        y = basis @ p[:n_background]
        for k in bands:
            y = y + lorentzian(x, p[k], p[k + 1], p[k + 2] * multiplier(p, k))
        return y

    def jacobian(p: np.ndarray) -> np.ndarray:
        jac = np.empty((x.size, p.size))
        jac[:, :n_background] = basis
        for k in bands:
            center, fwhm, scale = p[k], p[k + 1], multiplier(p, k)
            u = 2.0 * (x - center) / fwhm
            shape = 1.0 / (1.0 + u * u)
            d_u = -2.0 * p[k + 2] * scale * u * shape * shape  # d(model)/du
            jac[:, k] = d_u * (-2.0 / fwhm)
            jac[:, k + 1] = d_u * (-u / fwhm)
            jac[:, k + 2] = shape * scale
            jac[:, k + 3 : k + stride] = onehot[:, 1:] * (p[k + 2] * shape)[:, None]
        return jac

    return model, jacobian


def _covariance(jac: np.ndarray, residuals: np.ndarray) -> np.ndarray:
    """HC3 covariance (J^T J)^-1 J^T diag(r_i²/(1 − h_i)²) J (J^T J)^-1 of a least-squares fit, by SVD; of one
    fit (``jac`` points × parameters) or of a stack of them (leading axes of ``jac`` and ``residuals``).

    ``h_i`` is the leverage of point i. Parameters along a direction the data do not determine (e.g. the
    centre of a band fitted with zero height) get an infinite variance.
    """
    u, singular, vt = np.linalg.svd(jac, full_matrices=False)
    determined = singular > _RCOND * singular[..., :1]
    u = u * determined[..., None, :]
    leverage = np.einsum("...ij,...ij->...i", u, u)
    scaled_u = u * (residuals / np.maximum(1.0 - leverage, 1e-9))[..., None]
    inverse_s = np.where(determined, 1.0 / np.where(determined, singular, 1.0), 0.0)
    middle = inverse_s[..., :, None] * (np.swapaxes(scaled_u, -1, -2) @ scaled_u) * inverse_s[..., None, :]
    cov = np.swapaxes(vt, -1, -2) @ middle @ vt
    undetermined = np.any((np.abs(vt) > 1e-6) & ~determined[..., :, None], axis=-2)
    return np.where(undetermined[..., :, None] | undetermined[..., None, :], np.inf, cov)


@dataclass(frozen=True)
class Segment:
    """One spectrum's points in a window (``x`` increasing) and its background shapes known but for their scale."""

    x: np.ndarray
    y: np.ndarray
    templates: Sequence[np.ndarray] = ()


def _start_values(x: np.ndarray, y: np.ndarray, guess: PeakGuess) -> tuple[float, float, float]:
    """Start centre at the highest point of ``y`` within the centre bounds, start height ``y`` there."""
    inside = (x >= guess.center_bounds[0]) & (x <= guess.center_bounds[1])
    if not inside.any():
        return guess.center, guess.fwhm, 0.0
    best = np.argmax(np.where(inside, y, -np.inf))
    return float(x[best]), guess.fwhm, max(float(y[best]), 0.0)


def _background_basis(segments: Sequence[Segment], order: int) -> np.ndarray:
    """Block-diagonal background columns: per segment a polynomial of ``order`` on it and its templates."""
    blocks = []
    for segment in segments:
        scaled = np.interp(segment.x, (segment.x[0], segment.x[-1]), (-1.0, 1.0))
        blocks.append(np.column_stack([np.polynomial.polynomial.polyvander(scaled, order), *segment.templates]))
    basis = np.zeros((sum(b.shape[0] for b in blocks), sum(b.shape[1] for b in blocks)))
    row = col = 0
    for block in blocks:
        basis[row : row + block.shape[0], col : col + block.shape[1]] = block
        row, col = row + block.shape[0], col + block.shape[1]
    return basis


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
    return fit_shared([Segment(np.asarray(x, dtype=float), np.asarray(y, dtype=float), templates)], guesses,
                      background_order)[0]


def _variance(gradient: np.ndarray, cov: np.ndarray) -> np.ndarray:
    """gᵀ C g over the parameters ``gradient`` depends on (an undetermined one makes it infinite); of one fit or of
    a stack of them (leading axes)."""
    outer = gradient[..., :, None] * gradient[..., None, :]
    return (np.where(outer != 0, cov, 0.0) * outer).sum(axis=(-2, -1))


def _band_values(params: np.ndarray, cov: np.ndarray, k: int, segment: int) -> np.ndarray:
    """Centre, FWHM, height, area and their 1-σ uncertainties (the last axis) of the band whose parameters start at
    index ``k`` (see :func:`_model`), in ``segment``; of one fit or of a stack of them (leading axes)."""
    center, fwhm, first = params[..., k], params[..., k + 1], params[..., k + 2]
    ratio = 1.0 if segment == 0 else params[..., k + 2 + segment]
    height = first * ratio
    d_height = np.zeros(params.shape)  # ∂height/∂p
    d_height[..., k + 2] = ratio
    if segment:
        d_height[..., k + 2 + segment] = first
    d_area = _HALF_PI * fwhm[..., None] * d_height  # area = π/2·FWHM·height
    d_area[..., k + 1] = _HALF_PI * height
    var = np.stack([cov[..., k, k], cov[..., k + 1, k + 1], _variance(d_height, cov), _variance(d_area, cov)], -1)
    errors = np.where(var >= 0, np.sqrt(np.where(var >= 0, var, 0.0)), np.inf)
    return np.concatenate([np.stack([center, fwhm, height, _HALF_PI * height * fwhm], -1), errors], -1)


def _band(name: str, params: np.ndarray, cov: np.ndarray, k: int, segment: int) -> PeakFit:
    """Band ``name`` (parameters from index ``k``, see :func:`_model`) in ``segment``, with its uncertainties."""
    return PeakFit(name, *(float(v) for v in _band_values(params, cov, k, segment)))


def fit_shared(
    segments: Sequence[Segment],
    guesses: Sequence[PeakGuess],
    background_order: int = 2,
    starts: Mapping[str, tuple[float, float]] | None = None,
) -> list[WindowFit]:
    """Fit the same bands to several spectra of one spot (e.g. two polarizations): one centre and FWHM per
    band shared by all, its height in the first spectrum and its height ratio to that in every further one
    (within the guess's ``ratio_bounds``, e.g. a selection rule), and per spectrum its own background (as in
    :func:`fit_lorentzians`, which is this for one segment). Returns one :class:`WindowFit` per segment.

    ``starts`` gives start centre and FWHM of bands by name (clipped into the guess bounds); those bands are
    taken out of the data first, the others then start as in :func:`fit_lorentzians`, on the first segment.
    Start heights are each segment's data, less the bands already started, at the start centre. Uncertainties
    come from the joint covariance, so the information every spectrum carries about a shared centre (and its
    correlations) is counted once.
    """
    segments = [Segment(np.asarray(s.x, dtype=float), np.asarray(s.y, dtype=float), s.templates) for s in segments]
    starts = starts or {}
    n_segments = len(segments)
    x = np.concatenate([s.x for s in segments])
    y = np.concatenate([s.y for s in segments])
    which = np.concatenate([np.full(s.x.size, i) for i, s in enumerate(segments)])
    n_background = n_segments * (background_order + 1) + sum(len(s.templates) for s in segments)
    stride = 2 + n_segments
    unfit = [WindowFit({g.name: PeakFit.unfit(g.name) for g in guesses}, math.nan, ok=False)] * n_segments
    if x.size <= n_background + stride * len(guesses) or not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
        return unfit
    model, jacobian = _model(x, len(guesses), _background_basis(segments, background_order), which, n_segments)
    start, remainders = [], []
    for s in segments:
        edge = min(s.y[:5].mean(), s.y[-5:].mean())
        start += [edge] + [0.0] * (background_order + len(s.templates))
        remainders.append(s.y - edge)
    lower, upper = [-np.inf] * n_background, [np.inf] * n_background
    band_starts = {}
    for guess in sorted(guesses, key=lambda g: g.name not in starts):  # the given starts first
        if guess.name in starts:
            center, fwhm = (float(np.clip(v, *b)) for v, b in zip(starts[guess.name], (guess.center_bounds,
                                                                                    guess.fwhm_bounds), strict=True))
        else:
            center, fwhm, _ = _start_values(segments[0].x, remainders[0], guess)
        heights = [max(float(np.interp(center, s.x, r)), 0.0) for s, r in zip(segments, remainders, strict=True)]
        ratios = [float(np.clip(h / heights[0] if heights[0] > 0 else 1.0, *guess.ratio_bounds)) for h in heights[1:]]
        for i, s in enumerate(segments):
            remainders[i] = remainders[i] - lorentzian(s.x, center, fwhm, heights[0] * ([1.0, *ratios])[i])
        band_starts[guess.name] = [center, fwhm, heights[0], *ratios]
    for guess in guesses:
        start += band_starts[guess.name]
        lower += [guess.center_bounds[0], guess.fwhm_bounds[0], 0.0] + [guess.ratio_bounds[0]] * (n_segments - 1)
        upper += [guess.center_bounds[1], guess.fwhm_bounds[1], np.inf] + [guess.ratio_bounds[1]] * (n_segments - 1)
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
    fits = []
    for seg in range(n_segments):
        peaks = {g.name: _band(g.name, params, cov, n_background + stride * i, seg) for i, g in enumerate(guesses)}
        fits.append(WindowFit(peaks, float(np.sqrt(np.mean(result.fun[which == seg] ** 2))), ok=True))
    return fits
