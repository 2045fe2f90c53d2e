"""Lorentzian bands plus a polynomial background fitted to many spectra at once (the pixels of a map).

:func:`fit_lorentzians_batch` is :func:`lab.analysis.peaks.fit_lorentzians` for a stack of spectra that share one
axis: the same model (one Lorentzian per guess on a background polynomial), the same start values (taken band
by band from each spectrum's data), the same bounds (centre and FWHM within the guess's, height ≥ 0) and the same
HC3 uncertainties, each spectrum with its own points left out (a ``keep`` mask, e.g. cosmic-ray pixels). The
least-squares problem of every spectrum is solved by a bounded Levenberg–Marquardt iteration over the whole
stack in numpy (analytic Jacobian, one damping factor per spectrum, parameters at a bound with the gradient
pointing out held there, iterates kept strictly inside the bounds), iterated until the gradient vanishes
(:data:`_GTOL`) or the cost stops falling (:data:`_FTOL`): the optimum ``least_squares`` approaches (closer than
its default stop), without a Python call per spectrum and iteration. A band at noise level has many local optima;
there the two may settle in different ones, as often with the lower residual as with the higher.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from lab.analysis.peaks import PeakFit, PeakGuess, WindowFit, _band_values, _covariance

_GTOL = 1e-7  # a spectrum is done when every free parameter's Jacobian column is this close to orthogonal to the
# residual (its cosine): the parameters are then within ~1e-5 of their uncertainties of the optimum
_MAX_ITERATIONS = 100  # reached only when a band is at noise level, its centre and width then undetermined
_FTOL = 1e-6  # or when an accepted step lowered the cost by less than this fraction of it: the
# parameters are then within ~0.02 of their uncertainties of the optimum (the change in cost is their squared
# distance in uncertainties over the number of points, a few hundred); least_squares stops at 1e-4 (~0.2)
_REACH = 0.5  # no step moves a band's centre or changes its FWHM by more than this × its FWHM: weak bands
# then look for their optimum near where they started, as scipy's trust region makes them, not at a bound
_INTERIOR = 0.995  # a step that would cross a bound goes this fraction of the way to it (iterates stay inside)
_AT_BOUND = 1e-10  # relative distance from a bound at which a parameter counts as on it
_LAMBDA = (1e-1, 1e-12, 1e10)  # damping: start, least, and most (beyond it no step lowers the cost: done)
_BLOCK = 128  # spectra fitted together: a block's arrays stay in the processor's cache (a graphene spectrum took
# 1.7 ms in blocks of 128, 2.3 ms in blocks of 600 and 4.1 ms in blocks of 1200)
_EDGE_POINTS = 5  # the background starts at the lower of the means of this many points at either end


@dataclass(frozen=True)
class BatchFit:
    """The bands of ``guesses`` fitted to every spectrum of a stack (row ``i`` of each array: spectrum ``i``).

    ``params`` are, per spectrum, the background coefficients then each band's centre, FWHM and height;
    ``cov`` their HC3 covariance; ``bands`` what :class:`lab.analysis.peaks.PeakFit` says of each band;
    ``noise`` the rms residual over the points kept; ``ok`` false where the fit failed (too few points,
    non-finite values, a singular system), its values then NaN.
    """

    guesses: tuple[PeakGuess, ...]
    params: np.ndarray
    cov: np.ndarray
    noise: np.ndarray
    ok: np.ndarray
    n_background: int
    bands: dict[str, np.ndarray]  # band name → (spectra × 8): centre, FWHM, height, area and their uncertainties

    def _index(self, name: str) -> int:
        return self.n_background + 3 * [g.name for g in self.guesses].index(name)

    def heights(self, name: str) -> np.ndarray:
        """The fitted height of band ``name`` in every spectrum."""
        return self.params[:, self._index(name) + 2]

    def window_fit(self, row: int) -> WindowFit:
        """Spectrum ``row``'s result as :func:`lab.analysis.peaks.fit_lorentzians` gives it."""
        if not self.ok[row]:
            return WindowFit({g.name: PeakFit.unfit(g.name) for g in self.guesses}, math.nan, ok=False)
        peaks = {name: PeakFit(name, *values[row].tolist()) for name, values in self.bands.items()}
        return WindowFit(peaks, float(self.noise[row]), ok=True)


def _basis(x: np.ndarray, order: int) -> np.ndarray:
    """The background polynomial's columns on ``x`` (scaled to −1…1, as :func:`lab.analysis.peaks.fit_shared`)."""
    return np.polynomial.polynomial.polyvander(np.interp(x, (x[0], x[-1]), (-1.0, 1.0)), order)


def _bands(x: np.ndarray, params: np.ndarray, n_background: int) -> tuple[np.ndarray, ...]:
    """Per band: ``u`` = 2(x − centre)/FWHM and the unit-height shape 1/(1 + u²), each (spectra × points)."""
    out = []
    for k in range(n_background, params.shape[1], 3):
        u = 2.0 * (x - params[:, k, None]) / params[:, k + 1, None]
        out.append((u, 1.0 / (1.0 + u * u)))
    return tuple(out)


