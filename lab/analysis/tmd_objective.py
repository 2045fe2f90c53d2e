"""The campaign objective of a TMD sample from the Raman and PL fits of its spots, and its figures of merit.

``quality = mean over the N measured spots of q_i``, where ``q_i = 0`` for a spot without a film (no A1g in
its Raman spectrum) or without detected PL, and otherwise

    q_i = M_i · W_i · G_i,
    M_i = σ((1.0 cm⁻¹ − ε_i) / 0.25 cm⁻¹)                monolayer-likeness, ε_i = Δ_i − Δ₁(x, y)
    W_i = exp(−max(Γ_i − 30 meV, 0) / 50 meV)           narrow PL, Γ_i the A exciton FWHM
    G_i = exp(−½ ((E_i − E_target) / 0.03 eV)²)         band gap on target (1 when no target is given)

with σ the logistic function, Δ_i = A1g − E¹2g and E_i the A exciton energy of the spot. M is ≈ 0.9 at the
top of the monolayer range of Δ (ε = 0.5) and ≈ 0.1 at the bottom of the bilayer range (ε = 1.5); W is 1
for the narrowest linewidths (WS2 ≈ 30 meV), 0.85 for the best MoS2 (38 meV) and 0.55 at 60 meV.
quality ∈ [0, 1]; 1 means every spot is a narrow-line monolayer at the target gap.

A spot whose Raman or PL spectrum could not be fitted was not measured: it is left out of N and counted in
``unfit``. The outcome has *failed* (no usable sample) when no spot was measured or none shows the film.
Sample figures are means over the spots they concern with their standard errors: the larger of the spread
between spots and the spots' own fit uncertainties, over √n.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np
from scipy.special import expit

from lab.analysis.pl import PlFit
from lab.analysis.tmd import BILAYER_EXCESS, TmdRamanFit

MONOLAYER_SCALE = 0.25  # cm⁻¹ of Δ excess over which M falls from 0.73 to 0.27 around BILAYER_EXCESS
NARROW_FWHM_MEV = 30.0  # A exciton FWHM at and below which W = 1
FWHM_SCALE_MEV = 50.0  # FWHM excess that costs a factor e
BANDGAP_TOLERANCE_EV = 0.03  # σ of the band-gap factor G


@dataclass(frozen=True)
class TmdFigures:
    """Figures of merit of one TMD sample (module docstring); NaN where no spot has what a figure needs."""

    failed: bool
    quality: float
    coverage: float  # fraction of measured spots showing the film
    monolayer_coverage: float  # fraction of measured spots classified monolayer
    layers: float  # median layer number over the spots showing the film (3 = three or more)
    delta_cm1: float  # mean Δ = A1g − E¹2g over the spots showing the film
    delta_cm1_err: float
    pl_peak_ev: float  # mean A exciton energy over the spots with PL
    pl_peak_ev_err: float
    bandgap_ev: float  # mean A exciton energy over monolayer spots with PL: the optical gap
    bandgap_ev_err: float
    pl_fwhm_mev: float  # mean A exciton FWHM over the spots with PL
    pl_fwhm_mev_err: float
    pl_intensity_cps: float  # mean A exciton area per second over the spots with PL
    film_x_w: float  # mean W fraction over the spots showing the film (measured for Mo/W sulfide alloys)
    film_x_w_err: float
    n_spots: int  # N, the spots measured
    unfit: int  # spots whose Raman or PL spectrum could not be fitted

    def as_dict(self) -> dict[str, float | int | bool]:
        """The figures as a flat record."""
        return asdict(self)


def monolayer_likeness(delta_excess: float) -> float:
    """M = σ((1.0 − ε)/0.25) of a spot whose Δ exceeds the composition's monolayer Δ₁ by ``delta_excess``."""
    return float(expit((BILAYER_EXCESS - delta_excess) / MONOLAYER_SCALE))


def tmd_spot_quality(raman: TmdRamanFit, pl: PlFit, target_ev: float | None = None) -> float:
    """q_i of one measured spot (module docstring)."""
    if not (raman.has_tmd and pl.has_pl):
        return 0.0
    q = monolayer_likeness(raman.delta_excess) * math.exp(-max(pl.fwhm_mev - NARROW_FWHM_MEV, 0.0) / FWHM_SCALE_MEV)
    if target_ev is not None:
        q *= math.exp(-0.5 * ((pl.a_ev - target_ev) / BANDGAP_TOLERANCE_EV) ** 2)
    return q


def mean_with_error(values: Sequence[float], errors: Sequence[float]) -> tuple[float, float]:
    """Mean of ``values`` and its standard error: √(max(sample variance, mean errors²)/n); NaN when empty."""
    if not values:
        return math.nan, math.nan
    values, errors = np.asarray(values, dtype=float), np.asarray(errors, dtype=float)
    spread = float(np.var(values, ddof=1)) if values.size > 1 else 0.0
    return float(values.mean()), math.sqrt(max(spread, float(np.mean(errors**2))) / values.size)


def tmd_figures(
    raman_fits: Sequence[TmdRamanFit], pl_fits: Sequence[PlFit], target_ev: float | None = None
) -> TmdFigures:
    """Quality and figures of merit of a sample from the Raman and PL fits of its spots (module docstring)."""
    if len(raman_fits) != len(pl_fits):
        raise ValueError(f"need one PL fit per Raman fit, got {len(raman_fits)} and {len(pl_fits)}")
    measured = [(r, p) for r, p in zip(raman_fits, pl_fits, strict=True) if r.fitted and p.fitted]
    unfit = len(raman_fits) - len(measured)
    film = [r for r, _ in measured if r.has_tmd]
    lit = [p for r, p in measured if r.has_tmd and p.has_pl]
    gap = [p for r, p in measured if r.layers == 1 and p.has_pl]
    nan = math.nan
    n = len(measured)
    delta = mean_with_error([r.delta for r in film], [r.delta_err for r in film])
    peak = mean_with_error([p.a_ev for p in lit], [p.a_ev_err for p in lit])
    bandgap = mean_with_error([p.a_ev for p in gap], [p.a_ev_err for p in gap])
    fwhm = mean_with_error([p.fwhm_mev for p in lit], [p.fwhm_mev_err for p in lit])
    x_w = mean_with_error([r.x_w for r in film], [r.x_w_err for r in film])
    return TmdFigures(
        failed=not film,
        quality=float(np.mean([tmd_spot_quality(r, p, target_ev) for r, p in measured])) if film else 0.0,
        coverage=len(film) / n if n else nan,
        monolayer_coverage=sum(r.layers == 1 for r in film) / n if n else nan,
        layers=float(np.median([r.layers for r in film])) if film else nan,
        delta_cm1=delta[0],
        delta_cm1_err=delta[1],
        pl_peak_ev=peak[0],
        pl_peak_ev_err=peak[1],
        bandgap_ev=bandgap[0],
        bandgap_ev_err=bandgap[1],
        pl_fwhm_mev=fwhm[0],
        pl_fwhm_mev_err=fwhm[1],
        pl_intensity_cps=float(np.mean([p.intensity_cps for p in lit])) if lit else nan,
        film_x_w=x_w[0],
        film_x_w_err=x_w[1],
        n_spots=n,
        unfit=unfit,
    )