def _residuals(x, y, weight, basis, params, n_background) -> np.ndarray:
    model = params[:, :n_background] @ basis.T
    for j, (_, shape) in enumerate(_bands(x, params, n_background)):
        model += params[:, n_background + 3 * j + 2, None] * shape
    return (model - y) * weight


def _jacobian(x, weight, basis, params, n_background) -> np.ndarray:
    """∂(weighted residual)/∂params, (spectra × parameters × points: each parameter's column contiguous)."""
    jac = np.empty((weight.shape[0], params.shape[1], weight.shape[1]))
    jac[:, :n_background] = basis.T * weight[:, None, :]
    for j, (u, shape) in enumerate(_bands(x, params, n_background)):
        k = n_background + 3 * j
        weighted = shape * weight
        slope = (2.0 * params[:, k + 2, None] / params[:, k + 1, None]) * u * shape * weighted  # −∂model/∂u / FWHM
        jac[:, k] = 2.0 * slope
        jac[:, k + 1] = slope * u
        jac[:, k + 2] = weighted
    return jac


def _starts(x, y, keep, guesses, n_background) -> np.ndarray:
    """Start parameters of every spectrum, as :func:`lab.analysis.peaks.fit_shared` takes them for one: the
    background at the lower end level, then band by band (in the order of ``guesses``) the centre at the
    highest kept point within the centre bounds of the data less the bands before, its height there."""
    n = y.shape[0]
    rank = np.cumsum(keep, axis=1)
    first = keep & (rank <= _EDGE_POINTS)
    last = keep & (rank > rank[:, -1:] - _EDGE_POINTS)
    edge = np.minimum(*((y * ends).sum(axis=1) / ends.sum(axis=1) for ends in (first, last)))
    start = np.zeros((n, n_background + 3 * len(guesses)))
    start[:, 0] = edge
    remainder = y - edge[:, None]
    rows = np.arange(n)
    for j, guess in enumerate(guesses):
        inside = keep & (x >= guess.center_bounds[0]) & (x <= guess.center_bounds[1])
        best = np.argmax(np.where(inside, remainder, -np.inf), axis=1)
        center, height = x[best], remainder[rows, best]
        for row in np.flatnonzero(~inside.any(axis=1)):  # no kept point in the bounds: the guess's centre
            center[row] = guess.center
            height[row] = np.interp(guess.center, x[keep[row]], remainder[row, keep[row]])
        height = np.maximum(height, 0.0)
        start[:, n_background + 3 * j : n_background + 3 * j + 3] = np.column_stack(
            [center, np.full(n, guess.fwhm), height])
        remainder = remainder - height[:, None] / (1.0 + (2.0 * (x - center[:, None]) / guess.fwhm) ** 2)
    return start


def _step(jac: np.ndarray, res: np.ndarray, params, lower, upper, damping) -> tuple[np.ndarray, np.ndarray]:
    """The damped Gauss–Newton step of every spectrum (parameters at a bound with the descent pointing out held
    there), and whether the spectrum is at its optimum: every free parameter's Jacobian column at most
    :data:`_GTOL` from orthogonal to the residual."""
    normal = jac @ jac.transpose(0, 2, 1)
    gradient = (jac @ res[:, :, None])[:, :, 0]
    margin = _AT_BOUND * np.maximum(np.abs(params), 1.0)
    held = ((params - lower <= margin) & (gradient > 0)) | ((upper - params <= margin) & (gradient < 0))
    diagonal = np.arange(params.shape[1])
    scale = np.sqrt(normal[:, diagonal, diagonal])
    scale = np.where((scale > 0) & ~held, scale, 1.0)
    cosine = np.abs(np.where(held, 0.0, gradient)) / scale
    optimal = cosine.max(axis=1) <= _GTOL * np.sqrt(np.einsum("nm,nm->n", res, res))
    scaled = normal / scale[:, :, None] / scale[:, None, :]
    scaled[held[:, :, None] | held[:, None, :]] = 0.0
    scaled[:, diagonal, diagonal] += damping[:, None] + held  # a held parameter's row: 1·step = 0
    rhs = np.where(held, 0.0, -gradient / scale)
    return np.linalg.solve(scaled, rhs[:, :, None])[:, :, 0] / scale, optimal


def _limited(step: np.ndarray, params: np.ndarray, n_background: int) -> np.ndarray:
    """``step`` with each band's centre and FWHM steps shortened where they would move its centre or change its
    FWHM by more than :data:`_REACH` of its FWHM (band by band: a weak band's long step does not hold the others
    back)."""
    fwhm = params[:, n_background + 1 :: 3]
    reach = np.maximum(np.abs(step[:, n_background::3]), np.abs(step[:, n_background + 1 :: 3])) / fwhm
    factor = np.minimum(1.0, _REACH / np.maximum(reach, 1e-300))
    step = step.copy()
    step[:, n_background::3] *= factor
    step[:, n_background + 1 :: 3] *= factor
    return step


def _inside(params: np.ndarray, step: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    """``params + step``, each parameter that would cross its bound taken :data:`_INTERIOR` of the way to it
    instead (as scipy's trust-region reflective method keeps its iterates strictly feasible: a band whose height
    reached 0 could no longer move to where it fits)."""
    trial = params + step
    trial = np.where(trial < lower, params + _INTERIOR * (lower - params), trial)
    return np.where(trial > upper, params + _INTERIOR * (upper - params), trial)


def fit_lorentzians_batch(
    x: np.ndarray,
    y: np.ndarray,
    guesses: Sequence[PeakGuess],
    keep: np.ndarray | None = None,
    background_order: int = 2,
) -> BatchFit:
    """Fit one Lorentzian per guess + a polynomial background of ``background_order`` to every row of ``y``
    (spectra × points, on the increasing axis ``x``), each over its points where ``keep`` (default all).

    Row by row this is :func:`lab.analysis.peaks.fit_lorentzians` of the kept points (module docstring). A row
    with too few kept points or non-finite values is not fitted (``ok`` false); after
    :data:`_MAX_ITERATIONS` steps the current parameters are kept.
    """
    x = np.asarray(x, dtype=float)
    y = np.atleast_2d(np.asarray(y, dtype=float))
    keep = np.ones(y.shape, dtype=bool) if keep is None else np.asarray(keep, dtype=bool)
    guesses = tuple(guesses)
    n_background = background_order + 1
    n_params = n_background + 3 * len(guesses)
    n = y.shape[0]
    ok = (keep.sum(axis=1) > n_params) & np.all(np.isfinite(np.where(keep, y, 0.0)), axis=1)
    ok &= bool(np.all(np.isfinite(x)))
    params = np.full((n, n_params), np.nan)
    cov = np.full((n, n_params, n_params), np.nan)
    noise = np.full(n, np.nan)
    fitted = np.flatnonzero(ok)
    if not fitted.size:
        return _result(guesses, params, cov, noise, ok, n_background)
    basis = _basis(x, background_order)
    lower = np.full(n_params, -np.inf)
    upper = np.full(n_params, np.inf)
    for j, guess in enumerate(guesses):
        k = n_background + 3 * j
        lower[k : k + 3] = guess.center_bounds[0], guess.fwhm_bounds[0], 0.0
        upper[k : k + 3] = guess.center_bounds[1], guess.fwhm_bounds[1], np.inf
    for block in (fitted[i : i + _BLOCK] for i in range(0, fitted.size, _BLOCK)):
        y_fit, keep_fit = np.where(keep[block], y[block], 0.0), keep[block]
        weight = keep_fit.astype(float)
        try:
            p = _optimise(x, y_fit, weight, basis, _starts(x, y_fit, keep_fit, guesses, n_background), lower, upper)
            res = _residuals(x, y_fit, weight, basis, p, n_background)
            cov[block] = _covariance(_jacobian(x, weight, basis, p, n_background).transpose(0, 2, 1), res)
        except np.linalg.LinAlgError:  # a singular system (not met in practice): the block's spectra are unfit
            ok[block] = False
            continue
        params[block] = p
        noise[block] = np.sqrt((res * res).sum(axis=1) / weight.sum(axis=1))
        ok[block] = np.all(np.isfinite(p), axis=1)
    params[~ok], cov[~ok], noise[~ok] = np.nan, np.nan, np.nan
    return _result(guesses, params, cov, noise, ok, n_background)


def _result(guesses, params, cov, noise, ok, n_background) -> BatchFit:
    bands = {g.name: _band_values(params, cov, n_background + 3 * j, 0) for j, g in enumerate(guesses)}
    return BatchFit(guesses, params, cov, noise, ok, n_background, bands)


def _optimise(x, y, weight, basis, params, lower, upper) -> np.ndarray:
    """Bounded Levenberg–Marquardt from ``params`` (spectra × parameters) for every spectrum (module docstring)."""
    n_background = basis.shape[1]
    params = np.clip(params, lower, upper)
    res = _residuals(x, y, weight, basis, params, n_background)
    cost = (res * res).sum(axis=1)
    damping = np.full(params.shape[0], _LAMBDA[0])
    active = np.arange(params.shape[0])
    jac = _jacobian(x, weight, basis, params, n_background)
    for _ in range(_MAX_ITERATIONS):
        step, optimal = _step(jac, res, params[active], lower, upper, damping[active])
        trial = _inside(params[active], _limited(step, params[active], n_background), lower, upper)
        trial_res = _residuals(x, y[active], weight[active], basis, trial, n_background)
        trial_cost = (trial_res * trial_res).sum(axis=1)
        now, lam = cost[active], damping[active]
        better = (trial_cost < now) & ~optimal
        done = optimal | (better & (now - trial_cost <= _FTOL * now)) | (lam > _LAMBDA[2])
        moved = active[better]
        params[moved], cost[moved] = trial[better], trial_cost[better]
        res[better] = trial_res[better]
        damping[active] = np.where(better, np.maximum(lam / 10.0, _LAMBDA[1]), lam * 10.0)
        if better.any():
            jac[better] = _jacobian(x, weight[moved], basis, params[moved], n_background)
        active, res, jac = active[~done], res[~done], jac[~done]
        if not active.size:
            break
    return params
